import type { KeyValueStore } from '../state/keyValueStore.js';
import { recordHealth } from '../state/deliveryHealth.js';
import type { OutboxItem } from '../state/outbox.js';
import { dropPending, finish, isFinished, listOutbox, markRetry } from '../state/outbox.js';
import type { Receiver, SendOutcome, SinkProtocol, SinkType } from './sinkProtocol.js';

export interface DeliveryOptions {
  store: KeyValueStore;
  receivers: ReadonlyMap<string, Receiver>;
  protocols: Readonly<Partial<Record<SinkType, SinkProtocol>>>;
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

/** Removes a receiver's URL (and its path, where the credential usually sits) from an error text. */
export function redact(text: string, receiver: Receiver | undefined): string {
  if (!receiver) return text;
  let out = text;
  const secrets = [receiver.url, receiver.secret];
  try {
    const u = new URL(receiver.url);
    secrets.push(u.pathname + u.search, u.search);
  } catch {
    // not a URL: the whole string is already covered
  }
  for (const s of secrets) if (s && s.length > 3) out = out.split(s).join('<redacted>');
  return out;
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
  protocol: SinkProtocol,
  options: DeliveryOptions,
): Promise<SendOutcome> {
  const request = protocol.prepare(
    { id: item.id, body: item.body, attempt: item.attempts + 1 },
    receiver,
    options.now(),
  );
  const doFetch = options.fetch ?? fetch;
  try {
    const res = await doFetch(request.url, {
      method: 'POST',
      headers: request.headers,
      body: request.body,
      signal: AbortSignal.timeout(options.timeoutMs),
      redirect: 'error',
    });
    const body = await res.text();
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
      const receiver = options.receivers.get(name);
      const protocol = receiver ? options.protocols[receiver.type] : undefined;
      entries.sort((a, b) => a.item.createdAt.localeCompare(b.item.createdAt));
      const interval = receiver?.maxPerSecond ? 1000 / receiver.maxPerSecond : 0;
      let lastSend = 0;
      let pausedUntil = 0;
      for (const { item, version } of entries) {
        const now = options.now();
        if (await isFinished(options.store, item)) {
          await dropPending(options.store, item);
          continue;
        }
        const age = now.getTime() - Date.parse(item.createdAt);
        if (
          (!options.dueNow && Date.parse(item.nextAttemptAt) > now.getTime()) ||
          pausedUntil > now.getTime() ||
          budget <= 0
        ) {
          r.pending++;
          continue;
        }
        if (!receiver || !protocol) {
          const why = receiver ? `no sink for type ${receiver.type}` : `receiver "${name}" is not configured`;
          if (age > options.maxAgeMs) {
            await finish(options.store, item, 'dead', {
              at: now.toISOString(),
              error: why,
              attempted: false,
            });
            r.deadLettered++;
            await recordHealth(options.store, now, name, 'deadLettered');
          } else {
            const next = new Date(now.getTime() + backoffMs(item.attempts + 1, base, random)).toISOString();
            await markRetry(options.store, item, version, {
              error: why,
              nextAttemptAt: next,
              at: now.toISOString(),
            });
            r.pending++;
          }
          report.errors.push(`${name}: ${why}`);
          continue;
        }
        const wait = lastSend + interval - Date.now();
        if (wait > 0) await new Promise((res) => setTimeout(res, wait));
        lastSend = Date.now();
        budget--;
        const outcome = await sendOne(item, receiver, protocol, options);
        const at = options.now();
        if (outcome.kind === 'delivered') {
          await finish(options.store, item, 'delivered', { at: at.toISOString(), attempted: true });
          r.delivered++;
          await recordHealth(options.store, at, name, 'delivered');
          continue;
        }
        const reason = redact(outcome.reason, receiver);
        report.errors.push(`${name}: ${reason}`);
        const exhausted = item.attempts + 1 >= options.maxAttempts || age > options.maxAgeMs;
        if (outcome.kind === 'permanent' || exhausted) {
          await finish(options.store, item, 'dead', { at: at.toISOString(), error: reason, attempted: true });
          r.deadLettered++;
          await recordHealth(options.store, at, name, 'deadLettered');
          continue;
        }
        const delay = Math.max(outcome.retryAfterMs ?? 0, backoffMs(item.attempts + 1, base, random));
        await markRetry(options.store, item, version, {
          error: reason,
          nextAttemptAt: new Date(at.getTime() + delay).toISOString(),
          at: at.toISOString(),
        });
        r.retried++;
        await recordHealth(options.store, at, name, 'retried');
        // The receiver asked everyone to wait: the rest of its items wait too.
        if (outcome.retryAfterMs !== undefined) pausedUntil = at.getTime() + outcome.retryAfterMs;
      }
    }),
  );
  for (const r of Object.values(report.perReceiver)) {
    report.delivered += r.delivered;
    report.retried += r.retried;
    report.deadLettered += r.deadLettered;
    report.pending += r.pending;
  }
  report.pending += report.retried;
  return report;
}
