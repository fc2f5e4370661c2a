import type { FailureSignal } from '../model.js';
import type { PipelineDeps, ProcessOptions } from './processSignals.js';
import { processSignals, unseenSignals } from './processSignals.js';

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

/**
 * The pipeline as a SignalProcessor. `afterBatch` runs once the batch is in the outbox (delivery of
 * what is due); its failure is not the source's problem, so it is reported, never thrown.
 */
export function createSignalProcessor(
  deps: PipelineDeps,
  options: ProcessOptions & { afterBatch?: () => Promise<void>; onProblem?: (message: string) => void } = {},
): SignalProcessor {
  return {
    unseen: (signals) => unseenSignals(deps, signals),
    async process(signals) {
      const report = await processSignals(deps, signals, options);
      for (const p of report.problems) options.onProblem?.(p);
      if (options.afterBatch) {
        try {
          await options.afterBatch();
        } catch (err) {
          options.onProblem?.(
            `delivery after the batch failed: ${err instanceof Error ? err.message : String(err)}`,
          );
        }
      }
      return { enqueued: report.processed, duplicates: report.duplicates };
    },
  };
}
