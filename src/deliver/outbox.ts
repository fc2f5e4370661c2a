import type { SinkType } from '../model.js';
import type { KeyValueStore } from '../state/keyValueStore.js';
import type { ProcessRef } from '../state/processLiveness.js';
import { thisProcess } from '../state/processLiveness.js';

/**
 * The delivery outbox: a notification is stored per receiver before anything is sent, and moves
 * from pending to delivered or dead. Pending, delivered and dead items live in separate scopes so
 * a delivery pass reads only what is still to do.
 */
export type OutboxState = 'pending' | 'delivered' | 'dead';

export interface OutboxItemInput {
  receiver: string;
  sinkType: SinkType;
  /** Stable per receiver: the idempotency key the receiver sees. */
  id: string;
  /** The rendered body (no secrets in it). */
  body: string;
  createdAt: string;
  /** One line for listings, no secrets. */
  summary: string;
}

export interface OutboxItem extends OutboxItemInput {
  state: OutboxState;
  attempts: number;
  nextAttemptAt: string;
  lastError?: string;
  lastAttemptAt?: string;
  finishedAt?: string;
  /** While a sender holds the item (from just before sending until it records the outcome). */
  leaseUntil?: string;
  /** The process holding the lease: one gone from this host (killed) does not hold it any more. */
  leasedBy?: ProcessRef;
}

export const OUTBOX_SCOPES: Record<OutboxState, string> = {
  pending: 'outbox-pending',
  delivered: 'outbox-delivered',
  dead: 'outbox-dead',
};

export const outboxKey = (receiver: string, id: string): string => `${receiver}|${id}`;

/** The item with no sender holding it: every change that ends a lease drops both lease fields. */
function withoutLease(item: OutboxItem): OutboxItem {
  const next = { ...item };
  delete next.leaseUntil;
  delete next.leasedBy;
  return next;
}

export interface EnqueueOptions {
  /**
   * Every item is new (its notification was just decided by a failure this process owns), so the
   * delivered and dead records need not be looked up first.
   */
  fresh?: boolean;
  /** Created already leased by the caller until then (it sends them itself, without a lease write). */
  leaseUntil?: string;
}

/**
 * Stores each item as pending unless it is already in the outbox in any state, so handing over the
 * same notification again never sends it twice. Returns the items created, with their versions.
 */
export async function enqueueOutgoing(
  store: KeyValueStore,
  items: readonly OutboxItemInput[],
  options: EnqueueOptions = {},
): Promise<{ added: number; existing: number; created: { item: OutboxItem; version: string }[] }> {
  let existing = 0;
  const created: { item: OutboxItem; version: string }[] = [];
  const lease =
    options.leaseUntil !== undefined ? { leaseUntil: options.leaseUntil, leasedBy: thisProcess() } : {};
  await Promise.all(
    items.map(async (input) => {
      const key = outboxKey(input.receiver, input.id);
      const done = !options.fresh && (await isFinished(store, input));
      const item: OutboxItem = {
        ...input,
        state: 'pending',
        attempts: 0,
        nextAttemptAt: input.createdAt,
        ...lease,
      };
      const version = done ? undefined : await store.create(OUTBOX_SCOPES.pending, key, item);
      if (version !== undefined) created.push({ item, version });
      else existing++;
    }),
  );
  return { added: created.length, existing, created };
}

export async function* listOutbox(
  store: KeyValueStore,
  state: OutboxState,
  receiver?: string,
): AsyncIterable<{ item: OutboxItem; version: string }> {
  for await (const e of store.list<OutboxItem>(
    OUTBOX_SCOPES[state],
    receiver === undefined ? '' : `${receiver}|`,
  )) {
    yield { item: e.value, version: e.version };
  }
}

/**
 * Takes the item for one send: no other delivery pass sends it until `until` or until this one
 * records the outcome. Returns the leased item and its version, or undefined when another pass
 * changed it first. A sender that dies keeps the lease until it runs out; then the item is sent
 * again with the same id.
 */
export async function leaseItem(
  store: KeyValueStore,
  item: OutboxItem,
  version: string,
  until: string,
): Promise<{ item: OutboxItem; version: string } | undefined> {
  const leased: OutboxItem = { ...item, leaseUntil: until, leasedBy: thisProcess() };
  const v = await store.put(OUTBOX_SCOPES.pending, outboxKey(item.receiver, item.id), leased, version);
  return v === undefined ? undefined : { item: leased, version: v };
}

/** Gives back a lease this process took and will not use (the item is not sent in this pass). */
export async function releaseLease(store: KeyValueStore, item: OutboxItem, version: string): Promise<void> {
  if (item.leaseUntil === undefined) return;
  await store.put(OUTBOX_SCOPES.pending, outboxKey(item.receiver, item.id), withoutLease(item), version);
}

