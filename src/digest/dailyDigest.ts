import type { RoutingConfig } from '../route/index.js';
import type { Receiver } from '../model.js';
import type { KeyValueStore } from '../state/keyValueStore.js';
import type { DigestSource } from './collectDigest.js';
import { computeDigest, windowEndingAt } from './collectDigest.js';
import type { Digest } from '../model.js';
import { withLogsLinks } from './logsDeepLink.js';
import { isKnownTimeZone, parseNcrontab, previousOccurrence } from '../ncrontab.js';
import type { PublishResult } from './publishDigest.js';
import { enqueueDigest, storeReport } from './publishDigest.js';

/** A timer can fire a moment before its time (clock adjustments); that run still gets its own window. */
const EARLY_FIRE_MS = 60_000;

export interface DailyDigestDeps {
  store: KeyValueStore;
  routing: RoutingConfig;
  receivers: ReadonlyMap<string, Receiver>;
  sources: readonly DigestSource[];
  windowMs: number;
  /** The timer's NCRONTAB schedule (DIGEST_SCHEDULE) and the zone it runs in (WEBSITE_TIME_ZONE). */
  schedule: string;
  timeZone?: string;
  logsScope?: string;
  reportUrl?: string;
  /** Cluster name globs that are production (PRODUCTION_CLUSTERS). */
  productionClusters?: readonly string[];
  now: () => Date;
}

export interface DailyDigestResult {
  digest: Digest;
  publish: PublishResult;
}

/**
 * When the window of a run at `now` ends: the schedule's most recent occurrence, in the timer's time
 * zone. A late or retried run gets the same end as the run it stands for.
 */
export function scheduledWindowEnd(
  schedule: string,
  timeZone: string | undefined,
  now: Date,
): { ok: true; end: Date } | { ok: false; error: string } {
  const parsed = parseNcrontab(schedule);
  if (!parsed.ok) return { ok: false, error: `DIGEST_SCHEDULE ${parsed.error}` };
  const zone = timeZone ?? 'UTC';
  if (!isKnownTimeZone(zone))
    return {
      ok: false,
      error: `WEBSITE_TIME_ZONE '${zone}' is not an IANA time zone name (e.g. Europe/Berlin), which Linux plans use`,
    };
  const end = previousOccurrence(parsed.schedule, new Date(now.getTime() + EARLY_FIRE_MS), zone);
  return end ? { ok: true, end } : { ok: false, error: `DIGEST_SCHEDULE '${schedule}' never occurs` };
}

/**
 * The scheduled digest: the window ends at the schedule's most recent occurrence, so a retry of the
 * same run, however late, computes the same window and its outbox ids (`digest:<windowEnd>:<receiver>`)
 * match the first attempt's: a digest is queued once per window and receiver. The HTML report is
 * stored as the latest.
 */
export async function runDailyDigest(deps: DailyDigestDeps): Promise<DailyDigestResult> {
  const now = deps.now();
  const scheduled = scheduledWindowEnd(deps.schedule, deps.timeZone, now);
  if (!scheduled.ok) throw new Error(`digest: ${scheduled.error}`);
  const end = scheduled.end;
  const computed = await computeDigest({
    window: windowEndingAt(end, deps.windowMs),
    sources: deps.sources,
    store: deps.store,
    now,
    productionClusters: deps.productionClusters,
  });
  const digest = withLogsLinks(
    deps.reportUrl ? { ...computed, reportUrl: deps.reportUrl } : computed,
    deps.logsScope,
  );
  await storeReport(deps.store, digest);
  const publish = await enqueueDigest(deps.store, deps.routing, deps.receivers, digest, now);
  return { digest, publish };
}
