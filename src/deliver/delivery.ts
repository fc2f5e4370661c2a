import { redact as redactSecrets } from '../redact.js';
import type { KeyValueStore } from '../state/keyValueStore.js';
import { recordHealth } from '../state/deliveryHealth.js';
import type { OutboxItem } from './outbox.js';
import {
  clearReceiverPause,
  dropPending,
  finish,
  isFinished,
  leaseItem,
  listOutbox,
  markRetry,
  notePending,
  pauseReceiver,
  readReceiverPause,
} from './outbox.js';
import type { SendOutcome, WireProtocol } from './wireProtocol.js';
import type { Receiver, SinkType } from '../model.js';

export interface DeliveryOptions {
  store: KeyValueStore;
  receivers: ReadonlyMap<string, Receiver>;
  protocols: Readonly<Partial<Record<SinkType, WireProtocol>>>;
  now: () => Date;
  maxAttempts: number;
  maxAgeMs: number;
  timeoutMs: number;
  fetch?: typeof fetch;
  /** At most this many sends per pass (the rest stay pending for the next one). */
  limit?: number;
  /** Backoff base; the wait doubles per attempt, with jitter, up to an hour. */
  backoffBaseMs?: number;
  random?: () => number;
  /** Treat every pending item as due (a run started by hand retries at once instead of waiting out backoff). */
  dueNow?: boolean;
}

export interface ReceiverReport {
  delivered: number;
  retried: number;
  deadLettered: number;
  pending: number;
}

export interface DeliveryReport extends ReceiverReport {
  perReceiver: Record<string, ReceiverReport>;
  /** What went wrong, per receiver, without URLs or secrets. */
  errors: string[];
}

const MAX_BACKOFF_MS = 3_600_000;

