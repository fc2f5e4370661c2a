import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { catalogLookup } from '../../src/catalog/catalogLookup.js';
import { findEntry } from '../../src/catalog/index.js';
import { enrichFailure } from '../../src/enrich/enrichFailure.js';
import { messageShape } from '../../src/enrich/fingerprint.js';
import type { EnrichedFailure, FailureSignal } from '../../src/model.js';
import { fromAutoscalerLogs } from '../../src/sources/logAnalytics/fromAutoscalerLogs.js';
import { fromAzureActivity } from '../../src/sources/logAnalytics/fromAzureActivity.js';
import type { LogRow } from '../../src/sources/logAnalytics/rowCells.js';
import { readSampleFleet } from '../../src/sources/logAnalytics/sampleFleet.js';

/**
 * Failures as the sources report them: an error (a code the catalog knows, in any of its spellings,
 * a code it lacks, or an error stated in words) on a node pool of a cluster, seen in the activity
 * log (a failed agent pool write) or in the cluster autoscaler's log, at any time, with any ids
 * and names.
 */
interface Spec {
  cluster: number;
  pool: number;
  error: number;
  viaActivity: boolean;
  form: number;
  seconds: number;
  id: number;
  node: string;
  pod: string;
}

interface ErrorKind {
  /** What the failure is; two specs are one failure when cluster, pool and this agree. */
  truth: string;
  code?: string;
  message: string;
}

const SUB = '0f9e8d7c-2b1a-4c3d-8e5f-6a7b8c9d0e12';
const QUOTA =
  'Operation could not be completed as it results in exceeding approved Total Regional Cores quota.';
const ERRORS: readonly ErrorKind[] = [
  { truth: 'QuotaExceeded', code: 'QuotaExceeded', message: QUOTA },
  {
    truth: 'QuotaExceeded',
    code: 'InsufficientVCPUQuota',
    message: 'Insufficient vcpu quota requested 8, remaining 4.',
  },
  {
    truth: 'ZonalAllocationFailed',
    code: 'ZonalAllocationFailed',
    message: 'Allocation failed. We do not have sufficient capacity for the requested VM size in this zone.',
  },
  {
    truth: 'ZonalAllocationFailed',
    code: 'OverconstrainedAllocationRequest',
    message:
      'Allocation failed. VM(s) with the following constraints cannot be allocated, because the condition is too restrictive.',
  },
  {
    truth: 'SkuNotAvailable',
    code: 'SkuNotAvailable',
    message: 'The requested VM size Standard_F8s_v2 is currently not available in location westeurope.',
  },
  { truth: 'ShinyNewCapacityError', code: 'ShinyNewCapacityError', message: 'Something new went wrong.' },
  { truth: 'drain', message: 'Failed to drain node {node}: pods remaining after timeout: batch-jobs/{pod}' },
  {
    truth: 'no-node-info',
    message: 'Failed to scale up: Could not compute total resources: No node info for: aks-{pool}-{id}-vmss',
  },
];
const POOLS = ['batch', 'spark'];
const clusterId = (c: number) =>
  `/subscriptions/${SUB}/resourceGroups/rg-fleet/providers/Microsoft.ContainerService/managedClusters/aks-fleet-${String(c)}`;

const specArb: fc.Arbitrary<Spec> = fc.record({
  cluster: fc.integer({ min: 0, max: 1 }),
  pool: fc.integer({ min: 0, max: 1 }),
  error: fc.integer({ min: 0, max: ERRORS.length - 1 }),
  viaActivity: fc.boolean(),
  form: fc.integer({ min: 0, max: 1 }),
  seconds: fc.integer({ min: 0, max: 86_399 }),
  id: fc.integer({ min: 10_000_000, max: 99_999_999 }),
  node: fc.stringMatching(/^[a-z0-9]{6}$/),
  pod: fc.stringMatching(/^[a-z0-9]{5}$/),
});

function fill(text: string, s: Spec): string {
  const pool = POOLS[s.pool] ?? 'batch';
  return text
    .replace('{node}', `aks-${pool}-${String(s.id)}-vmss${s.node}`)
    .replace('{pod}', `ingest-${s.pod}`)
    .replace('{pool}', pool)
    .replace('{id}', String(s.id));
}

