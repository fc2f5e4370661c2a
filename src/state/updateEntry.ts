import type { KeyValueStore } from './keyValueStore.js';

/** What a change makes of an entry: a new value, `'delete'`, or nothing (left as it is); and a result. */
export interface EntryChange<T, R> {
  next?: T | 'delete';
  result: R;
}

/**
 * Read, change, write back only if nobody wrote in between (create when absent), retried on a
 * conflict: instances changing one entry at once never lose each other's changes.
 */
export async function updateEntry<T, R>(
  store: KeyValueStore,
  scope: string,
  key: string,
  change: (current: T | undefined) => EntryChange<T, R>,
  options: { likelyAbsent?: boolean } = {},
): Promise<R> {
  if (options.likelyAbsent) {
    // Most often a new entry: create it without reading first; on a conflict, read and change.
    const { next, result } = change(undefined);
    if (next !== undefined && next !== 'delete' && (await store.create(scope, key, next)) !== undefined)
      return result;
  }
  for (let attempt = 0; attempt < 50; attempt++) {
    const current = await store.get<T>(scope, key);
    const { next, result } = change(current?.value);
    if (next === undefined) return result;
    const written =
      next === 'delete'
        ? !current || (await store.delete(scope, key, current.version))
        : (current
            ? await store.put(scope, key, next, current.version)
            : await store.create(scope, key, next)) !== undefined;
    if (written) return result;
  }
  throw new Error(`could not update ${scope}/${key}: too much contention`);
}