/** Exponential backoff with jitter (between half and the whole step), so retries of many items spread out. */
export function backoffMs(attempt: number, baseMs: number, random: () => number): number {
  const step = Math.min(MAX_BACKOFF_MS, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(step * (0.5 + random() / 2));
}

/** Removes a receiver's credentials (by structure, in every spelling) and any credential shape from a text. */
export function redact(text: string, receiver: Receiver | undefined): string {
  return redactSecrets(text, [receiver]);
}

function describeError(err: unknown): string {
  if (err instanceof Error) {
    if (err.name === 'TimeoutError' || err.name === 'AbortError') return 'timed out';
    const cause = (err as { cause?: unknown }).cause;
    const code = typeof cause === 'object' && cause !== null ? (cause as { code?: unknown }).code : undefined;
    return typeof code === 'string' ? `${err.message} (${code})` : err.message;
  }
  return String(err);
}

async function sendOne(
  item: OutboxItem,
  receiver: Receiver,
  protocol: WireProtocol,
  options: DeliveryOptions,
): Promise<SendOutcome> {
  let request: ReturnType<WireProtocol['prepare']>;
  try {
    request = protocol.prepare(
      { id: item.id, body: item.body, attempt: item.attempts + 1 },
      receiver,
      options.now(),
    );
  } catch (err) {
    // A receiver configured with a bad secret or URL: counted as an attempt, fixed by configuration.
    return { kind: 'retry', reason: `cannot build the request: ${redact(describeError(err), receiver)}` };
  }
  const doFetch = options.fetch ?? fetch;
  try {
    const res = await doFetch(request.url, {
      method: 'POST',
      headers: request.headers,
      body: request.body,
      signal: AbortSignal.timeout(options.timeoutMs),
      redirect: 'error',
    });
    // Redacted whole before the protocol reads it: its reason quotes the answer cut short.
    const body = redact(await res.text(), receiver);
    return protocol.classify({ status: res.status, headers: res.headers, body });
  } catch (err) {
    return { kind: 'retry', reason: redact(describeError(err), receiver) };
  }
}

const blank = (): ReceiverReport => ({ delivered: 0, retried: 0, deadLettered: 0, pending: 0 });

/**
 * Sends every due outbox item: receivers in parallel, each receiver's items in order and at its
 * rate. A 2xx marks an item delivered only after the response arrives; a crash before that sends
 * it again with the same id next time (at-least-once, receivers drop the repeat by id). A receiver
 * that fails never holds up another.
 */
export async function deliverDue(options: DeliveryOptions): Promise<DeliveryReport> {
  const report: DeliveryReport = { ...blank(), perReceiver: {}, errors: [] };
  const byReceiver = new Map<string, { item: OutboxItem; version: string }[]>();
  for await (const entry of listOutbox(options.store, 'pending')) {
    const list = byReceiver.get(entry.item.receiver) ?? [];
    list.push(entry);
    byReceiver.set(entry.item.receiver, list);
  }
  let budget = options.limit ?? Number.POSITIVE_INFINITY;
  const random = options.random ?? Math.random;
  const base = options.backoffBaseMs ?? 30_000;

  await Promise.all(
    [...byReceiver].map(async ([name, entries]) => {
      const r = (report.perReceiver[name] = blank());
      try {
        await deliverToReceiver(name, entries, r);
      } catch (err) {
        // A storage failure while working on one receiver leaves its items pending, not the others'.
        const receiver = options.receivers.get(name);
        report.errors.push(`${name}: delivery pass stopped: ${redact(describeError(err), receiver)}`);
      }
      // Counted once per pass and receiver (one conditional write each), not per item.
      try {
        const at = options.now();
        for (const counter of ['delivered', 'retried', 'deadLettered'] as const)
          await recordHealth(options.store, at, name, counter, r[counter]);
      } catch (err) {
        report.errors.push(`${name}: delivery health not recorded: ${describeError(err)}`);
      }
    }),
  );

  async function deliverToReceiver(
    name: string,
    entries: { item: OutboxItem; version: string }[],
    r: ReceiverReport,
  ): Promise<void> {
    const receiver = options.receivers.get(name);
    const protocol = receiver ? options.protocols[receiver.type] : undefined;
    entries.sort((a, b) => a.item.createdAt.localeCompare(b.item.createdAt));
    const interval = receiver?.maxPerSecond ? 1000 / receiver.maxPerSecond : 0;
    let lastSend = 0;
    // After a failure the receiver rests (its backoff, or its Retry-After) before the next item is
    // tried: a receiver that is down gets one probe per pass, not one timeout per pending item.
    const stored = receiver ? await readReceiverPause(options.store, name) : undefined;
    let pauseStored = stored !== undefined;
    let pausedUntil =
      stored && (stored.requested || !options.dueNow) ? Date.parse(stored.until) : Number.NEGATIVE_INFINITY;
    let reportedMissing = false;
    for (const entry of entries) {
      const now = options.now();
      // Only a leased item can have a final record already (a crash inside `finish`).
      if (entry.item.leaseUntil !== undefined && (await isFinished(options.store, entry.item))) {
        await dropPending(options.store, entry.item);
        continue;
      }
      const leased = entry.item.leaseUntil !== undefined && Date.parse(entry.item.leaseUntil) > now.getTime();
      if (
        leased ||
        (!options.dueNow && Date.parse(entry.item.nextAttemptAt) > now.getTime()) ||
        pausedUntil > now.getTime() ||
        budget <= 0
      ) {
        r.pending++;
        continue;
      }
      if (!receiver || !protocol) {
        // Kept pending without using an attempt: fixing the configuration delivers it.
        const why = receiver ? `no sink for type ${receiver.type}` : `receiver "${name}" is not configured`;
        await notePending(options.store, entry.item, entry.version, why);
        r.pending++;
        if (!reportedMissing) report.errors.push(`${name}: ${why}`);
        reportedMissing = true;
        continue;
      }
      // Taken before sending so a concurrent pass does not send it too; released by the outcome below.
      const taken = await leaseItem(
        options.store,
        entry.item,
        entry.version,
        new Date(now.getTime() + 2 * options.timeoutMs + 60_000).toISOString(),
      );
      if (!taken) {
        r.pending++;
        continue;
      }
      const { item, version } = taken;
      const wait = lastSend + interval - Date.now();
      if (wait > 0) await new Promise((res) => setTimeout(res, wait));
      lastSend = Date.now();
      budget--;
      const outcome = await sendOne(item, receiver, protocol, options);
      const at = options.now();
      const age = at.getTime() - Date.parse(item.createdAt);
      if (outcome.kind === 'delivered') {
        if (pauseStored) await clearReceiverPause(options.store, name);
        pauseStored = false;
        await finish(options.store, item, 'delivered', { at: at.toISOString(), attempted: true });
        r.delivered++;
        continue;
      }
      const reason = redact(outcome.reason, receiver);
      report.errors.push(`${name}: ${item.id}: ${reason}`);
      const exhausted = item.attempts + 1 >= options.maxAttempts || age > options.maxAgeMs;
      if (outcome.kind === 'permanent' || exhausted) {
        await finish(options.store, item, 'dead', { at: at.toISOString(), error: reason, attempted: true });
        r.deadLettered++;
        continue;
      }
      const delay = Math.max(outcome.retryAfterMs ?? 0, backoffMs(item.attempts + 1, base, random));
      await markRetry(options.store, item, version, {
        error: reason,
        nextAttemptAt: new Date(at.getTime() + delay).toISOString(),
        at: at.toISOString(),
      });
      r.retried++;
      pausedUntil = at.getTime() + delay;
      pauseStored = true;
      await pauseReceiver(options.store, name, {
        until: new Date(pausedUntil).toISOString(),
        requested: outcome.retryAfterMs !== undefined,
      });
    }
  }

  for (const r of Object.values(report.perReceiver)) {
    report.delivered += r.delivered;
    report.retried += r.retried;
    report.deadLettered += r.deadLettered;
    report.pending += r.pending;
  }
  report.pending += report.retried;
  return report;
}
