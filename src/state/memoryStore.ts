import type { KeyValueStore, StoredEntry, Versioned } from './keyValueStore.js';

/** An in-process KeyValueStore: for one-shot local runs and tests. Values are copied in and out. */
export function createMemoryStore(): KeyValueStore {
  const scopes = new Map<string, Map<string, { json: string; version: string }>>();
  let counter = 0;
  const scopeOf = (scope: string) => {
    let s = scopes.get(scope);
    if (!s) scopes.set(scope, (s = new Map<string, { json: string; version: string }>()));
    return s;
  };
  const nextVersion = (): string => `m${++counter}`;

  return {
    get<T>(scope: string, key: string): Promise<Versioned<T> | undefined> {
      const e = scopes.get(scope)?.get(key);
      return Promise.resolve(e ? { value: JSON.parse(e.json) as T, version: e.version } : undefined);
    },
    create(scope, key, value) {
      const s = scopeOf(scope);
      if (s.has(key)) return Promise.resolve(undefined);
      const version = nextVersion();
      s.set(key, { json: JSON.stringify(value), version });
      return Promise.resolve(version);
    },
    put(scope, key, value, ifVersion) {
      const s = scopeOf(scope);
      if (ifVersion !== undefined && s.get(key)?.version !== ifVersion) return Promise.resolve(undefined);
      const version = nextVersion();
      s.set(key, { json: JSON.stringify(value), version });
      return Promise.resolve(version);
    },
    delete(scope, key, ifVersion) {
      const s = scopes.get(scope);
      const e = s?.get(key);
      if (!s || !e || (ifVersion !== undefined && e.version !== ifVersion)) return Promise.resolve(false);
      s.delete(key);
      return Promise.resolve(true);
    },
    async *list<T>(scope: string, prefix = ''): AsyncIterable<StoredEntry<T>> {
      const s = scopes.get(scope);
      if (!s) return;
      const keys = [...s.keys()].filter((k) => k.startsWith(prefix)).sort();
      for (const key of keys) {
        const e = s.get(key);
        if (e) yield { key, value: JSON.parse(e.json) as T, version: e.version };
        await Promise.resolve();
      }
    },
  };
}
