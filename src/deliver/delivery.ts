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
  outboxKey,
  pauseReceiver,
  readReceiverPause,
  releaseLease,
} from './outbox.js';
import type { ReceivedResponse, SendOutcome, WireProtocol } from './wireProtocol.js';
import { httpPost } from './httpPost.js';
import { goneFromThisHost } from '../state/processLiveness.js';
import type { Receiver, SinkType } from '../model.js';

export interface DeliveryOptions {
  store: KeyValueStore;
  receivers: ReadonlyMap<string, Receiver>;
  protocols: Readonly<Partial<Record<SinkType, WireProtocol>>>;
  now: () => Date;
  maxAttempts: number;
  maxAgeMs: number;
  timeoutMs: number;
  /** Sends through this instead of node:http(s) (tests that make a send fail in a chosen way). */
  fetch?: typeof fetch;
  /** At most this many sends per pass (the rest stay pending for the next one). */
  limit?: number;
  /** Backoff base; the wait doubles per attempt, with jitter, up to an hour. */
  backoffBaseMs?: number;
  random?: () => number;
  /** Treat every pending item as due (a run started by hand retries at once instead of waiting out backoff). */
  dueNow?: boolean;
  /** Sends in flight at once per receiver (its rate limit still applies). Default 32. */
  concurrency?: number;
  /**
   * How the pass waits (pacing, a short Retry-After) and the clock those waits are measured on:
   * real time unless a test gives a clock of its own.
   */
  timer?: Timer;
}

/** A clock that can be waited on. */
export interface Timer {
  now(): number;
  sleep(ms: number): Promise<void>;
}

const REAL_TIME: Timer = {
  now: () => Date.now(),
  sleep: (ms) => new Promise<void>((r) => setTimeout(r, ms)),
};

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
/** A Retry-After beyond this is taken as this (a proxy answering a day is not a plan). */
const MAX_RETRY_AFTER_MS = 3_600_000;
/** Failures in one pass, with no success, after which the receiver is left alone until the next pass. */
const FAILING_RECEIVER = 8;
/**
 * The longest a pass waits in place for a receiver that asked for a pause (Retry-After) before it
 * leaves that receiver's items to the next pass.
 */
const MAX_WAIT_MS = 5_000;

/** How long a send holds its item: the send's timeout twice over, and a minute for recording the outcome. */
const sendLeaseMs = (timeoutMs: number): number => 2 * timeoutMs + 60_000;

/** Until when a send holds its item (see sendLeaseMs). */
export function sendLeaseUntil(now: Date, timeoutMs: number): string {
  return new Date(now.getTime() + sendLeaseMs(timeoutMs)).toISOString();
}

/** Exponential backoff with jitter (between half and the whole step), so retries of many items spread out. */
export function backoffMs(attempt: number, baseMs: number, random: () => number): number {
  const step = Math.min(MAX_BACKOFF_MS, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(step * (0.5 + random() / 2));
}

/** Removes a receiver's credentials (by structure, in every spelling) and any credential shape from a text. */
export function redact(text: string, receiver: Receiver | undefined): string {
  return redactSecrets(text, [receiver]);
}

function errorCode(err: unknown): string | undefined {
  if (!(err instanceof Error)) return undefined;
  const own = (err as { code?: unknown }).code;
  if (typeof own === 'string') return own;
  const cause = (err as { cause?: unknown }).cause;
  const code = typeof cause === 'object' && cause !== null ? (cause as { code?: unknown }).code : undefined;
  return typeof code === 'string' ? code : undefined;
}

/** Network failures by their code: node's own messages carry the receiver's address. */
const NETWORK_ERRORS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  EPIPE: 'connection closed while sending',
  ETIMEDOUT: 'connection timed out',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host name lookup failed',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
};

function describeError(err: unknown): string {
  if (err instanceof Error) {
    const code = errorCode(err);
    return code ? `${err.message} (${code})` : err.message;
  }
  return String(err);
}

/** Why a send failed, without the receiver's address. */
function describeSendError(err: unknown): string {
  if (err instanceof Error) {
    if (err.name === 'TimeoutError' || err.name === 'AbortError') return 'timed out';
    const code = errorCode(err);
    if (code !== undefined && (code in NETWORK_ERRORS || /^E[A-Z]+$/.test(code)))
      return `${NETWORK_ERRORS[code] ?? 'network error'} (${code})`;
    if (code?.startsWith('ERR_TLS') || code?.includes('CERT')) return `TLS failure (${code})`;
  }
  return describeError(err);
}

