import { afterAll, describe, expect, it } from 'vitest';
import { emptyCounts, readHealth, recordHealth } from '../../src/state/deliveryHealth.js';
import { removeStoreDirs, STORES } from './stores.js';

afterAll(removeStoreDirs);

const day = (d: number, h = 12) => new Date(Date.UTC(2026, 10, d, h));

describe.each(STORES)('delivery health (%s store)', (_name, make) => {
  it('counts per receiver and UTC day, and sums a range of days', async () => {
    const { store } = make();
    await recordHealth(store, day(20), 'teams|ops', 'delivered', 3);
    await recordHealth(store, day(21, 23), 'teams|ops', 'delivered');
    await recordHealth(store, day(21), 'teams|ops', 'deadLettered');
    await recordHealth(store, day(22, 0), 'slack', 'held', 2);
    await recordHealth(store, day(22), 'slack', 'poisoned', 0);
    expect(await readHealth(store, day(21, 0), day(22, 23))).toEqual({
      'teams|ops': { ...emptyCounts(), delivered: 1, deadLettered: 1 },
      slack: { ...emptyCounts(), held: 2 },
    });
    expect((await readHealth(store, day(20), day(20)))['teams|ops']?.delivered).toBe(3);
    expect(await readHealth(store, day(1), day(2))).toEqual({});
  });

  it('loses no increment when instances count at the same time', async () => {
    const { store, reopen } = make();
    await Promise.all(
      Array.from({ length: 24 }, (_, i) => recordHealth(i % 3 ? store : reopen(), day(22), 'ops', 'retried')),
    );
    expect((await readHealth(reopen(), day(22), day(22))).ops?.retried).toBe(24);
  });
});
