import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { PlannedSlice, PollSlice } from '../../../src/sources/logAnalytics/poll.js';
import { planPollSlices, pollSlice, pollWorkspaces } from '../../../src/sources/logAnalytics/poll.js';
import { repairRow } from '../../support/kubeEventRows.js';
import { FakeLogAnalytics, sampleBody } from '../../support/fakeLogAnalytics.js';

const T0 = Date.parse('2026-11-20T10:00:00.000Z');
const MIN = 60_000;
const at = (ms: number) => new Date(T0 + ms).toISOString();
const RID =
  '/subscriptions/00000000-0000-0000-0000-000000000000/resourcegroups/rg-aks/providers/microsoft.containerservice/managedclusters/aks-prod-01';

async function collect(it: AsyncIterable<PollSlice>): Promise<PollSlice[]> {
  const out: PollSlice[] = [];
  for await (const s of it) out.push(s);
  return out;
}

let fake: FakeLogAnalytics;
beforeAll(async () => {
  fake = await FakeLogAnalytics.start({ maxRows: 4 });
});
afterAll(() => fake.close());

let seq = 0;
let ws: string;
beforeEach(() => {
  ws = `00000000-0000-4000-8000-${String(++seq).padStart(12, '0')}`;
});

const poll = (
  now: number,
  marks: Record<string, string> = {},
  extra: Partial<Parameters<typeof pollWorkspaces>[0]> = {},
) =>
  collect(
    pollWorkspaces({
      client: fake.client(),
      workspaceIds: [ws],
      queryNames: ['nodeAutoRepair'],
      readWatermark: (_w, q) => Promise.resolve(marks[q]),
      now: new Date(T0 + now),
      overlapMs: 2 * MIN,
      initialLookbackMs: 10 * MIN,
      maxConcurrency: 5,
      ...extra,
    }),
  );

describe('planPollSlices', () => {
  it('runs from the watermark less the overlap (or the initial look-back) to now, cut to the slice length', () => {
    const plan = planPollSlices({
      workspaceIds: ['w1', 'w2'],
      queryNames: ['nodeAutoRepair', 'failedOperations'],
      watermarkOf: (w, q) => (w === 'w1' && q === 'nodeAutoRepair' ? at(-10 * 3_600_000) : undefined),
      now: new Date(T0),
      overlapMs: 5 * MIN,
      initialLookbackMs: 60 * MIN,
      maxSliceMs: 4 * 3_600_000,
    });
    const w1 = plan.filter((p) => p.workspaceId === 'w1' && p.queryName === 'nodeAutoRepair');
    expect(w1.map((p) => [p.start, p.end])).toEqual([
      [at(-10 * 3_600_000 - 5 * MIN), at(-6 * 3_600_000 - 5 * MIN)],
      [at(-6 * 3_600_000 - 5 * MIN), at(-2 * 3_600_000 - 5 * MIN)],
      [at(-2 * 3_600_000 - 5 * MIN), at(0)],
    ]);
    expect(
      plan.filter((p) => p.queryName === 'failedOperations').map((p) => [p.workspaceId, p.start, p.end]),
    ).toEqual([
      ['w1', at(-60 * MIN), at(0)],
      ['w2', at(-60 * MIN), at(0)],
    ]);
    expect(plan).toHaveLength(6);
  });
});

