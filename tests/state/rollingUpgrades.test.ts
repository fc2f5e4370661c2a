import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import type { ClusterRef } from '../../src/model.js';
import { createFileStore } from '../../src/state/fileStore.js';
import { createMemoryStore } from '../../src/state/memoryStore.js';
import type { RollingEvent } from '../../src/state/rollingUpgrades.js';
import {
  createRollingUpgrades,
  isRolling,
  recordRollingEvent,
  ROLLING_STALE_MS,
  rollingAt,
} from '../../src/state/rollingUpgrades.js';

const CLUSTER: ClusterRef = {
  resourceId:
    '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-aks/providers/Microsoft.ContainerService/managedClusters/aks-prod',
  subscriptionId: '00000000-0000-0000-0000-000000000000',
  resourceGroup: 'rg-aks',
  name: 'aks-prod',
};
const SAME_CLUSTER_OTHER_CASE: ClusterRef = { ...CLUSTER, resourceId: CLUSTER.resourceId.toLowerCase() };

const T0 = Date.parse('2026-08-20T10:00:00.000Z');
const at = (minutes: number): Date => new Date(T0 + minutes * 60_000);
const ev = (
  phase: RollingEvent['phase'],
  minutes: number,
  id = `${phase}-${String(minutes)}`,
): RollingEvent => ({
  phase,
  at: at(minutes).toISOString(),
  id,
});

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('rolling upgrades', () => {
  it('is rolling between a start and its end, not before or after', async () => {
    const r = createRollingUpgrades(createMemoryStore());
    await r.record(CLUSTER, 'userpool1', ev('Started', 0));
    expect(await r.isRolling(CLUSTER, 'userpool1', at(-1))).toBe(false);
    expect(await r.isRolling(CLUSTER, 'userpool1', at(5))).toBe(true);
    await r.record(CLUSTER, 'userpool1', ev('Succeeded', 10));
    expect(await r.isRolling(CLUSTER, 'userpool1', at(5))).toBe(true);
    expect(await r.isRolling(CLUSTER, 'userpool1', at(10))).toBe(true);
    expect(await r.isRolling(CLUSTER, 'userpool1', at(11))).toBe(false);
    expect(await r.isRolling(CLUSTER, 'systempool', at(5))).toBe(false);
  });

  it('ends with a failure too, and keys pools and clusters case-insensitively', async () => {
    const r = createRollingUpgrades(createMemoryStore());
    await r.record(CLUSTER, 'UserPool1', ev('Started', 0));
    await r.record(SAME_CLUSTER_OTHER_CASE, 'userpool1', ev('Failed', 14));
    expect(await r.isRolling(CLUSTER, 'userpool1', at(14))).toBe(true);
    expect(await r.isRolling(CLUSTER, 'userpool1', at(20))).toBe(false);
  });

  it('answers from event times when the end arrives before the start', async () => {
    const r = createRollingUpgrades(createMemoryStore());
    await r.record(CLUSTER, 'p', ev('Succeeded', 30));
    await r.record(CLUSTER, 'p', ev('Started', 0));
    expect(await r.isRolling(CLUSTER, 'p', at(15))).toBe(true);
    expect(await r.isRolling(CLUSTER, 'p', at(31))).toBe(false);
  });

  it('counts the instant of an end as rolling even before the start is recorded', async () => {
    const r = createRollingUpgrades(createMemoryStore());
    await r.record(CLUSTER, 'p', ev('Failed', 14));
    expect(await r.isRolling(CLUSTER, 'p', at(14))).toBe(true);
    expect(await r.isRolling(CLUSTER, 'p', at(13))).toBe(false);
    expect(await r.isRolling(CLUSTER, 'p', at(15))).toBe(false);
  });

  it('treats a start without an end as stale after 6 hours', async () => {
    const r = createRollingUpgrades(createMemoryStore());
    await r.record(CLUSTER, 'p', ev('Started', 0));
    expect(await r.isRolling(CLUSTER, 'p', new Date(T0 + ROLLING_STALE_MS))).toBe(true);
    expect(await r.isRolling(CLUSTER, 'p', new Date(T0 + ROLLING_STALE_MS + 1))).toBe(false);
  });

  it('a later operation starts a new rolling window', async () => {
    const r = createRollingUpgrades(createMemoryStore());
    for (const e of [ev('Started', 0), ev('Succeeded', 10), ev('Started', 60)])
      await r.record(CLUSTER, 'p', e);
    expect(await r.isRolling(CLUSTER, 'p', at(30))).toBe(false);
    expect(await r.isRolling(CLUSTER, 'p', at(61))).toBe(true);
  });

  it('records a redelivered event once and survives concurrent writers (file store)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rolling-'));
    dirs.push(dir);
    const store = createFileStore(dir);
    const a = createRollingUpgrades(store);
    const b = createRollingUpgrades(createFileStore(dir));
    await Promise.all([
      a.record(CLUSTER, 'p', ev('Started', 0, 'e1')),
      b.record(CLUSTER, 'p', ev('Started', 0, 'e1')),
      a.record(CLUSTER, 'p', ev('Succeeded', 10, 'e2')),
      b.record(CLUSTER, 'p', ev('Started', 20, 'e3')),
    ]);
    const stored = await store.get<{ events: RollingEvent[] }>(
      'rolling',
      `${CLUSTER.resourceId.toLowerCase()}|p`,
    );
    expect(stored?.value.events.map((e) => e.id)).toEqual(['e1', 'e2', 'e3']);
    expect(await a.isRolling(CLUSTER, 'p', at(5))).toBe(true);
    expect(await a.isRolling(CLUSTER, 'p', at(15))).toBe(false);
    expect(await a.isRolling(CLUSTER, 'p', at(25))).toBe(true);
  });

  it('records and answers through the store functions, a redelivery counted once', async () => {
    const store = createMemoryStore();
    await recordRollingEvent(store, CLUSTER, 'p', 'started', at(0), 'evt-start');
    await recordRollingEvent(store, CLUSTER, 'p', 'started', at(0), 'evt-start');
    expect(await isRolling(store, CLUSTER, 'p', at(30))).toBe(true);
    expect(await isRolling(store, CLUSTER, 'p', at(30), 20 * 60_000)).toBe(false);
    await recordRollingEvent(store, CLUSTER, 'p', 'succeeded', at(40));
    expect(await isRolling(store, CLUSTER, 'p', at(30))).toBe(true);
    expect(await isRolling(store, CLUSTER, 'p', at(41))).toBe(false);
    await recordRollingEvent(store, SAME_CLUSTER_OTHER_CASE, 'P', 'started', at(50));
    await recordRollingEvent(store, CLUSTER, 'p', 'failed', at(55));
    expect(await isRolling(store, CLUSTER, 'p', at(52))).toBe(true);
    expect(await isRolling(store, CLUSTER, 'p', at(56))).toBe(false);
    const stored = await store.get<{ events: RollingEvent[] }>(
      'rolling',
      `${CLUSTER.resourceId.toLowerCase()}|p`,
    );
    expect(stored?.value.events.map((e) => e.phase)).toEqual(['Started', 'Succeeded', 'Started', 'Failed']);
  });

  it('rejects an event without a readable time', async () => {
    const r = createRollingUpgrades(createMemoryStore());
    await expect(r.record(CLUSTER, 'p', { phase: 'Started', at: 'soon', id: 'x' })).rejects.toThrow(
      'rolling event x: time is not a date-time',
    );
  });

  it('does not depend on the order events are recorded in (property)', () => {
    const event = fc.record({
      phase: fc.constantFrom<RollingEvent['phase']>('Started', 'Succeeded', 'Failed'),
      minute: fc.integer({ min: 0, max: 600 }),
    });
    fc.assert(
      fc.property(fc.array(event, { maxLength: 12 }), fc.integer({ min: 0, max: 700 }), (raw, q) => {
        const events = raw.map((e, i) => ev(e.phase, e.minute, String(i)));
        const reversed = [...events].reverse();
        expect(rollingAt(reversed, at(q).getTime())).toBe(rollingAt(events, at(q).getTime()));
      }),
    );
  });
});
