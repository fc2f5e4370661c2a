import type { FailureSignal } from '../model.js';

/**
 * Where every source hands its signals: enrichment, dedup, routing and the outbox happen behind it.
 * Idempotent per signal (`source` + `sourceId`): handing over the same signal again is counted as a
 * duplicate and produces no second notification, so callers may retry a whole batch after a failure.
 * Throws when the batch could not be taken over (state store unavailable); nothing is then half-done
 * in a way a retry cannot repair.
 */
export interface SignalProcessor {
  process(signals: FailureSignal[]): Promise<{ enqueued: number; duplicates: number }>;
}
