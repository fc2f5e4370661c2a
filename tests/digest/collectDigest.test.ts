import { describe, expect, it } from 'vitest';
import { computeDigest } from '../../src/digest/collectDigest.js';
import { CHUNK_SIGNALS, inChunks, workspaceSource } from '../../src/sources/logAnalytics/digestSource.js';
import type { FailureSignal } from '../../src/model.js';
import type { PollSlice } from '../../src/sources/logAnalytics/poll.js';
import { FakeLogAnalytics } from '../support/fakeLogAnalytics.js';

const HOUR = 3_600_000;
const WS = '5b0c7e2d-9a41-4f3e-8d6b-2c1a0f9e8d7c';
const END = Date.parse('2026-11-21T07:00:00.000Z');
const RID =
  '/subscriptions/3f2c1a9e-7b4d-4c1e-9a8f-2d6e5b4c3a21/resourcegroups/rg-aks/providers/microsoft.containerservice/managedclusters/aks-prod-01';

function signal(i: number): FailureSignal {
  return {
    source: 'kube-events',
    kind: 'node-auto-repair',
    sourceId: `s${String(i)}`,
    occurredAt: new Date(END - HOUR).toISOString(),
    status: 'firing',
    title: 't',
    texts: [],
    errorCodes: [],
    attributes: {},
  };
}

async function* toAsync<T>(items: Iterable<T>): AsyncGenerator<T> {
  for (const item of items) yield await Promise.resolve(item);
}

function* pages(...parts: PollSlice[]): Generator<PollSlice> {
  yield* parts;
}

describe('workspaceSource', () => {
  it('hands a large page on in parts, every signal once, errors and notes with the first part', async () => {
    const n = 2 * CHUNK_SIGNALS + 7;
    const page: PollSlice = {
      workspaceId: WS,
      queryName: 'nodeAutoRepair',
      start: 'a',
      end: 'b',
      signals: Array.from({ length: n }, (_, i) => signal(i)),
      rowErrors: ['row 3: bad'],
      complete: false,
      error: 'partial',
      notes: ['a note'],
    };
    const small: PollSlice = { ...page, signals: [signal(n)], rowErrors: [], complete: true, notes: [] };
    delete small.error;
    const parts: PollSlice[] = [];
    for await (const p of inChunks(toAsync(pages(page, small)))) parts.push(p);
    expect(parts.map((p) => p.signals.length)).toEqual([CHUNK_SIGNALS, CHUNK_SIGNALS, 7, 1]);
    expect(new Set(parts.flatMap((p) => p.signals.map((s) => s.sourceId))).size).toBe(n + 1);
    expect(parts.map((p) => p.rowErrors.length)).toEqual([1, 0, 0, 0]);
    expect(parts.map((p) => p.error)).toEqual(['partial', undefined, undefined, undefined]);
    expect(parts.map((p) => p.notes?.length ?? 0)).toEqual([1, 0, 0, 0]);
  });

  it('counts every row of a query result larger than a part', async () => {
    const fake = await FakeLogAnalytics.start();
    try {
      const n = CHUNK_SIGNALS + 1_234;
      const t0 = END - 3 * HOUR;
      fake
        .workspace(WS)
        .result('nodeAutoRepair')
        .generate(
          n,
          (i) => t0 + i * 100,
          (i) => {
            const at = new Date(t0 + i * 100).toISOString();
            return [
              at,
              at,
              RID,
              'aks-prod-01',
              RID,
              'Node',
              `aks-nodepool1-12345678-vmss${String(i % 50)}`,
              '',
              'NodeRebootError',
              'Warning',
              'aks-auto-repair',
              'Node auto-repair reboot action failed.',
              at,
              at,
              1,
            ];
          },
        );
      const digest = await computeDigest({
        window: { start: new Date(END - 24 * HOUR).toISOString(), end: new Date(END).toISOString() },
        sources: [
          workspaceSource({ client: fake.client({ retryOptions: { maxRetries: 0 } }), workspaceIds: [WS] }),
        ],
        now: new Date(END),
      });
      expect(digest.problems).toEqual([]);
      expect(digest.totals.failures).toBe(n);
      expect(digest.sources).toContain(`Log Analytics: ${String(n)} failure rows from 1 workspace(s)`);
    } finally {
      await fake.close();
    }
  });
});
