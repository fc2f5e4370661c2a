import type { PipelineDeps, ProcessReport } from './processSignals.js';
import { processSignals } from './processSignals.js';
import type { SliceOptions } from '../sources/logAnalytics/poll.js';
import { pollSlice } from '../sources/logAnalytics/poll.js';
import type { LogsQuerier } from '../sources/logAnalytics/queryLogs.js';
import type { KeyValueStore } from '../state/keyValueStore.js';
import type { PollWorkItem } from '../sources/logAnalytics/pollWork.js';
import { completePollWork } from '../sources/logAnalytics/pollWork.js';

/** At most `limit` tasks at once in this process; the rest wait their turn in order. */
export interface Gate {
  run<T>(task: () => Promise<T>): Promise<T>;
}

export function createGate(limit: number): Gate {
  const max = Math.max(1, Math.floor(limit) || 1);
  let active = 0;
  const waiting: (() => void)[] = [];
  return {
    async run(task) {
      if (active >= max) await new Promise<void>((resolve) => waiting.push(resolve));
      else active++;
      try {
        return await task();
      } finally {
        // Hand the slot straight to the next waiter, so a newcomer cannot overtake it.
        const next = waiting.shift();
        if (next) next();
        else active--;
      }
    },
  };
}

export interface PollItemDeps {
  store: KeyValueStore;
  pipeline: PipelineDeps;
  client: LogsQuerier;
  /**
   * Bounds the Log Analytics queries this process runs at once (the queue trigger hands one
   * instance many messages concurrently; the API allows 5 concurrent queries per identity).
   */
  gate?: Gate;
  query?: SliceOptions;
}

export interface PollItemReport extends ProcessReport {
  rowErrors: string[];
  notes: string[];
  /** The watermark stored after this item, when it moved. */
  watermark?: string;
}

/** A query of an item failed or returned partial rows: the message must be processed again. */
export class PollItemError extends Error {
  constructor(
    message: string,
    readonly report: PollItemReport,
  ) {
    super(message);
    this.name = 'PollItemError';
  }
}

/**
 * One work item: its query over its window, the signals through the pipeline, then the completion
 * record (which moves the watermark when the run before it is complete). A failed or partial query
 * throws after what did arrive was processed (idempotently, so the redelivery sends nothing twice);
 * the queue redelivers the message and, after its last attempt, moves it to the poison queue, and
 * the range is planned again once its lease runs out.
 */
export async function processPollItem(deps: PollItemDeps, item: PollWorkItem): Promise<PollItemReport> {
  const query = () => pollSlice(deps.client, item, deps.query);
  const slice = await (deps.gate ? deps.gate.run(query) : query());
  const processed = await processSignals(deps.pipeline, slice.signals);
  const report: PollItemReport = {
    ...processed,
    rowErrors: slice.rowErrors,
    notes: slice.notes ?? [],
  };
  if (!slice.complete || slice.error !== undefined)
    throw new PollItemError(
      `poll item ${item.workspaceId}/${item.queryName} ${item.start}..${item.end} (attempt ${String(item.attempt)}): ${slice.error ?? 'incomplete result'}`,
      report,
    );
  const completion = await completePollWork(deps.store, item);
  if (completion.watermark !== undefined) report.watermark = completion.watermark;
  return report;
}
