import { describe, expect, it } from 'vitest';
import {
  completePollWork,
  fromPollWorkMessage,
  planPollWork,
  POLL_WORK_SCOPE,
  toPollWorkMessage,
} from '../../../src/sources/logAnalytics/pollWork.js';
import type { PlanPollWorkOptions } from '../../../src/sources/logAnalytics/pollWork.js';
import type { KeyValueStore } from '../../../src/state/keyValueStore.js';
import { createMemoryStore } from '../../../src/state/memoryStore.js';
import { readWatermark, writeWatermark } from '../../../src/state/watermarks.js';

const MIN = 60_000;
const WS = 'a1b2c3d4-0000-4000-8000-000000000001';
const T0 = Date.parse('2026-11-22T12:00:00.000Z');

function options(now: number, extra: Partial<PlanPollWorkOptions> = {}): PlanPollWorkOptions {
  return {
    workspaceIds: [WS],
    queryNames: ['nodeAutoRepair'],
    now: new Date(now),
    overlapMs: 2 * MIN,
    initialLookbackMs: 60 * MIN,
    maxSliceMs: 20 * MIN,
    leaseMs: 10 * MIN,
    ...extra,
  };
}

describe('planPollWork', () => {
  it('plans the initial look-back in slices, then only what is new (with the overlap)', async () => {
    const store = createMemoryStore();
    const first = await planPollWork(store, options(T0));
    expect(first.items.map((i) => [i.start, i.end])).toEqual([
      ['2026-11-22T11:00:00.000Z', '2026-11-22T11:20:00.000Z'],
      ['2026-11-22T11:20:00.000Z', '2026-11-22T11:40:00.000Z'],
      ['2026-11-22T11:40:00.000Z', '2026-11-22T12:00:00.000Z'],
    ]);
    // Nothing completed, leases still valid: the in-flight ranges are not planned again.
    const second = await planPollWork(store, options(T0 + 5 * MIN));
    expect(second.items.map((i) => [i.start, i.end, i.attempt])).toEqual([
      ['2026-11-22T11:58:00.000Z', '2026-11-22T12:05:00.000Z', 1],
    ]);
  });

  it('moves the watermark only over the contiguous run of completed items (out-of-order completion)', async () => {
    const store = createMemoryStore();
    const { items } = await planPollWork(store, options(T0));
    const [a, b, c] = items;
    if (!a || !b || !c) throw new Error('expected three items');
    expect(await completePollWork(store, c)).toEqual({ recorded: true });
    expect(await completePollWork(store, b)).toEqual({ recorded: true });
    expect(await readWatermark(store, WS, 'nodeAutoRepair')).toBeUndefined();
    expect(await completePollWork(store, a)).toEqual({ recorded: true, watermark: c.end });
    expect(await readWatermark(store, WS, 'nodeAutoRepair')).toBe(c.end);
    // Completing again changes nothing.
    expect(await completePollWork(store, a)).toEqual({ recorded: false });
    expect(await readWatermark(store, WS, 'nodeAutoRepair')).toBe(c.end);
  });

  it('moves the watermark over two completions that race (the later one writes its record first)', async () => {
    const store = createMemoryStore();
    const { items } = await planPollWork(store, options(T0));
    const [a, b] = items;
    if (!a || !b) throw new Error('expected three items');
    // a writes the watermark, then waits before writing its record; b completes in between.
    let release = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    const slowRecord: KeyValueStore = {
      ...store,
      async put(scope, key, value, ifVersion) {
        if (scope === POLL_WORK_SCOPE) await held;
        return store.put(scope, key, value, ifVersion);
      },
    };
    const first = completePollWork(slowRecord, a);
    while ((await readWatermark(store, WS, 'nodeAutoRepair')) !== a.end)
      await new Promise((r) => setTimeout(r, 1));
    expect(await completePollWork(store, b)).toEqual({ recorded: true, watermark: b.end });
    release();
    expect(await first).toEqual({ recorded: false });
    expect(await readWatermark(store, WS, 'nodeAutoRepair')).toBe(b.end);
  });

  it('carries the watermark over completed ranges left behind it when a covered item completes again', async () => {
    const store = createMemoryStore();
    const { items } = await planPollWork(store, options(T0));
    const [a, b] = items;
    if (!a || !b) throw new Error('expected three items');
    // The state a lost race leaves: a covered by the watermark and gone from the record, b done.
    const record = await store.get<{ ranges: { start: string; done: boolean }[] }>(
      POLL_WORK_SCOPE,
      `${WS}|nodeAutoRepair`,
    );
    if (!record) throw new Error('no plan record');
    const ranges = record.value.ranges
      .filter((r) => r.start !== a.start)
      .map((r) => ({ ...r, done: r.start === b.start }));
    await store.put(POLL_WORK_SCOPE, `${WS}|nodeAutoRepair`, { ...record.value, ranges });
    await writeWatermark(store, WS, 'nodeAutoRepair', a.end);
    expect(await completePollWork(store, a)).toEqual({ recorded: false, watermark: b.end });
    expect(await readWatermark(store, WS, 'nodeAutoRepair')).toBe(b.end);
  });

  it('plans a lost item again after its lease, and only then', async () => {
    const store = createMemoryStore();
    const { items } = await planPollWork(store, options(T0));
    const [lost, b, c] = items;
    if (!lost || !b || !c) throw new Error('expected three items');
    await completePollWork(store, b);
    await completePollWork(store, c);
    const early = await planPollWork(store, options(T0 + 5 * MIN));
    expect(early.items.some((i) => i.start === lost.start)).toBe(false);
    const late = await planPollWork(store, options(T0 + 11 * MIN));
    const again = late.items.find((i) => i.start === lost.start);
    expect(again).toEqual({ ...lost, attempt: 2 });
    expect(await completePollWork(store, again ?? lost)).toMatchObject({ recorded: true });
    // b and c were done, so the watermark runs to the end of c; later ranges are still open.
    expect(await readWatermark(store, WS, 'nodeAutoRepair')).toBe(c.end);
  });

  it('keeps planning independent per workspace and query', async () => {
    const store = createMemoryStore();
    const other = 'a1b2c3d4-0000-4000-8000-000000000002';
    const plan = await planPollWork(
      store,
      options(T0, {
        workspaceIds: [WS, other],
        queryNames: ['nodeAutoRepair', 'autoscaler'],
        maxSliceMs: 60 * MIN,
      }),
    );
    expect(plan.items).toHaveLength(4);
    const one = plan.items.find((i) => i.workspaceId === other && i.queryName === 'autoscaler');
    if (!one) throw new Error('missing item');
    expect((await completePollWork(store, one)).watermark).toBe(one.end);
    expect(await readWatermark(store, WS, 'autoscaler')).toBeUndefined();
    expect(await readWatermark(store, other, 'nodeAutoRepair')).toBeUndefined();
  });

  it('starts from a watermark written by an inline poll and drops ranges it covers', async () => {
    const store = createMemoryStore();
    await planPollWork(store, options(T0));
    await writeWatermark(store, WS, 'nodeAutoRepair', '2026-11-22T12:10:00.000Z');
    const plan = await planPollWork(store, options(T0 + 20 * MIN));
    expect(plan.items.map((i) => [i.start, i.end])).toEqual([
      ['2026-11-22T12:08:00.000Z', '2026-11-22T12:20:00.000Z'],
    ]);
    const [only] = plan.items;
    if (!only) throw new Error('expected one item');
    expect((await completePollWork(store, only)).watermark).toBe('2026-11-22T12:20:00.000Z');
  });

  it('holds a query back once too many ranges are open, still re-planning expired ones', async () => {
    const store = createMemoryStore();
    await planPollWork(store, options(T0, { maxSliceMs: 60 * MIN, maxOpenRanges: 2 }));
    await planPollWork(store, options(T0 + 5 * MIN, { maxOpenRanges: 2 }));
    const held = await planPollWork(store, options(T0 + 30 * MIN, { maxOpenRanges: 2 }));
    expect(held.held).toEqual([`${WS}/nodeAutoRepair`]);
    expect(held.items.map((i) => i.attempt)).toEqual([2, 2]);
  });

  it('does not lose a plan when two planners race (conditional writes)', async () => {
    const store = createMemoryStore();
    const [x, y] = await Promise.all([planPollWork(store, options(T0)), planPollWork(store, options(T0))]);
    const all = [...x.items, ...y.items].map((i) => `${i.start}..${i.end}`);
    expect(new Set(all).size).toBe(all.length);
    // The loser of the race re-reads the record and plans only the overlap after the winner's plan.
    expect(all.sort()).toEqual([
      '2026-11-22T11:00:00.000Z..2026-11-22T11:20:00.000Z',
      '2026-11-22T11:20:00.000Z..2026-11-22T11:40:00.000Z',
      '2026-11-22T11:40:00.000Z..2026-11-22T12:00:00.000Z',
      '2026-11-22T11:58:00.000Z..2026-11-22T12:00:00.000Z',
    ]);
  });
});

describe('poll work messages', () => {
  it('round-trips through base64 JSON and accepts the parsed object the trigger hands over', () => {
    const item = {
      workspaceId: WS,
      queryName: 'failedOperations' as const,
      start: '2026-11-22T11:00:00.000Z',
      end: '2026-11-22T11:20:00.000Z',
      attempt: 3,
    };
    expect(fromPollWorkMessage(toPollWorkMessage(item))).toEqual(item);
    expect(fromPollWorkMessage(JSON.parse(JSON.stringify(item)))).toEqual(item);
    expect(fromPollWorkMessage(JSON.stringify(item))).toEqual(item);
  });

  it('names what is wrong with a bad message', () => {
    expect(() => fromPollWorkMessage('%%%')).toThrow(/not JSON/);
    expect(() => fromPollWorkMessage(42)).toThrow(/not an object/);
    expect(() =>
      fromPollWorkMessage({
        workspaceId: WS,
        queryName: 'KubeEvents | take 1',
        start: 'x',
        end: '2026-01-01',
      }),
    ).toThrow(/queryName must be one of .*start is not a date-time/);
  });
});
