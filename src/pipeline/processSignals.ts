import type { EnrichmentExtras } from '../enrich/enrichFailure.js';
import type { CatalogLookup } from '../ports.js';
import { enrichFailure } from '../enrich/enrichFailure.js';
import type { EnrichedFailure, FailureLink, FailureSignal, Notification } from '../model.js';
import { isNotice } from '../model.js';
import { notificationForFailure } from '../route/routeNotification.js';
import { audienceOf, recordAudience } from '../notify/resolveAudience.js';
import type { KeyValueStore } from '../state/keyValueStore.js';
import type {
  ContextPort,
  DispatchPort,
  OutgoingNotification,
  PlanOutcome,
  PlannerPort,
  RollingPort,
} from '../ports.js';

export interface PipelineDeps {
  store: KeyValueStore;
  catalog: CatalogLookup;
  context?: ContextPort;
  rolling?: RollingPort;
  planner: PlannerPort;
  dispatch: DispatchPort;
  /** How long a processed signal identity is remembered (replays inside it are duplicates). */
  seenTtlMs: number;
  logsLink?: (signal: FailureSignal) => FailureLink | undefined;
  /** Hosts a payload's own link may point at (LINK_HOST_ALLOW_LIST). */
  linkHosts?: readonly string[];
  now: () => Date;
}

export interface ProcessOptions {
  /**
   * Throw on a transient context failure instead of enriching without context, so a push source
   * (Event Grid) is redelivered and the failure arrives complete.
   */
  failOnTransientContext?: boolean;
  /** Keep the enriched failures and what was decided for them in the report (the local runner prints them). */
  keepEnriched?: boolean;
}

export interface ProcessReport {
  received: number;
  /** Of `received`, the notices (`isNotice`: repair started or finished, new versions, support): not failures. */
  notices: number;
  duplicates: number;
  processed: number;
  /** Of `processed`, the notices. */
  newNotices: number;
  notifications: number;
  /** Of `notifications`, those about a notice (a support notice is sent, but it is no failure). */
  noticeNotifications: number;
  enqueued: number;
  held: number;
  suppressed: number;
  silenced: number;
  recovered: number;
  unrouted: number;
  /** Problems that did not stop the batch (context look-ups, outbox rows), named. */
  problems: string[];
  enriched: EnrichedFailure[];
  /** With keepEnriched: each plan's outcome (notifications, held, suppressed, silenced), for the report. */
  plans?: PlanOutcome[];
}

export class TransientContextError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TransientContextError';
  }
}

export const SEEN_SCOPE = 'seen';
const PUSH_SOURCES = new Set(['event-grid', 'common-alert']);

interface SeenMarker {
  at: string;
  expiresAt: string;
}

function signalKey(signal: FailureSignal): string {
  return `${signal.source}|${signal.sourceId}`;
}

export const JOURNAL_PREFIX = 'journal-';

/** The UTC day scope of the journal the digest reads push-source failures from. */
export function journalScope(occurredAt: string): string {
  const day = Number.isNaN(Date.parse(occurredAt))
    ? new Date(0).toISOString().slice(0, 10)
    : new Date(occurredAt).toISOString().slice(0, 10);
  return `${JOURNAL_PREFIX}${day}`;
}

async function isSeen(store: KeyValueStore, key: string, now: Date): Promise<boolean> {
  const found = await store.get<SeenMarker>(SEEN_SCOPE, key);
  return found !== undefined && Date.parse(found.value.expiresAt) > now.getTime();
}

/** The signals not processed yet (by `source` + `sourceId`), in order. */
export async function unseenSignals(
  deps: Pick<PipelineDeps, 'store' | 'now'>,
  signals: readonly FailureSignal[],
): Promise<FailureSignal[]> {
  const now = deps.now();
  const seen = await mapLimit(signals, 16, (s) => isSeen(deps.store, signalKey(s), now));
  return signals.filter((_, i) => !seen[i]);
}

async function markSeen(store: KeyValueStore, key: string, now: Date, ttlMs: number): Promise<void> {
  const marker: SeenMarker = {
    at: now.toISOString(),
    expiresAt: new Date(now.getTime() + ttlMs).toISOString(),
  };
  await store.put(SEEN_SCOPE, key, marker);
}

