import type { KeyValueStore } from './keyValueStore.js';

interface Claim {
  at: string;
  expiresAt: string;
}

/** The scope a namespace's claims live in. */
export function claimScope(namespace: string): string {
  return `dedup-${namespace}`;
}

/**
 * Claims a key once within `ttlMs`: true for the first claim, false while an earlier claim is
 * live. An expired claim can be taken over (conditionally, so only one of two racers wins).
 */
export async function claimOnce(
  store: KeyValueStore,
  namespace: string,
  key: string,
  ttlMs: number,
  now: Date,
): Promise<boolean> {
  const claim: Claim = { at: now.toISOString(), expiresAt: new Date(now.getTime() + ttlMs).toISOString() };
  const scope = claimScope(namespace);
  if ((await store.create(scope, key, claim)) !== undefined) return true;
  const current = await store.get<Claim>(scope, key);
  if (!current) return (await store.create(scope, key, claim)) !== undefined;
  if (Date.parse(current.value.expiresAt) > now.getTime()) return false;
  return (await store.put(scope, key, claim, current.version)) !== undefined;
}
