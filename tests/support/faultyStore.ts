import type { KeyValueStore, StoredEntry, Versioned } from '../../src/state/keyValueStore.js';
import { seeded } from './seeded.js';

/** What a process that died right after a write would see next: nothing at all. */
export class CrashError extends Error {
  constructor() {
    super('the process died here (simulated)');
    this.name = 'CrashError';
  }
}

export interface CrashingStore extends KeyValueStore {
  /** Writes (create, put, delete) that reached the store so far. */
  readonly writes: number;
  readonly crashed: boolean;
}

/**
 * A store that dies right after its k-th write (create, put or delete): that write lands, and every
 * operation after it (reads included) throws CrashError without touching the store. Without `k` it
 * only counts writes.
 */
export function crashAfterWrites(inner: KeyValueStore, k = Number.POSITIVE_INFINITY): CrashingStore {
  let writes = 0;
  let crashed = false;
  const check = () => {
    if (crashed) throw new CrashError();
  };
  const wrote = () => {
    writes++;
    if (writes >= k) crashed = true;
  };
  return {
    get writes() {
      return writes;
    },
    get crashed() {
      return crashed;
    },
    async get<T>(scope: string, key: string): Promise<Versioned<T> | undefined> {
      check();
      const r = await inner.get<T>(scope, key);
      check();
      return r;
    },
    async create(scope, key, value) {
      check();
      const r = await inner.create(scope, key, value);
      wrote();
      return r;
    },
    async put(scope, key, value, ifVersion) {
      check();
      const r = await inner.put(scope, key, value, ifVersion);
      wrote();
      return r;
    },
    async delete(scope, key, ifVersion) {
      check();
      const r = await inner.delete(scope, key, ifVersion);
      wrote();
      return r;
    },
    async *list<T>(scope: string, prefix?: string): AsyncIterable<StoredEntry<T>> {
      check();
      for await (const e of inner.list<T>(scope, prefix)) {
        check();
        yield e;
      }
    },
  };
}

const tick = () => new Promise<void>((r) => setImmediate(r));

/**
 * A store whose every operation first yields to the event loop a seeded number of times (0-3), so two
 * pipelines sharing the inner store interleave their reads and writes in many different orders.
 */
export function interleaved(inner: KeyValueStore, seed: number): KeyValueStore {
  const random = seeded(seed);
  const pause = async () => {
    for (let i = Math.floor(random() * 4); i > 0; i--) await tick();
  };
  return {
    async get(scope, key) {
      await pause();
      return inner.get(scope, key);
    },
    async create(scope, key, value) {
      await pause();
      return inner.create(scope, key, value);
    },
    async put(scope, key, value, ifVersion) {
      await pause();
      return inner.put(scope, key, value, ifVersion);
    },
    async delete(scope, key, ifVersion) {
      await pause();
      return inner.delete(scope, key, ifVersion);
    },
    async *list<T>(scope: string, prefix?: string): AsyncIterable<StoredEntry<T>> {
      await pause();
      yield* inner.list<T>(scope, prefix);
    },
  };
}