/** Runs `fn` over items with at most `limit` in flight, keeping order of results. */
async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

async function extrasFor(
  deps: PipelineDeps,
  signal: FailureSignal,
  options: ProcessOptions,
  problems: string[],
): Promise<EnrichmentExtras> {
  const extras: EnrichmentExtras = {};
  if (signal.cluster && deps.context) {
    const found = await deps.context.get(signal.cluster, signal.nodePool);
    if (found.ok) {
      extras.context = found.context;
      if (found.error !== undefined) {
        extras.contextError = found.error;
        problems.push(`context of ${signal.cluster.name}: ${found.error}`);
      }
    } else {
      if (found.transient && options.failOnTransientContext) throw new TransientContextError(found.error);
      extras.contextError = found.error;
      problems.push(`context of ${signal.cluster.name}: ${found.error}`);
    }
  }
  if (signal.cluster && signal.nodePool && deps.rolling) {
    const at = Number.isNaN(Date.parse(signal.occurredAt)) ? deps.now() : new Date(signal.occurredAt);
    if (await deps.rolling.isRolling(signal.cluster, signal.nodePool, at)) extras.duringUpgrade = true;
  }
  const logs = deps.logsLink?.(signal);
  if (logs) extras.logsLink = logs;
  if (deps.linkHosts) extras.linkHosts = deps.linkHosts;
  return extras;
}

async function countReceivers(
  deps: PipelineDeps,
  perReceiver: ReadonlyMap<string, number>,
  counter: 'held' | 'suppressed' | 'silenced',
  now: Date,
): Promise<void> {
  for (const [receiver, n] of perReceiver) await deps.dispatch.count(receiver, counter, n, now);
}

async function countPerReceiver(
  deps: PipelineDeps,
  failures: readonly EnrichedFailure[],
  counter: 'held' | 'suppressed' | 'silenced',
  now: Date,
): Promise<void> {
  const perReceiver = new Map<string, number>();
  for (const f of failures) {
    for (const r of deps.dispatch.route(notificationForFailure(f)))
      perReceiver.set(r, (perReceiver.get(r) ?? 0) + 1);
  }
  await countReceivers(deps, perReceiver, counter, now);
}

/**
 * The receivers a notification goes to. Firing: its routes, remembered per incident key. A resolve:
 * those of its routes that were sent the incident (all of them when nothing is remembered, as for
 * incidents notified before this was kept), and whose sink can take it.
 */
async function receiversFor(
  deps: PipelineDeps,
  n: Notification,
  routed: readonly string[],
  now: Date,
): Promise<string[]> {
  let receivers = [...routed];
  if (n.status === 'firing') await recordAudience(deps.store, n.fingerprint, routed, now);
  else {
    const audience = await audienceOf(deps.store, n.fingerprint);
    if (audience) receivers = receivers.filter((r) => audience.includes(r));
  }
  return receivers.filter((r) => deps.dispatch.accepts(r, n));
}

/** Routes and enqueues a plan's notifications, and counts what it held back. */
export async function dispatchPlan(
  deps: PipelineDeps,
  plan: PlanOutcome,
  now: Date,
  report: ProcessReport,
): Promise<void> {
  const items: OutgoingNotification[] = [];
  const leftOut = new Map<string, number>();
  for (const notification of plan.notifications) {
    const routed = deps.dispatch.route(notification);
    if (routed.length === 0) report.unrouted++;
    const receivers = await receiversFor(deps, notification, routed, now);
    for (const receiver of receivers) items.push({ receiver, notification });
    // A resolve a receiver never got the failures of (or cannot take) is counted there, not sent.
    for (const r of routed)
      if (!receivers.includes(r)) leftOut.set(r, (leftOut.get(r) ?? 0) + notification.count);
  }
  report.notifications += plan.notifications.length;
  report.plans?.push(plan);
  report.noticeNotifications += plan.notifications.filter(
    (n) => n.failures[0] && isNotice(n.failures[0]),
  ).length;
  if (items.length > 0) {
    const r = await deps.dispatch.enqueue(items);
    report.enqueued += r.added;
    report.problems.push(...r.errors);
  }
  report.held += plan.held.length;
  report.suppressed += plan.suppressed.length;
  report.silenced += plan.silenced.length;
  report.recovered += plan.recovered.length;
  await countPerReceiver(deps, plan.held, 'held', now);
  await countPerReceiver(deps, plan.suppressed, 'suppressed', now);
  await countPerReceiver(
    deps,
    plan.silenced.map((s) => s.failure),
    'silenced',
    now,
  );
  await countReceivers(deps, leftOut, 'suppressed', now);
}

