// Log Analytics as a digest source: the poll's queries over the digest window, enriched on the way in.
import type { DigestSource } from '../../digest/collectDigest.js';
import { enrichSignals } from '../../digest/collectDigest.js';
import type { FailureSignal } from '../../model.js';
import type { LogsQuerier } from './queryLogs.js';
import type { PollSlice, SliceOptions } from './poll.js';
import { planPollSlices, pollSliceParts, runBounded } from './poll.js';

export interface WorkspaceSourceOptions {
  client: LogsQuerier;
  workspaceIds: readonly string[];
  /** Slices of at most this length are queried (default 2 h); a slice over the size limit is paged. */
  maxSliceMs?: number;
  maxConcurrency?: number;
  query?: SliceOptions;
}

/**
 * Log Analytics rows over the range, through the poll queries: the range is cut into slices, each
 * slice paged or halved at the 500,000-row / ~100 MB limits, at most 5 queries in flight, and each
 * page parsed, enriched and handed on before the next is buffered: memory is bounded by a page, not
 * by the day. Rows are chosen by ingestion time, as the poll does.
 */
export function workspaceSource(options: WorkspaceSourceOptions): DigestSource {
  return {
    name: `Log Analytics ${options.workspaceIds.join(', ')}`,
    async *failures(range, report) {
      const plan = planPollSlices({
        workspaceIds: options.workspaceIds,
        watermarkOf: () => undefined,
        now: range.end,
        overlapMs: 0,
        initialLookbackMs: range.end.getTime() - range.start.getTime(),
        maxSliceMs: options.maxSliceMs ?? 2 * 3_600_000,
      });
      let rows = 0;
      let bad = 0;
      const limit = Math.max(1, Math.min(5, options.maxConcurrency ?? 3));
      for await (const part of runBounded(plan, limit, (slice) =>
        inChunks(pollSliceParts(options.client, slice, options.query)),
      )) {
        rows += part.signals.length;
        bad += part.rowErrors.length;
        if (part.error)
          report.problem(`${part.workspaceId} ${part.queryName} ${part.start}..${part.end}: ${part.error}`);
        for (const n of part.notes ?? []) report.note(n);
        const signals = part.signals;
        part.signals = [];
        yield* enrichSignals(signals);
      }
      report.note(
        `Log Analytics: ${String(rows)} failure rows from ${String(options.workspaceIds.length)} workspace(s)`,
      );
      if (bad > 0) report.problem(`Log Analytics: ${String(bad)} rows could not be read`);
    },
  };
}

/** Signals per part handed to the consumer. */
export const CHUNK_SIGNALS = 5_000;

/**
 * A page's signals in parts of at most CHUNK_SIGNALS, each signal let go by the page once handed on.
 * Enrichment is slower than fetching, so parts wait for it (in the buffer and in each worker): whole
 * pages of up to 100 MB waiting there raised the live heap the 1,000,000-row digest needs past 384 MB;
 * small parts do not. Row errors, the error and the notes go with the first part only.
 */
export async function* inChunks(parts: AsyncIterable<PollSlice>): AsyncGenerator<PollSlice> {
  for await (const part of parts) {
    if (part.signals.length <= CHUNK_SIGNALS) {
      yield part;
      continue;
    }
    const page: (FailureSignal | undefined)[] = part.signals;
    const { signals: _all, rowErrors, error, notes, ...rest } = part;
    for (let i = 0; i < page.length; i += CHUNK_SIGNALS) {
      const signals: FailureSignal[] = [];
      for (let j = i; j < Math.min(page.length, i + CHUNK_SIGNALS); j++) {
        signals.push(page[j] as FailureSignal);
        page[j] = undefined;
      }
      yield i === 0
        ? {
            ...rest,
            signals,
            rowErrors,
            ...(error !== undefined ? { error } : {}),
            ...(notes ? { notes } : {}),
          }
        : { ...rest, signals, rowErrors: [] };
    }
  }
}
