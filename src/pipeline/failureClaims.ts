import { randomUUID } from 'node:crypto';
import { goneFromThisHost, thisProcess } from '../state/processLiveness.js';
import type { ProcessRef } from '../state/processLiveness.js';
import type { KeyValueStore } from '../state/keyValueStore.js';

/**
 * One owner per failure across instances. Before a failure is planned, its record is created with a
 * conditional write (if-none-match): only one instance gets it. The record says `done` once what
 * follows from the failure (decision, group membership, outbox items) is written, so:
 * - done: a duplicate (a redelivery, an overlapping poll);
 * - claimed by a live owner: another instance is on it, wait for it;
 * - claimed by an owner that died (its lease ran out, or its process is gone on this host): taken
 *   over by compare-and-swap and planned again, which replays to the same result.
 * Records written by earlier versions (a decision without `state`) count as done.
 */
export interface ClaimRecord {
  state?: 'claimed' | 'done';
  at: string;
  owner?: ClaimOwner;
  leaseUntil?: string;
}

/** Who holds a claim: one per pipeline (so two pipelines in one process are two owners). */
export interface ClaimOwner extends ProcessRef {
  id: string;
}

export type Claim =
  | { kind: 'owned'; version: string; replay: boolean }
  | { kind: 'done' }
  | { kind: 'busy'; leaseUntil: number };

export function newClaimOwner(): ClaimOwner {
  return { ...thisProcess(), id: randomUUID() };
}

/** An owner that cannot finish: the caller itself (an earlier attempt that failed), or a process gone from this host. */
const ownerGone = (owner: ClaimOwner | undefined, me: ClaimOwner): boolean =>
  owner?.id === me.id || goneFromThisHost(owner);

export interface ClaimOptions {
  owner: ClaimOwner;
  now: Date;
  leaseMs: number;
}

/** Claims a failure for this process, or says who has it. */
export async function claimFailure(
  store: KeyValueStore,
  scope: string,
  key: string,
  options: ClaimOptions,
): Promise<Claim> {
  const record = (): ClaimRecord => ({
    state: 'claimed',
    at: options.now.toISOString(),
    owner: options.owner,
    leaseUntil: new Date(options.now.getTime() + options.leaseMs).toISOString(),
  });
  for (let attempt = 0; attempt < 5; attempt++) {
    const created = await store.create(scope, key, record());
    if (created !== undefined) return { kind: 'owned', version: created, replay: false };
    const cur = await store.get<ClaimRecord>(scope, key);
    if (!cur) continue;
    const c = cur.value;
    if (c.state !== 'claimed') return { kind: 'done' };
    const until = Date.parse(c.leaseUntil ?? '');
    if (!(until <= options.now.getTime()) && !ownerGone(c.owner, options.owner))
      return { kind: 'busy', leaseUntil: until };
    const taken = await store.put(scope, key, record(), cur.version);
    if (taken !== undefined) return { kind: 'owned', version: taken, replay: true };
  }
  throw new Error(`failure ${key.slice(0, 200)}: its claim keeps changing`);
}

/** Marks an owned failure done. False when another instance took it over meanwhile (it finishes it). */
export async function finishClaim(
  store: KeyValueStore,
  scope: string,
  key: string,
  version: string,
  at: Date,
): Promise<boolean> {
  const done: ClaimRecord = { state: 'done', at: at.toISOString() };
  return (await store.put(scope, key, done, version)) !== undefined;
}

/**
 * Gives up an owned claim (the batch failed), so a retry takes it over at once, as a replay: part of
 * it may have been planned already.
 */
export async function dropClaim(
  store: KeyValueStore,
  scope: string,
  key: string,
  version: string,
  at: Date,
): Promise<void> {
  const given: ClaimRecord = {
    state: 'claimed',
    at: at.toISOString(),
    leaseUntil: new Date(0).toISOString(),
  };
  await store.put(scope, key, given, version);
}

/** Whether a failure is done (a duplicate): for sources that spare look-ups for redelivered batches. */
export async function isDone(store: KeyValueStore, scope: string, key: string): Promise<boolean> {
  const cur = await store.get<ClaimRecord>(scope, key);
  return cur !== undefined && cur.value.state !== 'claimed';
}