export function emptyReport(): ProcessReport {
  return {
    received: 0,
    notices: 0,
    duplicates: 0,
    processed: 0,
    newNotices: 0,
    notifications: 0,
    noticeNotifications: 0,
    enqueued: 0,
    held: 0,
    suppressed: 0,
    silenced: 0,
    recovered: 0,
    unrouted: 0,
    problems: [],
    enriched: [],
  };
}

const COUNTS = [
  'received',
  'notices',
  'duplicates',
  'processed',
  'newNotices',
  'notifications',
  'noticeNotifications',
  'enqueued',
  'held',
  'suppressed',
  'silenced',
  'recovered',
  'unrouted',
] as const;

/** Adds one report's counts, problems and kept failures into a running total. */
export function addReport(total: ProcessReport, part: ProcessReport): void {
  for (const k of COUNTS) total[k] += part[k];
  total.problems.push(...part.problems);
  for (const f of part.enriched) total.enriched.push(f);
  if (part.plans) {
    total.plans ??= [];
    for (const p of part.plans) total.plans.push(p);
  }
}

/**
 * Signals -> notifications in the outbox. Order matters for at-least-once: signals already
 * processed are skipped; the rest are enriched, planned, routed and written to the outbox, and only
 * then remembered as processed. A crash anywhere before that point repeats the batch, and the
 * outbox's idempotent enqueue (stable notification ids) keeps the repeat from sending twice.
 */
export async function processSignals(
  deps: PipelineDeps,
  signals: readonly FailureSignal[],
  options: ProcessOptions = {},
): Promise<ProcessReport> {
  const now = deps.now();
  const report = emptyReport();
  report.received = signals.length;
  report.notices = signals.filter(isNotice).length;

  const fresh: FailureSignal[] = [];
  const inBatch = new Set<string>();
  const seen = await mapLimit(signals, 16, (s) => isSeen(deps.store, signalKey(s), now));
  signals.forEach((signal, i) => {
    const key = signalKey(signal);
    if (seen[i] || inBatch.has(key)) {
      report.duplicates++;
      return;
    }
    inBatch.add(key);
    fresh.push(signal);
  });
  if (fresh.length === 0) return report;
  report.newNotices = fresh.filter(isNotice).length;

  const enriched = await mapLimit(fresh, 8, async (signal) =>
    enrichFailure(signal, deps.catalog, await extrasFor(deps, signal, options, report.problems)),
  );
  report.processed = enriched.length;
  if (options.keepEnriched) {
    report.enriched = enriched;
    report.plans = [];
  }

  const plan = await deps.planner.plan(enriched, now);
  await dispatchPlan(deps, plan, now, report);

  await mapLimit(enriched, 16, async (failure) => {
    if (PUSH_SOURCES.has(failure.source)) {
      await deps.store.put(
        journalScope(failure.occurredAt),
        `${failure.occurredAt}|${failure.fingerprint}|${failure.sourceId}`,
        failure,
      );
    }
  });
  await mapLimit(fresh, 16, (signal) => markSeen(deps.store, signalKey(signal), now, deps.seenTtlMs));
  return report;
}

/** Releases group updates and expired holds whose time has come; run on every timer tick. */
export async function releaseDue(
  deps: PipelineDeps,
  options: Pick<ProcessOptions, 'keepEnriched'> = {},
): Promise<ProcessReport> {
  const now = deps.now();
  const report = emptyReport();
  if (options.keepEnriched) report.plans = [];
  await dispatchPlan(deps, await deps.planner.releaseDue(now), now, report);
  return report;
}
