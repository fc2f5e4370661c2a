import type { EnrichmentExtras } from '../enrich/enrichFailure.js';
import type { CatalogLookup } from '../ports.js';
import { enrichFailure } from '../enrich/enrichFailure.js';
import type { EnrichedFailure, FailureLink, FailureSignal, Notification } from '../model.js';
import { failureKey, isNotice } from '../model.js';
import { mapLimit } from '../mapLimit.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { notificationForFailure } from '../route/routeNotification.js';
import { audienceOf, recordAudience } from '../notify/resolveAudience.js';
import type { KeyValueStore } from '../state/keyValueStore.js';
import { NOTIFY_SCOPES } from '../notify/notifyScopes.js';
import type { ClaimOptions } from './failureClaims.js';
import { claimFailure, dropClaim, finishClaim, isDone } from './failureClaims.js';
import type {
  ContextPort,
  DispatchPort,
  EmitNotifications,
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
  /** Who claims failures here, and how long a claim holds before another instance may take it over. */
  claims: Omit<ClaimOptions, 'now'>;
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

type Counted = Pick<ProcessReport, 'received' | 'notices' | 'processed' | 'newNotices'>;

/** The failures of a report apart from its notices (which `received` and `processed` include). */
export const failureCounts = (r: Counted): { found: number; new: number } => ({
  found: r.received - r.notices,
  new: r.processed - r.newNotices,
});

/** What a poll found and queued, as the poll functions log it. */
export function pollCountsText(r: Counted & Pick<ProcessReport, 'enqueued'>): string {
  const f = failureCounts(r);
  const notices = r.notices > 0 ? `${r.notices} notice(s) (${r.newNotices} new), ` : '';
  return `${f.found} failure row(s), ${f.new} new, ${notices}${r.enqueued} notification(s) queued`;
}

export class TransientContextError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TransientContextError';
  }
}

/** Where earlier versions remembered processed signals; kept only so retention clears it. */
export const SEEN_SCOPE = 'seen';
const PUSH_SOURCES = new Set(['event-grid', 'common-alert']);
/** Failures are claimed where the planner records them: one record per failure. */
const CLAIMS = NOTIFY_SCOPES.decided;
/** Failures planned, enqueued and marked done at once (state calls are I/O-bound). */
const CONCURRENCY = 128;

export const JOURNAL_PREFIX = 'journal-';

/** The UTC day scope of the journal the digest reads push-source failures from. */
export function journalScope(occurredAt: string): string {
  const day = Number.isNaN(Date.parse(occurredAt))
    ? new Date(0).toISOString().slice(0, 10)
    : new Date(occurredAt).toISOString().slice(0, 10);
  return `${JOURNAL_PREFIX}${day}`;
}

/** The signals not processed yet (by `source` + `sourceId`), in order. */
export async function unseenSignals(
  deps: Pick<PipelineDeps, 'store'>,
  signals: readonly FailureSignal[],
): Promise<FailureSignal[]> {
  const done = await mapLimit(signals, 16, (s) => isDone(deps.store, CLAIMS, failureKey(s)));
  return signals.filter((_, i) => !done[i]);
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
  // A group's first notification starts its audience (an update adds to the one it has).
  if (n.status === 'firing')
    await recordAudience(deps.store, n.fingerprint, routed, now, { likelyAbsent: n.update === undefined });
  else {
    const audience = await audienceOf(deps.store, n.fingerprint);
    if (audience) receivers = receivers.filter((r) => audience.includes(r));
  }
  return receivers.filter((r) => deps.dispatch.accepts(r, n));
}

/**
 * Routes, renders and stores notifications in the outbox as the planner hands them over (before it
 * marks what produced them done). A resolve a receiver never got the failures of (or cannot take)
 * is counted there, not sent.
 */
function emitterFor(
  deps: PipelineDeps,
  now: Date,
  report: ProcessReport,
  firstTime = false,
): EmitNotifications {
  return async (notifications) => {
    const items: OutgoingNotification[] = [];
    const leftOut = new Map<string, number>();
    for (const notification of notifications) {
      const routed = deps.dispatch.route(notification);
      if (routed.length === 0) report.unrouted++;
      const receivers = await receiversFor(deps, notification, routed, now);
      for (const receiver of receivers) items.push({ receiver, notification });
      for (const r of routed)
        if (!receivers.includes(r)) leftOut.set(r, (leftOut.get(r) ?? 0) + notification.count);
    }
    if (items.length > 0) {
      // A group's first notification decided by failures planned for the first time is new for sure;
      // updates and resolves can be handed over again by another instance releasing the same window.
      const fresh = firstTime && notifications.every((n) => n.status === 'firing' && !n.update);
      const r = await deps.dispatch.enqueue(items, { fresh });
      report.enqueued += r.added;
      report.problems.push(...r.errors);
    }
    await countReceivers(deps, leftOut, 'suppressed', now);
  };
}

