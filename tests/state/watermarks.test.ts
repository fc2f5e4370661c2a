import { afterAll, describe, expect, it } from 'vitest';
import { readWatermark, writeWatermark } from '../../src/state/watermarks.js';
import { removeStoreDirs, STORES } from './stores.js';

afterAll(removeStoreDirs);

describe.each(STORES)('watermarks (%s store)', (_name, make) => {
  it('reads nothing before the first write, then what was written, per workspace and query', async () => {
    const { store } = make();
    expect(await readWatermark(store, 'WS-1', 'autoRepair')).toBeUndefined();
    await writeWatermark(store, 'WS-1', 'autoRepair', '2026-11-22T07:00:00.000Z');
    expect(await readWatermark(store, 'ws-1', 'autoRepair')).toBe('2026-11-22T07:00:00.000Z');
    expect(await readWatermark(store, 'ws-1', 'failedOperations')).toBeUndefined();
    expect(await readWatermark(store, 'ws-2', 'autoRepair')).toBeUndefined();
  });

  it('never moves backwards, even when runs finish out of order at the same time', async () => {
    const { store, reopen } = make();
    const times = Array.from({ length: 10 }, (_, i) => new Date(Date.UTC(2026, 10, 22, 7, i)).toISOString());
    await Promise.all(
      [...times].reverse().map((t, i) => writeWatermark(i % 2 ? store : reopen(), 'ws', 'q', t)),
    );
    expect(await readWatermark(reopen(), 'ws', 'q')).toBe(times[9]);
    await writeWatermark(store, 'ws', 'q', times[3] ?? '');
    expect(await readWatermark(store, 'ws', 'q')).toBe(times[9]);
  });
});
