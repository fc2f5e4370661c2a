import type { EnrichedFailure } from '../model.js';
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
  /** Holds a NotReady alert, or says it goes out now (with what a hold that ran out still had). */
  hold(f: EnrichedFailure, now: Date): Promise<HoldResult>;
  /** The held alerts of the node a repair error is about (they go out with it). */
  takeForRepairError(f: EnrichedFailure): Promise<EnrichedFailure[]>;
  /** Drops the held alerts a resolve pairs with; whether there were any. */
  recovered(resolve: EnrichedFailure): Promise<boolean>;
  /** Holds that ran out, each taken by this caller only. */
  takeDue(now: Date): Promise<{ key: string; hold: Hold }[]>;
}

export function createNodeHolds(store: KeyValueStore, policy: NotifyPolicy): NodeHolds {
  const scope = NOTIFY_SCOPES.holds;
  const after = (now: Date, ms: number) => new Date(now.getTime() + ms).toISOString();
  return {
    repairStarted: (f, now) =>
      updateEntry<Hold, undefined>(store, scope, nodeKey(f), (cur) => ({
        next: {
          startedAt: cur?.startedAt ?? now.toISOString(),
          until: after(now, policy.autoRepairHoldMs),
          phase: 'repair',
          failures: cur?.failures ?? [],
        },
        result: undefined,
      })),

    repairEnded: (f, now) =>
      updateEntry<Hold, undefined>(store, scope, nodeKey(f), (cur) => {
        if (!cur) return { result: undefined };
        // Nothing held: a NotReady alert after this starts its own grace period.
        if (cur.failures.length === 0) return { next: 'delete', result: undefined };
        return {
          next: { ...cur, phase: 'ended', until: after(now, policy.notReadyGraceMs) },
          result: undefined,
        };
      }),

    hold: (f, now) =>
      updateEntry<Hold, HoldResult>(store, scope, nodeKey(f), (cur) => {
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
        if (Date.parse(cur.until) > now.getTime())
          return {
            next: { ...cur, failures: [...cur.failures, f].slice(-GROUP_SAMPLE) },
            result: { held: true },
          };
        // Ran out, not yet released: what it held goes out now, with this one.
        return { next: 'delete', result: { held: false, released: cur.failures } };
      }),

    takeForRepairError: (f) =>
      updateEntry<Hold, EnrichedFailure[]>(store, scope, nodeKey(f), (cur) =>
        cur ? { next: 'delete', result: cur.failures } : { result: [] },
      ),

    recovered: (resolve) =>
      updateEntry<Hold, boolean>(store, scope, nodeKey(resolve), (cur) => {
        if (!cur) return { result: false };
        const left = cur.failures.filter((x) => x.fingerprint !== resolve.fingerprint);
        if (left.length === cur.failures.length) return { result: false };
        // A running repair still holds what comes next for the node; other holds end with their alerts.
        const repairing = cur.phase === 'repair' || cur.phase === undefined;
        if (left.length === 0 && !repairing) return { next: 'delete', result: true };
        return { next: { ...cur, failures: left }, result: true };
      }),

    async takeDue(now) {
      const due: { key: string; hold: Hold }[] = [];
      for await (const e of store.list<Hold>(scope)) {
        if (Date.parse(e.value.until) > now.getTime()) continue;
        if (await store.delete(scope, e.key, e.version)) due.push({ key: e.key, hold: e.value });
      }
      return due;
    },
  };
}
