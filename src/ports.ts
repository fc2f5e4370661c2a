/**
 * The pipeline's ports: what its stages and sources see of each other, as interfaces only, so that
 * every part depends on these and none on the part that implements them.
 */
import type {
  ClusterContext,
  ClusterRef,
  EnrichedFailure,
  FailureMatch,
  FailureSignal,
  Notification,
} from './model.js';

/** ARM context as the pipeline needs it; a failed look-up never stops enrichment. */
export interface ContextPort {
  get(
    cluster: ClusterRef,
    nodePool?: string,
  ): Promise<
    /** `error`: part of the context (the node pool) could not be read; the rest is there. */
    { ok: true; context: ClusterContext; error?: string } | { ok: false; error: string; transient: boolean }
  >;
}

/** Whether a node pool was rolling (upgrade, node-image update) at a time. */
export interface RollingPort {
  isRolling(cluster: ClusterRef, nodePool: string, at: Date): Promise<boolean>;
}

/** Grouping, repeat, holds and silences. */
export interface PlanOutcome {
  notifications: Notification[];
  held: EnrichedFailure[];
  suppressed: EnrichedFailure[];
  silenced: { failure: EnrichedFailure }[];
  /** Resolves that took back a held or not yet sent failure: nothing was sent, nothing will be. */
  recovered: EnrichedFailure[];
}

/**
 * Hands notifications to the outbox (routed, rendered, stored). The planner calls it before it
 * marks the step that produced them done (a window deleted, a hold released), so a crash in between
 * replays the step rather than losing what it produced. Idempotent per notification id.
 */
export type EmitNotifications = (notifications: Notification[]) => Promise<void>;

/**
 * Without `emit` the notifications are only returned (what a dry run or a test needs); with it, each
 * is in the outbox before anything that depends on it is marked done.
 */
export interface PlannerPort {
  plan(failures: EnrichedFailure[], now: Date, emit?: EmitNotifications): Promise<PlanOutcome>;
  releaseDue(now: Date, emit?: EmitNotifications): Promise<PlanOutcome>;
}

/** One rendered notification for one receiver, ready for the outbox. */
export interface OutgoingNotification {
  receiver: string;
  notification: Notification;
}

/** Routing + rendering + the outbox, behind one port: enqueue is idempotent per receiver and id. */
export interface DispatchPort {
  /** Receiver names a notification goes to (empty: no route matched). */
  route(notification: Notification): string[];
  /** Whether a receiver's sink can take the notification (PagerDuty cannot close part of an incident). */
  accepts(receiver: string, notification: Notification): boolean;
  /**
   * Renders and stores each item in the outbox before anything is sent. `fresh`: the notifications
   * were just decided for the first time, so none can be in the outbox already.
   */
  enqueue(
    items: OutgoingNotification[],
    options?: { fresh?: boolean },
  ): Promise<{ added: number; existing: number; errors: string[] }>;
  /** Counts held / suppressed / silenced per receiver for the digest's delivery health. */
  count(receiver: string, counter: 'held' | 'suppressed' | 'silenced', n: number, at: Date): Promise<void>;
}

/**
 * Where every source hands its signals: enrichment, dedup, routing and the outbox happen behind it.
 * Idempotent per signal (`source` + `sourceId`): handing over the same signal again is counted as a
 * duplicate and produces no second notification, so callers may retry a whole batch after a failure.
 * Throws when the batch could not be taken over (state store unavailable); nothing is then half-done
 * in a way a retry cannot repair.
 */
export interface SignalProcessor {
  process(signals: FailureSignal[]): Promise<{ enqueued: number; duplicates: number }>;
  /** The signals not processed yet, so a source can spare look-ups for a redelivered batch. */
  unseen?(signals: FailureSignal[]): Promise<FailureSignal[]>;
}

/** The catalog as enrichment sees it. */
export interface CatalogLookup {
  /**
   * Matches one raw failure text: entries best first, plus error codes the catalog lacks, and the
   * error it reports as one key (see `catalogLookup`), when it names one.
   */
  matchText(text: string): { matches: FailureMatch[]; unrecognised: string[]; errorKey?: string };
}