/** Counts what a plan held back (its notifications are already in the outbox). */
async function countPlan(
  deps: PipelineDeps,
  plan: PlanOutcome,
  now: Date,
  report: ProcessReport,
): Promise<void> {
  report.notifications += plan.notifications.length;
  report.plans?.push(plan);
  report.noticeNotifications += plan.notifications.filter(
    (n) => n.failures[0] && isNotice(n.failures[0]),
  ).length;
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
}

/** Routes and enqueues a plan's notifications (planned without `emit`), and counts what it held back. */
export async function dispatchPlan(
  deps: PipelineDeps,
  plan: PlanOutcome,
  now: Date,
  report: ProcessReport,
): Promise<void> {
  await emitterFor(deps, now, report)(plan.notifications);
  await countPlan(deps, plan, now, report);
}

/** Some failures of the batch are being processed by another instance that has not finished in time. */
class ClaimedElsewhereError extends Error {
  constructor(readonly count: number) {
    super(`${count} failure(s) of this batch are being processed by another instance; not processed here`);
    this.name = 'ClaimedElsewhereError';
  }
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

interface Owned {
  signal: FailureSignal;
  version: string;
  /** Taken over from an owner that did not finish: part of it may be planned already. */
  replay: boolean;
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
 * Signals -> notifications in the outbox, one owner per failure. Each failure is claimed with a
 * conditional write first (a duplicate, or one another instance is on, is not planned here); the
 * owned ones are enriched and planned, every notification goes to the outbox as it is decided, the
 * push-source journal is written, and only then is each failure marked done. A crash anywhere before
 * that replays the failure (its claim is taken over) and the planner finds its own earlier steps,
 * so the replay gives the same notifications with the same ids, which the outbox keeps once.
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
  for (const signal of signals) {
    const key = failureKey(signal);
    if (inBatch.has(key)) report.duplicates++;
    else {
      inBatch.add(key);
      fresh.push(signal);
    }
  }
  let waiting = fresh;
  const deadline = Date.now() + Math.min(deps.claims.leaseMs, 120_000);
  for (let round = 0; waiting.length > 0; round++) {
    if (round > 0) {
      // Another instance is on these: wait for it to finish them or to be gone.
      if (Date.now() > deadline) throw new ClaimedElsewhereError(waiting.length);
      await sleep(Math.min(1000, 50 * 2 ** round));
    }
    const at = round === 0 ? now : deps.now();
    const claims = await mapLimit(waiting, CONCURRENCY, (s) =>
      claimFailure(deps.store, CLAIMS, failureKey(s), {
        owner: deps.claims.owner,
        now: at,
        leaseMs: deps.claims.leaseMs,
      }),
    );
    const owned: Owned[] = [];
    const busy: FailureSignal[] = [];
    claims.forEach((c, i) => {
      const signal = waiting[i] as FailureSignal;
      if (c.kind === 'done') report.duplicates++;
      else if (c.kind === 'busy') busy.push(signal);
      else owned.push({ signal, version: c.version, replay: c.replay });
    });
    if (owned.length > 0) await processOwned(deps, owned, options, report, now);
    waiting = busy;
  }
  return report;
}

async function processOwned(
  deps: PipelineDeps,
  owned: readonly Owned[],
  options: ProcessOptions,
  report: ProcessReport,
  now: Date,
): Promise<void> {
  try {
    const enriched = await mapLimit(owned, CONCURRENCY, async ({ signal }) =>
      enrichFailure(signal, deps.catalog, await extrasFor(deps, signal, options, report.problems)),
    );
    report.processed += enriched.length;
    report.newNotices += owned.filter((o) => isNotice(o.signal)).length;
    if (options.keepEnriched) {
      report.enriched.push(...enriched);
      report.plans ??= [];
    }

    const firstTime = owned.every((o) => !o.replay);
    const plan = await deps.planner.plan(enriched, now, emitterFor(deps, now, report, firstTime));
    await countPlan(deps, plan, now, report);

    await mapLimit(enriched, CONCURRENCY, async (failure) => {
      if (PUSH_SOURCES.has(failure.source)) {
        await deps.store.put(
          journalScope(failure.occurredAt),
          `${failure.occurredAt}|${failure.fingerprint}|${failure.sourceId}`,
          failure,
        );
      }
    });
  } catch (err) {
    // Given back so the retry of this batch claims them at once (a crash leaves them to the lease).
    await Promise.allSettled(
      owned.map((o) => dropClaim(deps.store, CLAIMS, failureKey(o.signal), o.version, now)),
    );
    throw err;
  }
  await mapLimit(owned, CONCURRENCY, (o) =>
    finishClaim(deps.store, CLAIMS, failureKey(o.signal), o.version, now),
  );
}

/** Releases group updates and expired holds whose time has come; run on every timer tick. */
export async function releaseDue(
  deps: PipelineDeps,
  options: Pick<ProcessOptions, 'keepEnriched'> = {},
): Promise<ProcessReport> {
  const now = deps.now();
  const report = emptyReport();
  if (options.keepEnriched) report.plans = [];
  await countPlan(deps, await deps.planner.releaseDue(now, emitterFor(deps, now, report)), now, report);
  return report;
}
