import type { EnrichedFailure } from '../model.js';
import { failureKey } from '../model.js';
import type { KeyValueStore } from '../state/keyValueStore.js';
import { updateEntry } from '../state/updateEntry.js';
import { GROUP_SAMPLE, NOTIFY_SCOPES } from './notifyScopes.js';
import type { NotifyPolicy } from './policy.js';

/**
 * NotReady alerts of one node held back while AKS node auto-repair may still fix the node. A hold
 * waits in one of three phases:
 * - grace: the node is NotReady and no repair has started. AKS treats a node as unhealthy after
 *   about 10 minutes NotReady and starts repairing it 5 minutes later, so the alert nearly always
 *   comes first;
 * - repair: a repair action started (Node…Start), which can take up to an hour in all;
 * - ended: an action reported its end (Node…End), which does not say the node is healthy, so the
 *   hold waits the grace period again for the node's alert to resolve or the next action to start.
 * Held alerts go out when the hold runs out (the node is still NotReady), or with the repair's
 * Node…Error; they are dropped when the node's alert resolves.
 */
export interface Hold {
  startedAt: string;
  until: string;
  /** Absent in holds stored by earlier versions, which held only during a repair. */
  phase?: 'grace' | 'repair' | 'ended';
  failures: EnrichedFailure[];
  /**
   * Who is sending what it held (a failure's key, or `due|…` for the timer). A taken hold is deleted
   * only once its failures are in the outbox, so a crash in between sends them on the replay.
   */
  takenBy?: string;
}

export const isRepairStart = (f: EnrichedFailure): boolean =>
  f.kind === 'node-auto-repair' && /start$/i.test(f.reason ?? '');
export const isRepairEnd = (f: EnrichedFailure): boolean =>
  f.kind === 'node-auto-repair' && /end$/i.test(f.reason ?? '');
export const isRepairError = (f: EnrichedFailure): boolean =>
  f.kind === 'node-auto-repair' && f.status === 'firing';
/** A node-not-ready signal: what auto-repair exists to fix, so worth holding while it may. */
export const isNodeNotReady = (f: EnrichedFailure): boolean =>
  f.node !== undefined &&
  f.kind === 'alert' &&
  /not ?ready/i.test(`${f.title} ${f.reason ?? ''} ${f.texts.join(' ')}`);

export const nodeKey = (f: EnrichedFailure): string =>
  `${(f.cluster?.resourceId ?? f.resourceId ?? '-').toLowerCase()}|${(f.node ?? '').toLowerCase()}`;

export type HoldResult = { held: true } | { held: false; released: EnrichedFailure[] };

export interface NodeHolds {
  repairStarted(f: EnrichedFailure, now: Date): Promise<void>;
  repairEnded(f: EnrichedFailure, now: Date): Promise<void>;
  /**
   * Holds a NotReady alert, or says it goes out now (with what a hold that ran out still had; that
   * hold is taken, and deleted by `release` once they are in the outbox).
   */
  hold(f: EnrichedFailure, now: Date): Promise<HoldResult>;
  /** The held alerts of the node a repair error is about (they go out with it; then `release`). */
  takeForRepairError(f: EnrichedFailure): Promise<EnrichedFailure[]>;
  /** Deletes a hold taken by `taker` (its failures are in the outbox). */
  release(node: string, taker: string): Promise<void>;
  /** Drops the held alerts a resolve pairs with; whether there were any. */
  recovered(resolve: EnrichedFailure): Promise<boolean>;
  /**
   * Holds that ran out, each taken by this caller only (or left taken by a caller that died: taken
   * over after `staleMs`). Release each with its `taker` once its failures are in the outbox.
   */
  takeDue(now: Date, staleMs: number): Promise<{ key: string; taker: string; hold: Hold }[]>;
}

