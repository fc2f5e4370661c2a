/**
 * A fleet of 1,000 clusters in 50 workspaces polled through the queue fan-out: the planner's work
 * items for one steady-state poll (5 minutes after the last), then those items run by 1, 2, 4 and 8
 * workers pulling from a shared queue, each taking one item at a time, against the local fake Log
 * Analytics (real LogsQueryClient, fixed latency per query) with every failure going through the
 * pipeline on the memory store. The API's per-identity cap of 5 concurrent queries is modelled by
 * one gate all workers share (the service would answer 429 beyond it; the gate is what a well-behaved
 * fleet of instances amounts to). Times and ratios are against 1 worker in the same run; the last
 * row is 8 workers without the cap, to show where the cap binds.
 */
import { fileURLToPath } from 'node:url';
import { planPollWork } from '../src/sources/logAnalytics/pollWork.js';
import type { PollWorkItem } from '../src/sources/logAnalytics/pollWork.js';
import { createGate, processPollItem } from '../src/pipeline/processPollItem.js';
import type { Gate } from '../src/pipeline/processPollItem.js';
import { DEFAULT_POLICY } from '../src/notify/policy.js';
import { createPipeline } from '../src/pipeline/pipeline.js';
import { createMemoryStore } from '../src/state/memoryStore.js';
import { writeWatermark } from '../src/state/watermarks.js';
import { POLL_QUERY_NAMES } from '../src/sources/logAnalytics/queries.js';
import { FakeLogAnalytics } from '../tests/support/fakeLogAnalytics.js';

const CLUSTERS = 1_000;
const WORKSPACES = 50;
const LATENCY_MS = 100;
const IDENTITY_CAP = 5;
const MIN = 60_000;

const workspaceId = (w: number) => `5b0c7e2d-9a41-4f3e-8d6b-${String(w).padStart(12, '0')}`;

/** One failed agent pool write per cluster in the last five minutes (a fleet-wide bad day). */
function operationRow(cluster: number, at: number): Record<string, unknown> {
  const id = `/subscriptions/3f2c1a9e-7b4d-4c1e-9a8f-2d6e5b4c3a21/resourcegroups/rg-aks/providers/microsoft.containerservice/managedclusters/aks-${String(cluster).padStart(4, '0')}`;
  return {
    TimeGenerated: new Date(at - MIN).toISOString(),
    EventDataId: `a1b2c3d4-0000-4000-8000-${String(cluster).padStart(12, '0')}`,
    CorrelationId: `7f0c9b1e-5d7a-4a51-9c3e-${String(cluster).padStart(12, '0')}`,
    OperationNameValue: 'MICROSOFT.CONTAINERSERVICE/MANAGEDCLUSTERS/AGENTPOOLS/WRITE',
    ActivityStatusValue: 'Failure',
    ActivitySubstatusValue: '',
    Level: 'Error',
    Caller: 'ops@contoso.com',
    ResourceGroup: 'rg-aks',
    SubscriptionId: '3f2c1a9e-7b4d-4c1e-9a8f-2d6e5b4c3a21',
    _ResourceId: `${id}/agentpools/userpool`,
    StatusCode: 'BadRequest',
    StatusMessage: JSON.stringify({
      status: 'Failed',
      error: {
        code: 'ResourceOperationFailure',
        details: [{ code: 'SubnetIsFull', message: 'Subnet is full.' }],
      },
    }),
  };
}

async function runPoll(
  fake: FakeLogAnalytics,
  now: number,
  workers: number,
  cap: Gate | undefined,
): Promise<{ items: number; ms: number; processed: number; maxInFlight: number }> {
  const store = createMemoryStore();
  const ids = Array.from({ length: WORKSPACES }, (_, w) => workspaceId(w));
  for (const ws of ids)
    for (const q of POLL_QUERY_NAMES)
      await writeWatermark(store, ws, q, new Date(now - 5 * MIN).toISOString());
  const pipeline = createPipeline({
    store,
    policy: DEFAULT_POLICY,
    routing: {
      source: 'bench',
      receivers: [{ name: 'ops', type: 'generic', url: 'https://127.0.0.1:9/hook' }],
      receiverInfo: [],
      routes: [],
      defaultReceivers: ['ops'],
      digest: { receivers: [] },
      notify: { grouping: undefined, silences: undefined },
    },
  });
  const { items } = await planPollWork(store, {
    workspaceIds: ids,
    now: new Date(now),
    overlapMs: 2 * MIN,
    initialLookbackMs: 60 * MIN,
  });
  const queue: PollWorkItem[] = [...items];
  const client = fake.client({ retryOptions: { maxRetries: 0 } });
  fake.maxInFlight = 0;
  let processed = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: workers }, async () => {
      const deps = { store, pipeline: pipeline.deps, client, ...(cap ? { gate: cap } : {}) };
      for (let item = queue.shift(); item; item = queue.shift()) {
        const r = await processPollItem(deps, item);
        processed += r.processed;
      }
    }),
  );
  return { items: items.length, ms: performance.now() - started, processed, maxInFlight: fake.maxInFlight };
}

export async function runFleetBench(): Promise<void> {
  const fake = await FakeLogAnalytics.start({ latencyMs: LATENCY_MS });
  try {
    const now = Date.now();
    for (let c = 0; c < CLUSTERS; c++) {
      const at = now - 4 * MIN + Math.floor((c * 3 * MIN) / CLUSTERS);
      fake
        .workspace(workspaceId(c % WORKSPACES))
        .result('failedOperations')
        .add({ ingestedAt: new Date(at).toISOString(), row: operationRow(c, at) });
    }
    for (let w = 0; w < WORKSPACES; w++) fake.workspace(workspaceId(w));
    console.log(
      `\nfleet: ${CLUSTERS} clusters in ${WORKSPACES} workspaces, one poll 5 min after the last; fake latency ${LATENCY_MS} ms per query; identity cap ${IDENTITY_CAP} concurrent`,
    );
    console.log('workers  cap   items  failures  max in flight   wall ms   queries/s   ratio to 1 worker');
    let base = 0;
    const rows: [number, boolean][] = [
      [1, true],
      [2, true],
      [4, true],
      [8, true],
      [8, false],
    ];
    for (const [workers, capped] of rows) {
      const r = await runPoll(fake, now, workers, capped ? createGate(IDENTITY_CAP) : undefined);
      if (workers === 1) base = r.ms;
      console.log(
        `${String(workers).padStart(7)}  ${(capped ? 'yes' : 'no').padEnd(4)} ${String(r.items).padStart(6)}  ${String(r.processed).padStart(8)}  ${String(r.maxInFlight).padStart(13)}  ${r.ms.toFixed(0).padStart(8)}   ${((r.items * 1000) / r.ms).toFixed(1).padStart(9)}   ${(base / r.ms).toFixed(2)}x faster`,
      );
    }
  } finally {
    await fake.close();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await runFleetBench();