/** A send's outcome, and whether the receiver itself said to stop (refused the connection). */
type Sent = SendOutcome & { refused?: boolean };

async function sendOne(
  item: OutboxItem,
  receiver: Receiver,
  protocol: WireProtocol,
  options: DeliveryOptions,
): Promise<Sent> {
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
  try {
    let answer: ReceivedResponse;
    if (options.fetch) {
      const res = await options.fetch(request.url, {
        method: 'POST',
        headers: request.headers,
        body: request.body,
        signal: AbortSignal.timeout(options.timeoutMs),
        redirect: 'error',
      });
      answer = { status: res.status, headers: res.headers, body: await res.text() };
    } else answer = await httpPost(request.url, request.headers, request.body, options.timeoutMs);
    // Not followed: where a notification goes is the configuration's to say, not the answer's.
    if (answer.status >= 300 && answer.status < 400)
      return { kind: 'retry', reason: `redirect (HTTP ${String(answer.status)}) not followed` };
    // Redacted whole before the protocol reads it: its reason quotes the answer cut short.
    return protocol.classify({ ...answer, body: redact(answer.body, receiver) });
  } catch (err) {
    const refused = errorCode(err) === 'ECONNREFUSED';
    return {
      kind: 'retry',
      reason: redact(describeSendError(err), receiver),
      ...(refused ? { refused } : {}),
    };
  }
}

const blank = (): ReceiverReport => ({ delivered: 0, retried: 0, deadLettered: 0, pending: 0 });

/** An outbox item a pass considers, with its version; `leased` when this process created it leased. */
export interface QueuedItem {
  item: OutboxItem;
  version: string;
  leased?: boolean;
}

/** A delivery pass that takes items while it runs (delivery starts while later failures are planned). */
export interface DeliveryRun {
  /** Items to send (again keyed: an item already taken by this pass is not taken twice). */
  add(items: readonly QueuedItem[]): void;
  /** No more items: resolves once every receiver's queue is worked off. */
  finish(): Promise<DeliveryReport>;
}

/** Starts spacing sends `interval` ms apart, however many are in flight. */
function pacer(interval: number, timer: Timer): () => Promise<void> {
  let next = Number.NEGATIVE_INFINITY;
  return async () => {
    if (interval <= 0) return;
    const now = timer.now();
    const at = Math.max(now, next);
    next = at + interval;
    if (at > now) await timer.sleep(at - now);
  };
}

/**
 * Sends outbox items: receivers in parallel, several sends in flight per receiver within its rate
 * (maxPerSecond spaces request starts). Each notification backs off on its own: one that keeps
 * failing never holds up the others. A receiver is paused as a whole only when it speaks for itself
 * (Retry-After, or a refused connection), for exactly as long as it asked. A 2xx marks an item
 * delivered only after the response arrives; a crash before that sends it again with the same id
 * once its lease runs out (at-least-once, receivers drop the repeat by id). An item is dead-lettered
 * on a permanent answer, or once it has used its attempts and is past its age, both.
 */
