import type { PollSlice } from '../sources/logAnalytics/poll.js';
import type { PipelineDeps, ProcessReport } from './processSignals.js';
import { addReport } from './processSignals.js';
import { emptyReport, processSignals, releaseDue } from './processSignals.js';

/** One query over one time slice of one workspace, as the Log Analytics poller yields it. */
export type PollSliceResult = PollSlice;

export interface PollRunDeps {
  pipeline: PipelineDeps;
  slices: AsyncIterable<PollSliceResult>;
  writeWatermark(workspaceId: string, queryName: string, iso: string): Promise<void>;
  /** Called once per slice handled, for progress output. */
  onSlice?: (slice: PollSliceResult, report: ProcessReport) => void;
}

export interface PollRunReport extends ProcessReport {
  slices: number;
  /** Queries that failed or returned partial results: the run must be retried for these. */
  failed: string[];
  rowErrors: string[];
  /** Watermarks stored, per `workspace/query`. */
  watermarks: Record<string, string>;
}

/**
 * The watermark a query may move to: the end of the last slice of the contiguous run of complete
 * slices from the earliest one. Slices may finish out of order (they run concurrently), so a
 * complete slice after an incomplete one does not count: its rows come again next time and are
 * recognised as duplicates.
 */
export function safeWatermark(slices: readonly Pick<PollSliceResult, 'start' | 'complete' | 'advanceTo'>[]) {
  const ordered = [...slices].sort((a, b) => Date.parse(a.start) - Date.parse(b.start));
  let mark: string | undefined;
  for (const s of ordered) {
    if (!s.complete || !s.advanceTo) break;
    mark = s.advanceTo;
  }
  return mark;
}

/**
 * One poll: every slice's signals go through the pipeline as they arrive; watermarks move only
 * past fully processed slices; due group updates and holds are released at the end. Query
 * failures are reported in `failed` (the caller fails the run so the platform retries) after
 * everything that did arrive has been handled, so a good workspace is never held back by a bad one.
 */
export async function runPoll(deps: PollRunDeps, options: { keepEnriched?: boolean } = {}) {
  const report: PollRunReport = { ...emptyReport(), slices: 0, failed: [], rowErrors: [], watermarks: {} };
  const byQuery = new Map<string, PollSliceResult[]>();
  for await (const slice of deps.slices) {
    report.slices++;
    const part = await processSignals(deps.pipeline, slice.signals, options);
    addReport(report, part);
    for (const e of slice.rowErrors) report.rowErrors.push(`${slice.workspaceId}/${slice.queryName}: ${e}`);
    if (!slice.complete || slice.error)
      report.failed.push(
        `${slice.workspaceId}/${slice.queryName} ${slice.start}..${slice.end}: ${slice.error ?? 'incomplete'}`,
      );
    const key = `${slice.workspaceId}/${slice.queryName}`;
    const list = byQuery.get(key) ?? [];
    list.push({ ...slice, signals: [] });
    byQuery.set(key, list);
    deps.onSlice?.(slice, part);
  }
  for (const [key, list] of byQuery) {
    const mark = safeWatermark(list);
    const first = list[0];
    if (mark === undefined || !first) continue;
    await deps.writeWatermark(first.workspaceId, first.queryName, mark);
    report.watermarks[key] = mark;
  }
  addReport(report, await releaseDue(deps.pipeline));
  return report;
}
