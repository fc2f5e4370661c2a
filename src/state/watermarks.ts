import type { KeyValueStore } from './keyValueStore.js';

const SCOPE = 'watermarks';
const keyOf = (workspaceId: string, queryName: string) => `${workspaceId.toLowerCase()}|${queryName}`;

/** The ingestion time up to which a workspace's query has been fully processed. */
export async function readWatermark(
  store: KeyValueStore,
  workspaceId: string,
  queryName: string,
): Promise<string | undefined> {
  return (await store.get<{ at: string }>(SCOPE, keyOf(workspaceId, queryName)))?.value.at;
}

/** Moves the watermark forward; never backwards, even when two runs finish out of order. */
export async function writeWatermark(
  store: KeyValueStore,
  workspaceId: string,
  queryName: string,
  iso: string,
): Promise<void> {
  const key = keyOf(workspaceId, queryName);
  for (let attempt = 0; attempt < 20; attempt++) {
    const current = await store.get<{ at: string }>(SCOPE, key);
    if (!current) {
      if ((await store.create(SCOPE, key, { at: iso })) !== undefined) return;
      continue;
    }
    if (Date.parse(current.value.at) >= Date.parse(iso)) return;
    if ((await store.put(SCOPE, key, { at: iso }, current.version)) !== undefined) return;
  }
  throw new Error(`could not store the watermark of ${workspaceId}/${queryName}: too much contention`);
}