describe('pollWorkspaces through the real LogsQueryClient', () => {
  it('finds a late row with the next window and re-reads the overlap under the same sourceIds', async () => {
    const set = fake.workspace(ws).result('nodeAutoRepair');
    set.add({
      ingestedAt: at(9 * MIN),
      row: repairRow(RID, 'aks-nodepool1-12345678-vmss000001', at(8 * MIN)),
    });
    const first = await poll(10 * MIN);
    expect(first).toHaveLength(1);
    expect(first[0]).toMatchObject({
      start: at(0),
      end: at(10 * MIN),
      complete: true,
      advanceTo: at(10 * MIN),
    });
    expect(first[0]?.signals.map((s) => s.node)).toEqual(['aks-nodepool1-12345678-vmss000001']);

    // Happened at minute 1, ingested at minute 12: after the first window closed.
    set.add({
      ingestedAt: at(12 * MIN),
      row: repairRow(RID, 'aks-nodepool1-12345678-vmss000002', at(1 * MIN)),
    });
    const second = await poll(15 * MIN, { nodeAutoRepair: first[0]?.advanceTo ?? '' });
    expect(second[0]).toMatchObject({ start: at(8 * MIN), end: at(15 * MIN), complete: true });
    const nodes = second[0]?.signals.map((s) => s.node);
    expect(nodes).toEqual(['aks-nodepool1-12345678-vmss000001', 'aks-nodepool1-12345678-vmss000002']);

    const seen = new Set<string>();
    const fresh = [...(first[0]?.signals ?? []), ...(second[0]?.signals ?? [])].filter((s) => {
      const dup = seen.has(s.sourceId);
      seen.add(s.sourceId);
      return !dup;
    });
    expect(fresh.map((s) => s.node)).toEqual([
      'aks-nodepool1-12345678-vmss000001',
      'aks-nodepool1-12345678-vmss000002',
    ]);
    expect(second[0]?.signals[0]?.sourceId).toBe(first[0]?.signals[0]?.sourceId);
    // The late row's TimeGenerated is before the window: the request timespan reached back for it.
    const req = fake.requests.filter((r) => r.workspaceId === ws).at(-1);
    expect(Date.parse(req?.timespan?.split('/')[0] ?? '')).toBeLessThan(T0 + MIN);
    expect(second[0]?.signals[1]).toMatchObject({
      workspaceId: ws,
      logQuery: { start: at(8 * MIN), end: at(15 * MIN) },
    });
  });

  it('pages a window whose result passes the row limit, without losing or repeating rows', async () => {
    const set = fake.workspace(ws).result('nodeAutoRepair');
    for (let i = 0; i < 11; i++)
      set.add({
        ingestedAt: at(i * 30_000 + (i === 5 ? -15_000 : 0)),
        row: repairRow(RID, `aks-nodepool1-12345678-vmss${String(i).padStart(6, '0')}`, at(i * 30_000)),
      });
    // Two rows ingested at the same instant straddle a page boundary.
    set.add({
      ingestedAt: at(3 * 30_000),
      row: repairRow(RID, 'aks-nodepool1-12345678-vmss000099', at(3 * 30_000)),
    });
    const slices = await poll(6 * MIN);
    expect(slices.length).toBeGreaterThan(2);
    expect(slices.every((s) => s.complete)).toBe(true);
    const nodes = slices.flatMap((s) => s.signals.map((x) => x.node ?? ''));
    expect(nodes).toHaveLength(12);
    expect(new Set(nodes).size).toBe(12);
    // Pages tile the window: each starts where the previous one ended.
    for (let i = 1; i < slices.length; i++) expect(slices[i]?.start).toBe(slices[i - 1]?.end);
    expect(slices[0]?.start).toBe(at(-4 * MIN));
    expect(slices.at(-1)?.end).toBe(at(6 * MIN));
  });

  it('halves a window that times out', async () => {
    const set = fake.workspace(ws).result('nodeAutoRepair');
    set.add({ ingestedAt: at(MIN), row: repairRow(RID, 'aks-nodepool1-12345678-vmss000001', at(MIN)) });
    set.add({
      ingestedAt: at(7 * MIN),
      row: repairRow(RID, 'aks-nodepool1-12345678-vmss000002', at(7 * MIN)),
    });
    fake.script(ws, {
      status: 504,
      body: { error: { code: 'GatewayTimeout', message: 'The query exceeded the allowed execution time' } },
    });
    // Without the client's own retries, which would repeat the same too-long query first.
    const slices = await poll(10 * MIN, {}, { client: fake.client({ retryOptions: { maxRetries: 0 } }) });
    expect(slices.map((s) => [s.start, s.end, s.complete])).toEqual([
      [at(0), at(5 * MIN), true],
      [at(5 * MIN), at(10 * MIN), true],
    ]);
    expect(slices.flatMap((s) => s.signals.map((x) => x.node))).toHaveLength(2);
  });

  it('keeps the rows of a partial failure, records the error and does not offer a watermark', async () => {
    const set = fake.workspace(ws).result('nodeAutoRepair');
    set.add({ ingestedAt: at(MIN), row: repairRow(RID, 'aks-nodepool1-12345678-vmss000001', at(MIN)) });
    set.add({
      ingestedAt: at(2 * MIN),
      row: repairRow(RID, 'aks-nodepool1-12345678-vmss000002', at(2 * MIN)),
    });
    fake.script(ws, {
      keepRows: 1,
      partialError: {
        code: 'PartialError',
        message: 'There were some errors when processing your query.',
        details: [{ code: 'EngineError', message: 'A shard was unavailable.' }],
      },
    });
    const [slice] = await poll(10 * MIN);
    expect(slice).toMatchObject({ complete: false, rowErrors: [] });
    expect(slice?.advanceTo).toBeUndefined();
    expect(slice?.signals.map((s) => s.node)).toEqual(['aks-nodepool1-12345678-vmss000001']);
    expect(slice?.error).toMatch(new RegExp(`workspace ${ws}: partial result .*A shard was unavailable`));
  });

  it('treats 204 No Content (a workspace with no data) as zero rows', async () => {
    fake.workspace(ws).noContent = true;
    const [slice] = await poll(10 * MIN);
    expect(slice).toMatchObject({ complete: true, signals: [], advanceTo: at(10 * MIN) });
    expect(fake.requests.filter((r) => r.workspaceId === ws).map((r) => r.status)).toEqual([204]);
  });

  it('names the workspace and the missing role on 403, and the workspace on 404', async () => {
    fake.script(ws, { status: 403, body: sampleBody('log-analytics-error-403-insufficient-access.json') });
    const [denied] = await poll(10 * MIN);
    expect(denied).toMatchObject({ complete: false, signals: [], start: at(0), end: at(10 * MIN) });
    expect(denied?.error).toContain(`workspace ${ws}: access denied (403 InsufficientAccessError`);
    expect(denied?.error).toContain('Log Analytics Data Reader');
    const [missing] = await poll(10 * MIN); // no such workspace on the server
    expect(missing?.error).toMatch(new RegExp(`workspace ${ws}: not found \\(404`));
  });

  it('retries 429 after Retry-After and then reads the rows', async () => {
    fake
      .workspace(ws)
      .result('nodeAutoRepair')
      .add({ ingestedAt: at(MIN), row: repairRow(RID, 'aks-nodepool1-12345678-vmss000001', at(MIN)) });
    fake.script(
      ws,
      { status: 429, headers: { 'Retry-After': '0' } },
      { status: 429, headers: { 'Retry-After': '7' } },
    );
    // The waits are recorded, not slept: the answer's own Retry-After is what is honoured.
    const waits: number[] = [];
    const sleep = (ms: number) => {
      waits.push(ms);
      return Promise.resolve();
    };
    const [slice] = await poll(
      10 * MIN,
      {},
      {
        client: fake.client({ retryOptions: { maxRetries: 0 } }),
        query: { sleep },
      },
    );
    expect(slice).toMatchObject({ complete: true });
    expect(slice?.signals).toHaveLength(1);
    expect(fake.requests.filter((r) => r.workspaceId === ws).map((r) => r.status)).toEqual([429, 429, 200]);
    expect(waits).toEqual([0, 7000]);
  });

  it('reports throttling once retries are spent', async () => {
    const retryAfter = { status: 429, headers: { 'Retry-After': '0' } };
    fake.script(ws, retryAfter, retryAfter, retryAfter);
    const [slice] = await poll(
      10 * MIN,
      {},
      {
        client: fake.client({ retryOptions: { maxRetries: 0 } }),
        query: { maxAttempts: 3 },
      },
    );
    expect(slice?.complete).toBe(false);
    expect(slice?.error).toMatch(new RegExp(`workspace ${ws}: throttled \\(429.*\\(after 3 attempts\\)`));
  });

  it('does not treat a table the workspace lacks as an error', async () => {
    const w = fake.workspace(ws);
    w.missingTables.add('KubeEvents');
    w.missingTables.add('AzureDiagnostics');
    w.result('autoscaler').add({
      ingestedAt: at(MIN),
      row: {
        SourceTable: 'AKSControlPlane',
        TimeGenerated: at(MIN),
        _ResourceId: RID,
        Category: 'cluster-autoscaler',
        PodName: 'cluster-autoscaler-1',
        Message: 'E1120 10:01:00.000000       1 scale_up.go:1000] Failed to scale up: Code="QuotaExceeded"',
      },
    });
    const slices = await poll(10 * MIN, {}, { queryNames: ['nodeAutoRepair', 'autoscaler'] });
    const byName = Object.fromEntries(slices.map((s) => [s.queryName, s]));
    expect(byName.nodeAutoRepair).toMatchObject({ complete: true, signals: [], advanceTo: at(10 * MIN) });
    expect(byName.nodeAutoRepair?.notes?.[0]).toMatch(/KubeEvents is not in workspace/);
    expect(byName.autoscaler?.signals.map((s) => s.errorCodes)).toEqual([['QuotaExceeded']]);
    // An unresolved name that is not one of the query's tables is a broken query, not a missing table.
    fake.script(ws, { status: 400, body: sampleBody('log-analytics-error-400-semantic.json') });
    const [broken] = await poll(10 * MIN);
    expect(broken).toMatchObject({ complete: false, signals: [] });
    expect(broken?.error).toMatch(/query nodeAutoRepair names 'resource', which is not one of its tables/);
    // Every table of a fuzzy union missing: the same answer.
    w.missingTables.add('AKSControlPlane');
    const [none] = await poll(10 * MIN, {}, { queryNames: ['autoscaler'] });
    expect(none).toMatchObject({ complete: true, signals: [] });
  });

  it('keeps good rows beside bad ones and names the bad row and field', async () => {
    const set = fake.workspace(ws).result('nodeAutoRepair');
    set.add({ ingestedAt: at(MIN), row: repairRow(RID, 'aks-nodepool1-12345678-vmss000001', at(MIN)) });
    set.add({
      ingestedAt: at(2 * MIN),
      row: repairRow(RID, 'aks-nodepool1-12345678-vmss000002', at(2 * MIN), { LastSeen: 'garbage' }),
    });
    set.add({
      ingestedAt: at(3 * MIN),
      row: repairRow(RID, 'aks-nodepool1-12345678-vmss000003', at(3 * MIN)),
    });
    const [slice] = await poll(10 * MIN);
    expect(slice?.complete).toBe(true);
    expect(slice?.signals.map((s) => s.node)).toEqual([
      'aks-nodepool1-12345678-vmss000001',
      'aks-nodepool1-12345678-vmss000003',
    ]);
    expect(slice?.rowErrors).toHaveLength(1);
    expect(slice?.rowErrors[0]).toMatch(/^row 1 of nodeAutoRepair .*: field LastSeen: not a datetime/);
  });
});