/** The row the source would log for this failure, through its real parser. */
function signalOf(s: Spec): FailureSignal {
  const error = ERRORS[s.error] ?? ERRORS[0];
  if (!error) throw new Error('no error kinds');
  const pool = POOLS[s.pool] ?? 'batch';
  const at = new Date(Date.UTC(2026, 10, 20) + s.seconds * 1000).toISOString();
  const message = fill(error.message, s);
  let row: LogRow;
  if (s.viaActivity && error.code) {
    const statusMessage = JSON.stringify({
      status: 'Failed',
      error: {
        code: 'ResourceOperationFailure',
        message: "The resource operation completed with terminal provisioning state 'Failed'.",
        details: [{ code: error.code, message }],
      },
    });
    row = {
      OperationNameValue: 'Microsoft.ContainerService/managedClusters/agentPools/write',
      ActivityStatusValue: 'Failure',
      TimeGenerated: at,
      EventDataId: `${String(s.id)}-${String(s.seconds)}`,
      _ResourceId: `${clusterId(s.cluster)}/agentPools/${pool}`,
      Properties_d: JSON.stringify({ statusMessage }),
    };
  } else {
    const group = `aks-${pool}-${String(s.id)}-vmss`;
    const body = !error.code
      ? message
      : s.form === 0
        ? `Failed to update the capacity for ${group}: Code="${error.code}" Message="${message}"`
        : `Node group ${group} is not ready for scaleup - backoff with status: {true {OutOfResource ${error.code} ${message}}}`;
    row = {
      Category: 'cluster-autoscaler',
      TimeGenerated: at,
      ResourceId: clusterId(s.cluster).toUpperCase(),
      log_s: `W1120 10:22:00.379352       1 scale_up.go:740] ${body}`,
      pod_s: `cluster-autoscaler-${s.pod}`,
    };
  }
  const parsed = s.viaActivity && error.code ? fromAzureActivity(row) : fromAutoscalerLogs(row);
  if (!('signal' in parsed)) throw new Error(`not a signal: ${JSON.stringify(parsed)}`);
  return parsed.signal;
}

const truthOf = (s: Spec) => `${String(s.cluster)}|${String(s.pool)}|${ERRORS[s.error]?.truth ?? ''}`;

describe('one fingerprint, one failure', () => {
  it('gives two reports the same fingerprint exactly when they are one failure, whatever the source', () => {
    fc.assert(
      fc.property(fc.array(specArb, { minLength: 2, maxLength: 8 }), (specs) => {
        const fingerprints = specs.map((s) => enrichFailure(signalOf(s), catalogLookup).fingerprint);
        specs.forEach((a, i) =>
          specs.forEach((b, j) => {
            const same = truthOf(a) === truthOf(b);
            expect(fingerprints[i] === fingerprints[j], `${truthOf(a)} / ${truthOf(b)}`).toBe(same);
          }),
        );
      }),
      { numRuns: 300 },
    );
  });

  it('keeps the sample fleet failures apart, and one failure from two sources together', () => {
    const fleet = readSampleFleet();
    const enriched = fleet.signals.map((s) => enrichFailure(s, catalogLookup));
    const groups = new Map<string, EnrichedFailure[]>();
    for (const f of enriched) groups.set(f.fingerprint, [...(groups.get(f.fingerprint) ?? []), f]);
    // What a person reads as the failure: its catalog entry (for a broad one, with the words that
    // matched), else the code it reports, else its words.
    const failureOf = (f: EnrichedFailure) => {
      const top = f.matches[0];
      if (top)
        return findEntry(top.code)?.generic ? `${top.code} ${top.matchedText.toLowerCase()}` : top.code;
      return f.unrecognised[0] ?? messageShape(f.texts[0] ?? f.title);
    };
    for (const group of groups.values()) {
      const kinds = new Set(group.map(failureOf));
      expect([...kinds], group.map((f) => f.title).join('\n')).toHaveLength(1);
    }
    const batch = enriched.filter((f) => f.cluster?.name === 'aks-batch-dev-weu' && f.kind === 'autoscaler');
    const drain = batch.find((f) => f.title.includes('Failed to drain node'));
    const backoff = batch.find((f) => f.title.includes('not ready for scaleup'));
    expect(backoff?.unrecognised).toEqual(['SkuNotAvailable']);
    expect(drain?.fingerprint).toBeDefined();
    expect(drain?.fingerprint).not.toBe(backoff?.fingerprint);
    const spark = enriched.filter((f) => f.nodePool === 'spark' && f.matches[0]?.code === 'QuotaExceeded');
    expect(new Set(spark.map((f) => f.source))).toEqual(new Set(['activity-log', 'autoscaler-log']));
    expect(new Set(spark.map((f) => f.fingerprint)).size).toBe(1);
  });
});

describe('messageShape', () => {
  it('keeps the words and drops names, numbers and ids', () => {
    expect(
      messageShape(
        'Failed to drain node aks-batch-35950315-vmss000004: pods remaining after timeout: batch/ingest-f6ccd',
      ),
    ).toBe('failed to drain node pods remaining after timeout');
    expect(messageShape("pod didn't trigger scale-up: 1 max node group size reached")).toBe(
      "pod didn't trigger max node group size reached",
    );
  });
});