/** Records why a pending item cannot be sent yet (e.g. its receiver is not configured), without using an attempt. */
export async function notePending(
  store: KeyValueStore,
  item: OutboxItem,
  version: string,
  error: string,
): Promise<boolean> {
  if (item.lastError === error) return true;
  const next: OutboxItem = { ...item, lastError: error };
  return (
    (await store.put(OUTBOX_SCOPES.pending, outboxKey(item.receiver, item.id), next, version)) !== undefined
  );
}

/** Records an attempt that will be retried. False when another instance changed the item meanwhile. */
export async function markRetry(
  store: KeyValueStore,
  item: OutboxItem,
  version: string,
  update: { error: string; nextAttemptAt: string; at: string },
): Promise<boolean> {
  const next: OutboxItem = {
    ...withoutLease(item),
    attempts: item.attempts + 1,
    lastError: update.error,
    lastAttemptAt: update.at,
    nextAttemptAt: update.nextAttemptAt,
  };
  return (
    (await store.put(OUTBOX_SCOPES.pending, outboxKey(item.receiver, item.id), next, version)) !== undefined
  );
}

/**
 * Moves a pending item to delivered or dead. The final record is written first, then the pending
 * one removed: a crash in between leaves both, and the next pass sees the final record and only
 * tidies up.
 */
export async function finish(
  store: KeyValueStore,
  item: OutboxItem,
  state: 'delivered' | 'dead',
  update: { at: string; error?: string; attempted: boolean },
): Promise<void> {
  const key = outboxKey(item.receiver, item.id);
  const final: OutboxItem = {
    ...withoutLease(item),
    state,
    attempts: item.attempts + (update.attempted ? 1 : 0),
    finishedAt: update.at,
    ...(update.attempted ? { lastAttemptAt: update.at } : {}),
    ...(update.error !== undefined ? { lastError: update.error } : {}),
  };
  // A delivered record only keeps the id from being sent again: its body is not kept (a dead one
  // keeps it for replay).
  if (state === 'delivered') final.body = '';
  // Created, not replaced: a final record already there (a crash after it) stays as it was.
  await store.create(OUTBOX_SCOPES[state], key, final);
  await store.delete(OUTBOX_SCOPES.pending, key);
}

/** Whether a pending item already reached a final state (a crash between the two writes of `finish`). */
export async function isFinished(store: KeyValueStore, item: OutboxItemInput): Promise<boolean> {
  const key = outboxKey(item.receiver, item.id);
  return (
    (await store.get(OUTBOX_SCOPES.delivered, key)) !== undefined ||
    (await store.get(OUTBOX_SCOPES.dead, key)) !== undefined
  );
}

/** Tidies a pending record left behind by a crash inside `finish`. */
export async function dropPending(store: KeyValueStore, item: OutboxItemInput): Promise<void> {
  await store.delete(OUTBOX_SCOPES.pending, outboxKey(item.receiver, item.id));
}

/** Puts a dead item back to pending with a fresh attempt budget. False when it is not dead. */
export async function replayDead(
  store: KeyValueStore,
  receiver: string,
  id: string,
  now: Date,
): Promise<boolean> {
  const key = outboxKey(receiver, id);
  const dead = await store.get<OutboxItem>(OUTBOX_SCOPES.dead, key);
  if (!dead) return false;
  const item: OutboxItem = {
    ...withoutLease(dead.value),
    state: 'pending',
    attempts: 0,
    nextAttemptAt: now.toISOString(),
  };
  delete item.finishedAt;
  await store.put(OUTBOX_SCOPES.pending, key, item);
  await store.delete(OUTBOX_SCOPES.dead, key, dead.version);
  return true;
}

/** A receiver's own wait: set when it failed or asked to be left alone (Retry-After), read by every pass. */
export interface ReceiverPause {
  until: string;
  /** The receiver asked for it (Retry-After), so even a pass started by hand waits. */
  requested: boolean;
}

const PAUSES = 'outbox-receivers';

export async function readReceiverPause(
  store: KeyValueStore,
  receiver: string,
): Promise<ReceiverPause | undefined> {
  return (await store.get<ReceiverPause>(PAUSES, receiver))?.value;
}

export async function pauseReceiver(
  store: KeyValueStore,
  receiver: string,
  pause: ReceiverPause,
): Promise<void> {
  await store.put(PAUSES, receiver, pause);
}

export async function clearReceiverPause(store: KeyValueStore, receiver: string): Promise<void> {
  await store.delete(PAUSES, receiver);
}