export function createNodeHolds(store: KeyValueStore, policy: NotifyPolicy): NodeHolds {
  const scope = NOTIFY_SCOPES.holds;
  const after = (now: Date, ms: number) => new Date(now.getTime() + ms).toISOString();
  return {
    repairStarted: (f, now) =>
      updateEntry<Hold, undefined>(store, scope, nodeKey(f), (cur) => {
        // A hold being sent keeps what it had: the repair starts a hold of its own.
        const kept = cur?.takenBy === undefined ? cur : undefined;
        return {
          next: {
            startedAt: kept?.startedAt ?? now.toISOString(),
            until: after(now, policy.autoRepairHoldMs),
            phase: 'repair',
            failures: kept?.failures ?? [],
          },
          result: undefined,
        };
      }),

    repairEnded: (f, now) =>
      updateEntry<Hold, undefined>(store, scope, nodeKey(f), (cur) => {
        if (!cur || cur.takenBy !== undefined) return { result: undefined };
        // Nothing held: a NotReady alert after this starts its own grace period.
        if (cur.failures.length === 0) return { next: 'delete', result: undefined };
        return {
          next: { ...cur, phase: 'ended', until: after(now, policy.notReadyGraceMs) },
          result: undefined,
        };
      }),

    hold: (f, now) =>
      updateEntry<Hold, HoldResult>(store, scope, nodeKey(f), (cur) => {
        const me = failureKey(f);
        if (!cur)
          return {
            next: {
              startedAt: now.toISOString(),
              until: after(now, policy.notReadyGraceMs),
              phase: 'grace',
              failures: [f],
            },
            result: { held: true },
          };
        // Taken by this failure before a crash: the same answer again.
        if (cur.takenBy === me) return { result: { held: false, released: cur.failures } };
        // Being sent by someone else: this alert goes out on its own.
        if (cur.takenBy !== undefined) return { result: { held: false, released: [] } };
        if (cur.failures.some((x) => failureKey(x) === me)) return { result: { held: true } };
        if (Date.parse(cur.until) > now.getTime())
          return {
            next: { ...cur, failures: [...cur.failures, f].slice(-GROUP_SAMPLE) },
            result: { held: true },
          };
        // Ran out, not yet released: what it held goes out now, with this one.
        return { next: { ...cur, takenBy: me }, result: { held: false, released: cur.failures } };
      }),

    takeForRepairError: (f) =>
      updateEntry<Hold, EnrichedFailure[]>(store, scope, nodeKey(f), (cur) => {
        const me = failureKey(f);
        if (!cur || (cur.takenBy !== undefined && cur.takenBy !== me)) return { result: [] };
        if (cur.failures.length === 0) return { next: 'delete', result: [] };
        return cur.takenBy === me
          ? { result: cur.failures }
          : { next: { ...cur, takenBy: me }, result: cur.failures };
      }),

    release: (node, taker) =>
      updateEntry<Hold, undefined>(store, scope, node, (cur) =>
        cur?.takenBy === taker ? { next: 'delete', result: undefined } : { result: undefined },
      ),

    recovered: (resolve) =>
      updateEntry<Hold, boolean>(store, scope, nodeKey(resolve), (cur) => {
        if (!cur || cur.takenBy !== undefined) return { result: false };
        const left = cur.failures.filter((x) => x.fingerprint !== resolve.fingerprint);
        if (left.length === cur.failures.length) return { result: false };
        // A running repair still holds what comes next for the node; other holds end with their alerts.
        const repairing = cur.phase === 'repair' || cur.phase === undefined;
        if (left.length === 0 && !repairing) return { next: 'delete', result: true };
        return { next: { ...cur, failures: left }, result: true };
      }),

    async takeDue(now, staleMs) {
      const due: { key: string; taker: string; hold: Hold }[] = [];
      for await (const e of store.list<Hold>(scope)) {
        const hold = e.value;
        if (Date.parse(hold.until) > now.getTime()) continue;
        if (hold.failures.length === 0) {
          await store.delete(scope, e.key, e.version);
          continue;
        }
        const taker = `due|${e.key}|${hold.startedAt}`;
        // A taker that has not finished within staleMs died: its failures go out from here.
        const stale = Date.parse(hold.until) + staleMs <= now.getTime();
        if (hold.takenBy !== undefined && hold.takenBy !== taker && !stale) continue;
        if (hold.takenBy === taker) {
          due.push({ key: e.key, taker, hold });
          continue;
        }
        if ((await store.put(scope, e.key, { ...hold, takenBy: taker }, e.version)) !== undefined)
          due.push({ key: e.key, taker, hold });
      }
      return due;
    },
  };
}
