/**
 * The pipeline behind one poll (dedup, enrichment, planning, routing, outbox) over N failures,
 * against enrichment alone of the same failures (pure CPU, no state) as the baseline, in the same run.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { catalogLookup } from '../src/catalog/catalogLookup.js';
import { enrichFailure } from '../src/enrich/enrichFailure.js';
import type { FailureSignal } from '../src/model.js';
import { DEFAULT_POLICY } from '../src/notify/policy.js';
import { processSignals } from '../src/pipeline/processSignals.js';
import { createPipeline } from '../src/pipeline/pipeline.js';
import type { RoutingConfig } from '../src/route/index.js';
import { readSampleFleet } from '../src/sources/logAnalytics/sampleFleet.js';
import { createFileStore } from '../src/state/fileStore.js';
import type { KeyValueStore } from '../src/state/keyValueStore.js';
import { createMemoryStore } from '../src/state/memoryStore.js';

const ROUTING: RoutingConfig = {
  source: 'bench',
  receivers: [{ name: 'ops', type: 'generic', url: 'https://127.0.0.1:1/never-sent' }],
  receiverInfo: [],
  routes: [],
  defaultReceivers: ['ops'],
  digest: { receivers: [] },
  notify: { grouping: undefined, silences: undefined },
};

function signals(n: number): FailureSignal[] {
  const base = readSampleFleet().signals.filter((s) => s.status === 'firing');
  return Array.from({ length: n }, (_, i) => {
    const s = base[i % base.length] as FailureSignal;
    return { ...s, sourceId: `${s.sourceId}#${i}`, node: s.node ? `${s.node}-${i % 500}` : s.node };
  });
}

async function timeMs(fn: () => unknown): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

export async function runPipelineBench(): Promise<void> {
  const n = 5_000;
  const input = signals(n);
  const enrichOnly = await timeMs(() => input.map((s) => enrichFailure(s, catalogLookup)));
  const run = async (store: KeyValueStore) => {
    const p = createPipeline({ store, routing: ROUTING, policy: DEFAULT_POLICY });
    return timeMs(() => processSignals(p.deps, input));
  };
  const memory = await run(createMemoryStore());
  const dir = mkdtempSync(join(tmpdir(), 'bench-pipeline-'));
  let file: number;
  try {
    file = await run(createFileStore(dir));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const line = (name: string, ms: number) =>
    `  ${name.padEnd(34)} ${ms.toFixed(0).padStart(7)} ms  ${((n / ms) * 1000).toFixed(0).padStart(8)} failures/s  ${(ms / enrichOnly).toFixed(1)}x\n`;
  process.stdout.write(
    `\nPipeline over ${n.toLocaleString('en')} failures (ratio to enrichment alone)\n` +
      line('enrichment alone (baseline)', enrichOnly) +
      line('full pipeline, memory store', memory) +
      line('full pipeline, file store', file),
  );
}
