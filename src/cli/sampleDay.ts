import { catalogLookup } from '../catalog/catalogLookup.js';
import { enrichFailure } from '../enrich/enrichFailure.js';
import type { EnrichedFailure, FailureSignal } from '../model.js';
import { severityRank } from '../model.js';
import { groupKeyOf } from '../notify/policy.js';
import type { SampleFleet } from '../sources/logAnalytics/sampleFleet.js';
import { readSampleFleet } from '../sources/logAnalytics/sampleFleet.js';
import { dayAfterLatest } from './digestFiles.js';

const DAY_MS = 86_400_000;

/** The signals of the last UTC day of some signals: what a poll of that day would have found. */
export function lastDay(signals: readonly FailureSignal[]): { day: string; signals: FailureSignal[] } {
  const end = dayAfterLatest(signals).getTime();
  const start = end - DAY_MS;
  return {
    day: new Date(start).toISOString().slice(0, 10),
    signals: signals.filter((s) => {
      const t = Date.parse(s.occurredAt);
      return !Number.isNaN(t) && t >= start && t < end;
    }),
  };
}

/**
 * The sample fleet's failures of its last day, enriched with its saved cluster list, one per
 * cluster and error (as notifications group them), most severe first: what `routes test --sample`
 * routes.
 */
export async function sampleFleetFailures(
  fleet: SampleFleet = readSampleFleet(),
): Promise<{ day: string; failures: EnrichedFailure[] }> {
  const { day, signals } = lastDay(fleet.signals);
  const byGroup = new Map<string, EnrichedFailure>();
  for (const s of signals) {
    if (s.status !== 'firing') continue;
    const found = s.cluster ? await fleet.context.get(s.cluster, s.nodePool) : undefined;
    const f = enrichFailure(s, catalogLookup, found?.ok ? { context: found.context } : {});
    const key = groupKeyOf(f, ['cluster', 'code']);
    const known = byGroup.get(key);
    if (!known || severityRank(f.severity) < severityRank(known.severity)) byGroup.set(key, f);
  }
  const failures = [...byGroup.values()].sort(
    (a, b) =>
      severityRank(a.severity) - severityRank(b.severity) ||
      (a.cluster?.name ?? '').localeCompare(b.cluster?.name ?? '') ||
      a.occurredAt.localeCompare(b.occurredAt),
  );
  return { day, failures };
}
