import { afterAll, describe, expect, it } from 'vitest';
import type { KeyValueStore } from '../../src/state/keyValueStore.js';
import { expiredDayScopes, keepAfter, sweepState } from '../../src/state/sweepState.js';
import { removeStoreDirs, STORES } from './stores.js';

afterAll(removeStoreDirs);

const NOW = new Date('2026-11-22T12:00:00.000Z');
const DAY = 86_400_000;
const ago = (days: number) => new Date(NOW.getTime() - days * DAY).toISOString();

async function keys(store: KeyValueStore, scope: string): Promise<string[]> {
  const out: string[] = [];
  for await (const e of store.list(scope)) out.push(e.key);
  return out;
}

describe.each(STORES)('sweepState on the %s store', (_name, open) => {
  it('deletes only entries past their retention and keeps entries it cannot read', async () => {
    const { store } = open();
    await store.put('a', 'old', { at: ago(9) });
    await store.put('a', 'new', { at: ago(1) });
    await store.put('a', 'no-time', { something: 'else' });
    await store.put('a', 'bad-time', { at: 'yesterday' });
    await store.put('b', 'old', { at: ago(9) });
    const report = await sweepState(store, [keepAfter('a', 'at', 7 * DAY)], NOW);
    expect(report).toEqual({ scanned: 4, deleted: { a: 1 }, complete: true, errors: [] });
    expect(await keys(store, 'a')).toEqual(['bad-time', 'new', 'no-time']);
    expect(await keys(store, 'b')).toEqual(['old']);
  });

  it('stops at its budget, says so, and the next sweep carries on', async () => {
    const { store } = open();
    for (let i = 0; i < 30; i++) await store.put('a', `k${String(i).padStart(2, '0')}`, { at: ago(10) });
    const first = await sweepState(store, [keepAfter('a', 'at', DAY)], NOW, {
      maxDeletes: 12,
      concurrency: 4,
    });
    expect(first.complete).toBe(false);
    expect(first.deleted).toEqual({ a: 12 });
    const second = await sweepState(store, [keepAfter('a', 'at', DAY)], NOW, { concurrency: 4 });
    expect(second).toMatchObject({ complete: true, deleted: { a: 18 } });
    expect(await keys(store, 'a')).toEqual([]);
  });

  it('drops whole day scopes only behind the retention', async () => {
    const { store } = open();
    const dayOf = (days: number) => `journal-${ago(days).slice(0, 10)}`;
    await store.put(dayOf(2), 'x', {});
    await store.put(dayOf(35), 'x', {});
    await store.put(dayOf(36), 'x', {});
    await store.put(dayOf(40), 'y', {});
    const report = await sweepState(store, expiredDayScopes('journal-', NOW, 35), NOW);
    expect(report.deleted).toEqual({ [dayOf(36)]: 1, [dayOf(40)]: 1 });
    expect(await keys(store, dayOf(2))).toEqual(['x']);
    expect(await keys(store, dayOf(35))).toEqual(['x']);
  });
});

describe('sweepState against writers and failures', () => {
  it('leaves an entry rewritten after it was read', async () => {
    const [, open] = STORES[0] ?? [];
    const { store } = open?.() ?? { store: undefined };
    if (!store) throw new Error('no memory store');
    await store.put('a', 'k', { at: ago(9) });
    // The rule sees the old value; a writer renews the entry before the delete lands.
    const racing: KeyValueStore = {
      ...store,
      async delete(scope, key, ifVersion) {
        await store.put(scope, key, { at: NOW.toISOString() });
        return store.delete(scope, key, ifVersion);
      },
    };
    const report = await sweepState(racing, [keepAfter('a', 'at', DAY)], NOW);
    expect(report.deleted).toEqual({});
    expect((await store.get<{ at: string }>('a', 'k'))?.value.at).toBe(NOW.toISOString());
  });

  it('names a scope it could not sweep and still sweeps the others', async () => {
    const [, open] = STORES[0] ?? [];
    const { store } = open?.() ?? { store: undefined };
    if (!store) throw new Error('no memory store');
    await store.put('a', 'k', { at: ago(9) });
    await store.put('b', 'k', { at: ago(9) });
    const failing: KeyValueStore = {
      ...store,
      list: (scope, prefix) => {
        if (scope === 'a') throw new Error('table unavailable (HTTP 503)');
        return store.list(scope, prefix);
      },
    };
    const report = await sweepState(failing, [keepAfter('a', 'at', DAY), keepAfter('b', 'at', DAY)], NOW);
    expect(report).toMatchObject({
      deleted: { b: 1 },
      complete: false,
      errors: ['a: table unavailable (HTTP 503)'],
    });
  });
  it('stops a scope whose deletes fail and names it', async () => {
    const [, open] = STORES[0] ?? [];
    const { store } = open?.() ?? { store: undefined };
    if (!store) throw new Error('no memory store');
    for (let i = 0; i < 5; i++) await store.put('a', `k${String(i)}`, { at: ago(9) });
    const failing: KeyValueStore = {
      ...store,
      delete: () => Promise.reject(new Error('HTTP 500')),
    };
    const report = await sweepState(failing, [keepAfter('a', 'at', DAY)], NOW, { concurrency: 2 });
    expect(report).toMatchObject({ deleted: {}, complete: false, errors: ['a: HTTP 500'] });
    expect(await keys(store, 'a')).toHaveLength(5);
  });
});