export function startDelivery(options: DeliveryOptions): DeliveryRun {
  const report: DeliveryReport = { ...blank(), perReceiver: {}, errors: [] };
  let budget = options.limit ?? Number.POSITIVE_INFINITY;
  const random = options.random ?? Math.random;
  const base = options.backoffBaseMs ?? 30_000;
  const concurrency = Math.max(1, options.concurrency ?? 32);
  const timer = options.timer ?? REAL_TIME;
  const taken = new Set<string>();
  const lanes = new Map<string, Lane>();
  let closed = false;

  interface Lane {
    name: string;
    queue: QueuedItem[];
    r: ReceiverReport;
    workers: Promise<void>[];
    wake: (() => void)[];
    pace: () => Promise<void>;
    /** The receiver's stored pause (until, ms), read once per pass. */
    pause: Promise<number>;
    pauseStored: boolean;
    pausedUntil: number;
    failures: number;
    successes: number;
    reportedMissing: boolean;
    stopped: boolean;
    /** Sends allowed in flight now: starts at one and doubles with each success (slow start). */
    window: number;
    max: number;
    inFlight: number;
    slots: (() => void)[];
  }

  const laneOf = (name: string): Lane => {
    const known = lanes.get(name);
    if (known) return known;
    const receiver = options.receivers.get(name);
    const max = receiver?.maxPerSecond
      ? Math.min(concurrency, Math.ceil(receiver.maxPerSecond))
      : concurrency;
    const lane: Lane = {
      name,
      queue: [],
      r: (report.perReceiver[name] = blank()),
      workers: [],
      wake: [],
      pace: pacer(receiver?.maxPerSecond ? 1000 / receiver.maxPerSecond : 0, timer),
      pause: receiver
        ? readReceiverPause(options.store, name).then((stored) => {
            lane.pauseStored = stored !== undefined;
            // A pause the receiver asked for holds even for a pass started by hand.
            return stored && (stored.requested || !options.dueNow)
              ? Date.parse(stored.until)
              : Number.NEGATIVE_INFINITY;
          })
        : Promise.resolve(Number.NEGATIVE_INFINITY),
      pauseStored: false,
      pausedUntil: Number.NEGATIVE_INFINITY,
      failures: 0,
      successes: 0,
      reportedMissing: false,
      stopped: false,
      window: 1,
      max,
      inFlight: 0,
      slots: [],
    };
    lanes.set(name, lane);
    for (let i = 0; i < max; i++) lane.workers.push(work(lane));
    return lane;
  };

  async function work(lane: Lane): Promise<void> {
    try {
      lane.pausedUntil = await lane.pause;
      for (;;) {
        const next = lane.queue.shift();
        if (!next) {
          if (closed) return;
          await new Promise<void>((resolve) => lane.wake.push(resolve));
          continue;
        }
        // The first send to a receiver goes alone, so its answer (a 429, a refusal) is heard before more go.
        while (lane.inFlight >= lane.window) await new Promise<void>((resolve) => lane.slots.push(resolve));
        lane.inFlight++;
        try {
          await deliverOne(lane, next);
        } finally {
          lane.inFlight--;
          lane.slots.shift()?.();
        }
      }
    } catch (err) {
      // A storage failure while working on one receiver leaves its items pending, not the others'.
      if (!lane.stopped) {
        lane.stopped = true;
        const receiver = options.receivers.get(lane.name);
        report.errors.push(`${lane.name}: delivery pass stopped: ${redact(describeError(err), receiver)}`);
      }
      lane.r.pending += lane.queue.splice(0).length;
    }
  }

  async function deliverOne(lane: Lane, entry: QueuedItem): Promise<void> {
    const { r, name } = lane;
    const receiver = options.receivers.get(name);
    const protocol = receiver ? options.protocols[receiver.type] : undefined;
    let now = options.now();
    // Only a leased item can have a final record already (a crash inside `finish`).
    if (
      !entry.leased &&
      entry.item.leaseUntil !== undefined &&
      (await isFinished(options.store, entry.item))
    ) {
      await dropPending(options.store, entry.item);
      return;
    }
    const leasedElsewhere =
      !entry.leased &&
      entry.item.leaseUntil !== undefined &&
      Date.parse(entry.item.leaseUntil) > now.getTime() &&
      !goneFromThisHost(entry.item.leasedBy);
    // The receiver asked for a short pause: wait it out here rather than leave the rest for later.
    const wait = lane.pausedUntil - now.getTime();
    if (wait > 0 && wait <= MAX_WAIT_MS && !leasedElsewhere) {
      await timer.sleep(wait);
      now = options.now();
    }
    const skip =
      lane.stopped ||
      leasedElsewhere ||
      (!options.dueNow && Date.parse(entry.item.nextAttemptAt) > now.getTime()) ||
      lane.pausedUntil > now.getTime() ||
      budget <= 0 ||
      (lane.failures >= FAILING_RECEIVER && lane.successes === 0);
    if (skip) {
      // Created leased to this pass, which will not send it now: free for the next pass at once.
      if (entry.leased) await releaseLease(options.store, entry.item, entry.version);
      r.pending++;
      return;
    }
    if (!receiver || !protocol) {
      // Kept pending without using an attempt: fixing the configuration delivers it.
      const why = receiver ? `no sink for type ${receiver.type}` : `receiver "${name}" is not configured`;
      await notePending(options.store, entry.item, entry.version, why);
      r.pending++;
      if (!lane.reportedMissing) report.errors.push(`${name}: ${why}`);
      lane.reportedMissing = true;
      return;
    }
    budget--;
    let item = entry.item;
    let version = entry.version;
    // An item created leased may wait long behind a paced receiver: with under half its lease left it
    // is taken again, or a pass that took it once the lease ran out would send it too.
    const ownLeaseFresh =
      entry.leased === true &&
      entry.item.leaseUntil !== undefined &&
      Date.parse(entry.item.leaseUntil) - now.getTime() >= sendLeaseMs(options.timeoutMs) / 2;
    if (!ownLeaseFresh) {
      // Taken before sending so a concurrent pass does not send it too; released by the outcome below.
      const lease = await leaseItem(options.store, item, version, sendLeaseUntil(now, options.timeoutMs));
      if (!lease) {
        budget++;
        r.pending++;
        return;
      }
      ({ item, version } = lease);
    }
    await lane.pace();
    const outcome = await sendOne(item, receiver, protocol, options);
    const at = options.now();
    if (outcome.kind === 'delivered') {
      lane.successes++;
      // A send that went out before another's 429/503 was answered must not undo the pause it set.
      const paused = lane.pausedUntil > at.getTime();
      if (lane.pauseStored && !paused) {
        lane.pauseStored = false;
        await clearReceiverPause(options.store, name);
      }
      await finish(options.store, item, 'delivered', { at: at.toISOString(), attempted: true });
      r.delivered++;
      if (!paused && lane.window < lane.max) {
        lane.window = Math.min(lane.max, lane.window * 2);
        for (const wake of lane.slots.splice(0)) wake();
      }
      return;
    }
    lane.failures++;
    const reason = redact(outcome.reason, receiver);
    report.errors.push(`${name}: ${item.id}: ${reason}`);
    const age = at.getTime() - Date.parse(item.createdAt);
    // Both: a young notification keeps its retries, an old one is not given up on its first failure.
    const exhausted = item.attempts + 1 >= options.maxAttempts && age > options.maxAgeMs;
    if (outcome.kind === 'permanent' || exhausted) {
      await finish(options.store, item, 'dead', { at: at.toISOString(), error: reason, attempted: true });
      r.deadLettered++;
      return;
    }
    const asked =
      outcome.retryAfterMs === undefined ? undefined : Math.min(outcome.retryAfterMs, MAX_RETRY_AFTER_MS);
    const delay = asked ?? backoffMs(item.attempts + 1, base, random);
    await markRetry(options.store, item, version, {
      error: reason,
      nextAttemptAt: new Date(at.getTime() + delay).toISOString(),
      at: at.toISOString(),
    });
    r.retried++;
    if (asked !== undefined || outcome.refused) {
      // The receiver spoke for itself: nothing goes to it until it said (or, refused, until this item's backoff).
      lane.pausedUntil = Math.max(lane.pausedUntil, at.getTime() + delay);
      lane.pauseStored = true;
      lane.window = 1;
      await pauseReceiver(options.store, name, {
        until: new Date(lane.pausedUntil).toISOString(),
        requested: asked !== undefined,
      });
    }
  }

  return {
    add(items) {
      const byReceiver = new Map<string, QueuedItem[]>();
      for (const entry of items) {
        const key = outboxKey(entry.item.receiver, entry.item.id);
        if (taken.has(key)) continue;
        taken.add(key);
        const list = byReceiver.get(entry.item.receiver) ?? [];
        list.push(entry);
        byReceiver.set(entry.item.receiver, list);
      }
      for (const [name, list] of byReceiver) {
        const lane = laneOf(name);
        // Due first; among those, oldest first.
        list.sort(
          (a, b) =>
            a.item.nextAttemptAt.localeCompare(b.item.nextAttemptAt) ||
            a.item.createdAt.localeCompare(b.item.createdAt),
        );
        lane.queue.push(...list);
        for (const w of lane.wake.splice(0)) w();
      }
    },

    async finish() {
      closed = true;
      for (const lane of lanes.values()) for (const w of lane.wake.splice(0)) w();
      await Promise.all(
        [...lanes.values()].map(async (lane) => {
          await Promise.all(lane.workers);
          // Counted once per pass and receiver (one conditional write each), not per item.
          try {
            const at = options.now();
            for (const counter of ['delivered', 'retried', 'deadLettered'] as const)
              await recordHealth(options.store, at, lane.name, counter, lane.r[counter]);
          } catch (err) {
            report.errors.push(`${lane.name}: delivery health not recorded: ${describeError(err)}`);
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
    },
  };
}

/** Gives a run every pending outbox item (what was listed is added even when listing fails part way). */
export async function addPending(run: DeliveryRun, store: KeyValueStore): Promise<void> {
  const batch: QueuedItem[] = [];
  try {
    for await (const entry of listOutbox(store, 'pending')) batch.push(entry);
  } finally {
    run.add(batch);
  }
}

/** Sends every due outbox item (one pass). */
export async function deliverDue(options: DeliveryOptions): Promise<DeliveryReport> {
  const run = startDelivery(options);
  await addPending(run, options.store);
  return run.finish();
}