describe('concurrency and fan-out', () => {
  it('keeps at most maxConcurrency queries in flight (never more than 5)', async () => {
    const slow = await FakeLogAnalytics.start({ latencyMs: 60 });
    try {
      const ids = Array.from(
        { length: 8 },
        (_, i) => `11111111-0000-4000-8000-${String(i).padStart(12, '0')}`,
      );
      for (const id of ids) slow.workspace(id);
      const run = (maxConcurrency: number) =>
        collect(
          pollWorkspaces({
            client: slow.client(),
            workspaceIds: ids,
            readWatermark: () => Promise.resolve(undefined),
            now: new Date(T0),
            overlapMs: MIN,
            initialLookbackMs: 10 * MIN,
            maxConcurrency,
          }),
        );
      expect(await run(2)).toHaveLength(24);
      expect(slow.maxInFlight).toBe(2);
      slow.maxInFlight = 0;
      expect(await run(50)).toHaveLength(24);
      expect(slow.maxInFlight).toBe(5);
    } finally {
      await slow.close();
    }
  });

  it('pollSlice answers one planned slice as one result (for a queue message)', async () => {
    const set = fake.workspace(ws).result('failedOperations');
    for (let i = 0; i < 6; i++)
      set.add({
        ingestedAt: at(i * MIN),
        row: {
          TimeGenerated: at(i * MIN - 5 * MIN),
          EventDataId: `e${i}`,
          OperationNameValue: 'MICROSOFT.CONTAINERSERVICE/MANAGEDCLUSTERS/WRITE',
          ActivityStatusValue: 'Failure',
          _ResourceId: RID,
          StatusMessage: JSON.stringify({
            status: 'Failed',
            error: { code: 'QuotaExceeded', message: 'quota' },
          }),
        },
      });
    const planned: PlannedSlice = {
      workspaceId: ws,
      queryName: 'failedOperations',
      start: at(0),
      end: at(10 * MIN),
    };
    const result = await pollSlice(fake.client(), planned);
    expect(result).toMatchObject({ ...planned, complete: true, advanceTo: at(10 * MIN) });
    expect(result.signals.map((s) => s.sourceId)).toEqual([
      'activity:e0',
      'activity:e1',
      'activity:e2',
      'activity:e3',
      'activity:e4',
      'activity:e5',
    ]);
    expect(fake.requests.filter((r) => r.workspaceId === ws).length).toBeGreaterThan(1); // paged at 4 rows
  });
});
