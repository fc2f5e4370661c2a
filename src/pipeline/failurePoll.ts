import type { DeliveryReport } from '../deliver/delivery.js';
import type { LogsQuerier } from '../sources/logAnalytics/queryLogs.js';
import { pollWorkspaces } from '../sources/logAnalytics/poll.js';
import { readWatermark, writeWatermark } from '../state/watermarks.js';
import type { PollRunReport } from './runPoll.js';
import { runPoll } from './runPoll.js';
import { releaseDue } from './processSignals.js';
import type { Pipeline } from './pipeline.js';

export interface FailurePollDeps {
  pipeline: Pipeline;
  client: LogsQuerier;
  workspaceIds: string[];
  overlapMs: number;
  initialLookbackMs: number;
  maxConcurrency: number;
}

export interface FailurePollResult {
  poll: PollRunReport;
  delivery: DeliveryReport;
}

/**
 * One scheduled poll: every workspace from its watermarks to now through the pipeline, then
 * delivery of what is due. Delivery runs even when a query failed (what did arrive is sent); the
 * caller fails the run afterwards so the platform retries, and the watermark of a failed query
 * has not moved.
 */
export async function runFailurePoll(deps: FailurePollDeps): Promise<FailurePollResult> {
  const store = deps.pipeline.deps.store;
  const poll = await runPoll({
    pipeline: deps.pipeline.deps,
    slices: pollWorkspaces({
      client: deps.client,
      workspaceIds: deps.workspaceIds,
      readWatermark: (ws, q) => readWatermark(store, ws, q),
      now: deps.pipeline.deps.now(),
      overlapMs: deps.overlapMs,
      initialLookbackMs: deps.initialLookbackMs,
      maxConcurrency: deps.maxConcurrency,
    }),
    writeWatermark: (ws, q, iso) => writeWatermark(store, ws, q, iso),
  });
  const delivery = await deps.pipeline.deliver();
  return { poll, delivery };
}

/** Releases group updates and expired holds, then delivers what is due (retries included). */
export async function runOutboxRetry(
  pipeline: Pipeline,
): Promise<{ released: number; delivery: DeliveryReport }> {
  const released = await releaseDue(pipeline.deps);
  const delivery = await pipeline.deliver();
  return { released: released.enqueued, delivery };
}
