import { afterAll, describe, expect, it } from 'vitest';
import { claimOnce } from '../../src/state/dedup.js';
import { removeStoreDirs, STORES } from './stores.js';

afterAll(removeStoreDirs);

const at = (minutes: number) => new Date(Date.UTC(2026, 10, 22, 7, minutes));

describe.each(STORES)('claimOnce (%s store)', (_name, make) => {
  it('is true for the first claim only, per namespace and key, until the claim expires', async () => {
    const { store } = make();
    expect(await claimOnce(store, 'rows', 'a', 10 * 60_000, at(0))).toBe(true);
    expect(await claimOnce(store, 'rows', 'a', 10 * 60_000, at(5))).toBe(false);
    expect(await claimOnce(store, 'rows', 'b', 10 * 60_000, at(5))).toBe(true);
    expect(await claimOnce(store, 'other', 'a', 10 * 60_000, at(5))).toBe(true);
    expect(await claimOnce(store, 'rows', 'a', 10 * 60_000, at(9))).toBe(false);
    expect(await claimOnce(store, 'rows', 'a', 10 * 60_000, at(11))).toBe(true);
    expect(await claimOnce(store, 'rows', 'a', 10 * 60_000, at(12))).toBe(false);
  });

  it('lets exactly one of several racing instances win, for a fresh key and for an expired one', async () => {
    const { store, reopen } = make();
    const race = (now: Date) =>
      Promise.all(
        Array.from({ length: 8 }, (_, i) => claimOnce(i % 2 ? store : reopen(), 'n', 'k', 60_000, now)),
      );
    expect((await race(at(0))).filter(Boolean)).toHaveLength(1);
    expect((await race(at(0))).filter(Boolean)).toHaveLength(0);
    expect((await race(at(2))).filter(Boolean)).toHaveLength(1);
  });
});
