import type { PipelineDeps, ProcessOptions } from './processSignals.js';
import { processSignals, unseenSignals } from './processSignals.js';
import type { SignalProcessor } from '../ports.js';

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
