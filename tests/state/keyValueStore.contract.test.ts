import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TableClient } from '@azure/data-tables';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFileStore } from '../../src/state/fileStore.js';
import type { KeyValueStore } from '../../src/state/keyValueStore.js';
import { createMemoryStore } from '../../src/state/memoryStore.js';
import { createTableStore, decodeTableKey, encodeTableKey } from '../../src/state/tableStore.js';
import type { Azurite } from '../support/azurite.js';
import { startAzurite } from '../support/azurite.js';

async function collect<T>(it: AsyncIterable<{ key: string; value: T }>): Promise<[string, T][]> {
  const out: [string, T][] = [];
  for await (const e of it) out.push([e.key, e.value]);
  return out;
}

let azurite: Azurite;
let tableCount = 0;
const dirs: string[] = [];

beforeAll(async () => {
  azurite = await startAzurite(['table']);
}, 60_000);

afterAll(async () => {
  await azurite.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const implementations: [string, () => { open: () => KeyValueStore }][] = [
  [
    'memory',
    () => {
      const store = createMemoryStore();
      return { open: () => store };
    },
  ],
  [
    'file',
    () => {
      const dir = mkdtempSync(join(tmpdir(), 'kv-'));
      dirs.push(dir);
      return { open: () => createFileStore(dir) };
    },
  ],
  [
    'table (Azurite)',
    () => {
      const name = `kv${Date.now()}${tableCount++}`;
      return {
        open: () =>
          createTableStore(
            TableClient.fromConnectionString(azurite.connectionString, name, {
              allowInsecureConnection: true,
            }),
          ),
      };
    },
  ],
];

describe.each(implementations)('KeyValueStore contract: %s', (_name, make) => {
  it('creates only when absent and reads back what was written', async () => {
    const store = make().open();
    const v1 = await store.create('s', 'k', { a: 1 });
    expect(v1).toBeTypeOf('string');
    expect(await store.create('s', 'k', { a: 2 })).toBeUndefined();
    expect(await store.get('s', 'k')).toEqual({ value: { a: 1 }, version: v1 });
    expect(await store.get('s', 'missing')).toBeUndefined();
    expect(await store.get('other', 'k')).toBeUndefined();
  });

  it('writes conditionally on the version and unconditionally without one', async () => {
    const store = make().open();
    const v1 = await store.put('s', 'k', 'one');
    expect(v1).toBeTypeOf('string');
    const v2 = await store.put('s', 'k', 'two', v1);
    expect(v2).toBeTypeOf('string');
    expect(v2).not.toBe(v1);
    expect(await store.put('s', 'k', 'stale', v1)).toBeUndefined();
    expect((await store.get('s', 'k'))?.value).toBe('two');
    const goneVersion = await store.put('s', 'gone', 'was here');
    await store.delete('s', 'gone');
    expect(await store.put('s', 'gone', 'x', goneVersion)).toBeUndefined();
    expect(await store.get('s', 'gone')).toBeUndefined();
  });

  it('lets exactly one of several racing conditional writers win', async () => {
    const store = make().open();
    const v = await store.put('s', 'counter', 0);
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) => store.put('s', 'counter', i + 1, v)),
    );
    expect(results.filter((r) => r !== undefined)).toHaveLength(1);
    const creates = await Promise.all(Array.from({ length: 8 }, (_, i) => store.create('s', 'once', i)));
    expect(creates.filter((r) => r !== undefined)).toHaveLength(1);
  });

  it('answers each of many writes at once to one scope as if it were alone (batched or not)', async () => {
    const store = make().open();
    await store.create('many', 'taken', 'first');
    const old = await store.put('many', 'versioned', 0);
    const v = await store.put('many', 'versioned', 0);
    const [taken, stale, fresh, ...creates] = await Promise.all([
      store.create('many', 'taken', 'second'),
      store.put('many', 'versioned', 2, old),
      store.put('many', 'versioned', 1, v),
      ...Array.from({ length: 150 }, (_, i) => store.create('many', `k${i}`, i)),
    ]);
    expect([taken, stale]).toEqual([undefined, undefined]);
    expect(fresh).toEqual(expect.any(String));
    expect(creates.every((c) => typeof c === 'string')).toBe(true);
    // Each version is the entry's real one: a conditional write with it succeeds.
    expect(await store.put('many', 'k7', 'seven', creates[7])).toEqual(expect.any(String));
    expect((await store.get('many', 'taken'))?.value).toBe('first');
    // Many reads at once (one query for several on Table Storage) each get their own entry.
    const values = await Promise.all(
      [...Array.from({ length: 40 }, (_, i) => `k${i}`), 'absent', "o'q", 'k3'].map((k) =>
        store.get('many', k),
      ),
    );
    expect(values.map((v) => v?.value)).toEqual([
      ...Array.from({ length: 40 }, (_, i) => (i === 7 ? 'seven' : i)),
      undefined,
      undefined,
      3,
    ]);
    expect((await collect(store.list('many'))).length).toBe(152);
    const deletes = await Promise.all(Array.from({ length: 150 }, (_, i) => store.delete('many', `k${i}`)));
    expect(deletes.every(Boolean)).toBe(true);
    expect(await store.delete('many', 'k1')).toBe(false);
  });

  it('deletes, conditionally when asked', async () => {
    const store = make().open();
    const old = await store.put('s', 'k', 0);
    const v = await store.put('s', 'k', 1);
    expect(old).not.toBe(v);
    expect(await store.delete('s', 'k', old)).toBe(false);
    expect(await store.delete('s', 'k', v)).toBe(true);
    expect(await store.delete('s', 'k')).toBe(false);
    expect(await store.get('s', 'k')).toBeUndefined();
  });

  it('lists a scope by key prefix, in key order, with keys holding any characters', async () => {
    const store = make().open();
    const keys = ['b/2', 'a#1', 'b?1', 'b\\3', 'c%4', 'b\u0001x', 'zz', "o'q"];
    for (const k of keys) await store.put('scope/with#odd?chars', k, k.length);
    await store.put('another', 'b1', 0);
    const all = await collect(store.list<number>('scope/with#odd?chars'));
    // Key order, not storage order: escaped characters must not move entries.
    expect(all.map(([k]) => k)).toEqual([...keys].sort());
    const bs = await collect(store.list<number>('scope/with#odd?chars', 'b'));
    expect(bs.map(([k]) => k)).toEqual(['b/2', 'b?1', 'b\\3', 'b\u0001x'].sort());
    for (const k of ['a-1', 'a.1', 'a/1', 'a0']) await store.put('order', k, 0);
    expect((await collect(store.list('order'))).map(([k]) => k)).toEqual(['a-1', 'a.1', 'a/1', 'a0']);
    expect(await collect(store.list('empty-scope'))).toEqual([]);
  });

  it('keeps its state across a new instance over the same storage', async () => {
    const made = make();
    await made.open().put('s', 'durable', { at: '2026-11-22T00:00:00Z' });
    expect((await made.open().get('s', 'durable'))?.value).toEqual({ at: '2026-11-22T00:00:00Z' });
  });

  it('stores values larger than one Table Storage property', async () => {
    const store = make().open();
    const big = { text: 'x'.repeat(150_000) };
    await store.put('s', 'big', big);
    expect((await store.get<{ text: string }>('s', 'big'))?.value.text.length).toBe(150_000);
  });
});

describe('table store limits', () => {
  it('rejects a value over the entity limit with an error naming the entry, and keeps the old value', async () => {
    const store = createTableStore(
      TableClient.fromConnectionString(azurite.connectionString, `kvlimit${Date.now()}`, {
        allowInsecureConnection: true,
      }),
    );
    await store.put('s', 'k', 'small');
    await expect(store.put('s', 'k', 'x'.repeat(600_000))).rejects.toThrow(
      /state value s\/k is 600002 characters of JSON, over the 480000/,
    );
    await store.put('s', 'near-limit', 'y'.repeat(479_000));
    expect((await store.get<string>('s', 'near-limit'))?.value.length).toBe(479_000);
    expect((await store.get('s', 'k'))?.value).toBe('small');
    await expect(store.create('s', 'k'.repeat(600), 1)).rejects.toThrow(
      /over the Table Storage limit of 512/,
    );
  });
});

describe('table key encoding', () => {
  it('round-trips and removes every character Table Storage forbids', () => {
    const key = 'a/b\\c#d?e%f\u0000\u001f\u007f\u0085';
    const encoded = encodeTableKey(key);
    expect(encoded).not.toMatch(/[/\\#?]/);
    expect(decodeTableKey(encoded)).toBe(key);
  });
});
