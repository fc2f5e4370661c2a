import type { FailureSignal } from '../../model.js';
import type { PollQueryName } from './queries.js';
import { POLL_QUERY_NAMES, QUERY_TABLES, buildQuery, rowParser } from './queries.js';
import type { LogsQuerier, QueryLogsOptions } from './queryLogs.js';
import { queryLogs } from './queryLogs.js';
import type { LogRow } from './rowCells.js';
import { rowErrorText } from './rowCells.js';

export { createLogsQueryClient } from './queryLogs.js';

/** One query over one time slice of one workspace: what it found, and how far the watermark may move. */
export interface PollSlice {
  workspaceId: string;
  queryName: string;
  /** Ingestion-time window [start, end), ISO. */
  start: string;
  end: string;
  signals: FailureSignal[];
  rowErrors: string[];
  complete: boolean;
  error?: string;
  /** The watermark the caller may store after handling this slice's signals; absent when incomplete. */
  advanceTo?: string;
  /** Things worth knowing that are not errors (e.g. a table the workspace lacks). */
  notes?: string[];
}

/** A unit of work: one query over one ingestion-time window of one workspace (one queue message). */
export interface PlannedSlice {
  workspaceId: string;
  queryName: PollQueryName;
  start: string;
  end: string;
}

export interface PlanOptions {
  workspaceIds: readonly string[];
  queryNames?: readonly PollQueryName[];
  /** The stored watermark of a workspace's query (ISO), if any. */
  watermarkOf(workspaceId: string, queryName: PollQueryName): string | undefined;
  now: Date;
  /** Re-read this much before the watermark: rows that became queryable late near the boundary. */
  overlapMs: number;
  /** Look-back of a query that has no watermark yet. */
  initialLookbackMs: number;
  /** Longer windows are cut into slices of at most this length (default 6 h). */
  maxSliceMs?: number;
}

export const DEFAULT_MAX_SLICE_MS = 6 * 3_600_000;

/**
 * Pure plan of a poll: workspace x query x time slice, each window running from the watermark less
 * the overlap (or the initial look-back) to `now`, cut into slices of at most `maxSliceMs`.
 */
export function planPollSlices(options: PlanOptions): PlannedSlice[] {
  const end = options.now.getTime();
  const maxSlice = Math.max(1_000, options.maxSliceMs ?? DEFAULT_MAX_SLICE_MS);
  const out: PlannedSlice[] = [];
  for (const workspaceId of options.workspaceIds) {
    for (const queryName of options.queryNames ?? POLL_QUERY_NAMES) {
      const mark = options.watermarkOf(workspaceId, queryName);
      const markMs = mark === undefined ? Number.NaN : Date.parse(mark);
      let start = Number.isNaN(markMs) ? end - options.initialLookbackMs : markMs - options.overlapMs;
      start = Math.min(start, end - options.overlapMs);
      for (let s = start; s < end; s += maxSlice) {
        const e = Math.min(end, s + maxSlice);
        out.push({
          workspaceId,
          queryName,
          start: new Date(s).toISOString(),
          end: new Date(e).toISOString(),
        });
      }
    }
  }
  return out;
}

export interface SliceOptions extends QueryLogsOptions {
  /**
   * How long after its TimeGenerated a row may still be ingested and found (default 2 days). The API
   * filters the request timespan by TimeGenerated, so it must reach back further than the window.
   */
  maxLatenessMs?: number;
  /** A window that hits a limit is split, but not below this length (default 1 s). */
  minSliceMs?: number;
}

const DEFAULT_MAX_LATENESS_MS = 2 * 86_400_000;
const FUTURE_SLACK_MS = 3_600_000;

function cellMs(v: unknown): number {
  if (v instanceof Date) return v.getTime();
  if (typeof v === 'string') return Date.parse(v);
  return Number.NaN;
}

interface ParsedRows {
  signals: FailureSignal[];
  rowErrors: string[];
}

function parseRows(
  slice: PlannedSlice,
  query: string,
  columns: readonly string[],
  rows: (unknown[] | undefined)[],
  keep: (row: unknown[]) => boolean,
): ParsedRows {
  const parse = rowParser(slice.queryName);
  const signals: FailureSignal[] = [];
  const rowErrors: string[] = [];
  const logQuery = { query, start: slice.start, end: slice.end };
  // One record reused for every row (parsers keep values, never the record): a million rows make
  // a million fewer objects for the collector. Later duplicate column names do not overwrite.
  const rec: LogRow = {};
  const slot = columns.map((name, c) => (columns.indexOf(name) === c ? name : undefined));
  rows.forEach((row, i) => {
    if (row === undefined || !keep(row)) return;
    for (let c = 0; c < slot.length; c++) {
      const name = slot[c];
      if (name !== undefined) rec[name] = row[c];
    }
    const outcome = parse(rec, () => `row ${String(i)} of ${slice.queryName} ${slice.start}..${slice.end}`);
    // Done with this row: let the collector take it while the rest of the page is parsed.
    rows[i] = undefined;
    if ('signal' in outcome) {
      outcome.signal.workspaceId = slice.workspaceId;
      outcome.signal.logQuery = logQuery;
      signals.push(outcome.signal);
    } else if ('error' in outcome) rowErrors.push(rowErrorText(outcome.error));
  });
  return { signals, rowErrors };
}

/**
 * One planned slice, yielded as the parts it was split into (in time order). A window whose result
 * hits the API's size limit is paged: the queries sort by ingestion time, so the rows before the last
 * ingestion time received are complete and the next page starts there. A window that times out (or
 * cannot be paged) is halved. A failure ends the slice with one incomplete part covering the rest.
 */
export async function* pollSliceParts(
  client: LogsQuerier,
  slice: PlannedSlice,
  options: SliceOptions = {},
): AsyncGenerator<PollSlice> {
  const lateness = options.maxLatenessMs ?? DEFAULT_MAX_LATENESS_MS;
  const minSlice = Math.max(1, options.minSliceMs ?? 1_000);
  const sliceEnd = Date.parse(slice.end);
  const windows: [number, number][] = [[Date.parse(slice.start), sliceEnd]];
  while (windows.length > 0) {
    const [ws, we] = windows.shift() as [number, number];
    const part: PlannedSlice = {
      ...slice,
      start: new Date(ws).toISOString(),
      end: new Date(we).toISOString(),
    };
    const base = {
      workspaceId: slice.workspaceId,
      queryName: slice.queryName,
      start: part.start,
      end: part.end,
    };
    const query = buildQuery(slice.queryName, new Date(ws), new Date(we));
    const result = await queryLogs(
      client,
      slice.workspaceId,
      query,
      { startTime: new Date(ws - lateness), endTime: new Date(Math.max(we, Date.now()) + FUTURE_SLACK_MS) },
      options,
    );
    if (result.status === 'failed') {
      // Only a table the query reads may be missing; any other unresolved name is a broken query.
      if (
        result.kind === 'missing-table' &&
        result.table &&
        QUERY_TABLES[slice.queryName].includes(result.table)
      ) {
        yield {
          ...base,
          signals: [],
          rowErrors: [],
          complete: true,
          advanceTo: part.end,
          notes: [result.error],
        };
        continue;
      }
      if (result.kind === 'timeout' && we - ws > minSlice) {
        const mid = ws + Math.floor((we - ws) / 2);
        windows.unshift([ws, mid], [mid, we]);
        continue;
      }
      const rest = { ...base, end: slice.end };
      const error =
        result.kind === 'missing-table'
          ? `Log Analytics workspace ${slice.workspaceId}: query ${slice.queryName} names '${result.table ?? '?'}', which is not one of its tables and does not resolve`
          : result.error;
      yield { ...rest, signals: [], rowErrors: [], complete: false, error };
      return;
    }
    const table = result.tables[0];
    const columns = table ? table.columnDescriptors.map((c) => c.name) : [];
    const rows = table?.rows ?? [];
    if (result.status === 'ok') {
      const parsed = parseRows(part, query, columns, rows, () => true);
      yield { ...base, ...parsed, complete: true, advanceTo: part.end };
      continue;
    }
    if (result.limitExceeded) {
      const at = columns.indexOf('IngestedAt');
      let last = Number.NaN;
      if (at >= 0)
        for (const r of rows) {
          const ms = cellMs(r[at]);
          if (!Number.isNaN(ms) && !(ms <= last)) last = ms;
        }
      if (last > ws && last < we) {
        // Rows at the last instant may be cut off: they are read again with the next page.
        const pageEnd = new Date(last).toISOString();
        const page = { ...part, end: pageEnd };
        const parsed = parseRows(page, query, columns, rows, (r) => cellMs(r[at]) < last);
        yield { ...base, end: pageEnd, ...parsed, complete: true, advanceTo: pageEnd };
        windows.unshift([last, we]);
        continue;
      }
      if (we - ws > minSlice) {
        const mid = ws + Math.floor((we - ws) / 2);
        windows.unshift([ws, mid], [mid, we]);
        continue;
      }
    }
    // Partial rows are kept; the slice stays incomplete so the watermark does not pass it.
    const parsed = parseRows(part, query, columns, rows, () => true);
    yield { ...base, ...parsed, complete: false, error: result.error };
  }
}

/** One planned slice as one result (for a queue fan-out: one message, one slice). */
export async function pollSlice(
  client: LogsQuerier,
  slice: PlannedSlice,
  options: SliceOptions = {},
): Promise<PollSlice> {
  const merged: PollSlice = { ...slice, signals: [], rowErrors: [], complete: true };
  const errors: string[] = [];
  const notes: string[] = [];
  for await (const part of pollSliceParts(client, slice, options)) {
    for (const s of part.signals) merged.signals.push(s);
    for (const e of part.rowErrors) merged.rowErrors.push(e);
    if (!part.complete) merged.complete = false;
    if (part.error) errors.push(part.error);
    if (part.notes) notes.push(...part.notes);
  }
  if (errors.length > 0) merged.error = errors.join('; ');
  if (notes.length > 0) merged.notes = [...new Set(notes)];
  if (merged.complete) merged.advanceTo = slice.end;
  return merged;
}

export interface PollOptions {
  client: LogsQuerier;
  workspaceIds: string[];
  readWatermark(workspaceId: string, queryName: string): Promise<string | undefined>;
  now: Date;
  overlapMs: number;
  initialLookbackMs: number;
  /** Queries in flight at once; capped at 5, the API's concurrent-query limit per identity. */
  maxConcurrency: number;
  queryNames?: readonly PollQueryName[];
  maxSliceMs?: number;
  query?: SliceOptions;
}

export const MAX_CONCURRENT_QUERIES = 5;

/**
 * Polls every workspace's queries from their watermarks to `now`, at most `maxConcurrency` queries at
 * a time, yielding each slice (or page of a slice) as it completes. Slices of different queries and
 * workspaces finish out of order; a caller stores a query's watermark only up to its first incomplete
 * slice. Results are buffered only a little ahead of the consumer.
 */
export async function* pollWorkspaces(options: PollOptions): AsyncGenerator<PollSlice> {
  const names = options.queryNames ?? POLL_QUERY_NAMES;
  const marks = new Map<string, string | undefined>();
  await Promise.all(
    options.workspaceIds.flatMap((ws) =>
      names.map(async (q) => marks.set(`${ws}\u0000${q}`, await options.readWatermark(ws, q))),
    ),
  );
  const plan = planPollSlices({
    workspaceIds: options.workspaceIds,
    queryNames: names,
    watermarkOf: (ws, q) => marks.get(`${ws}\u0000${q}`),
    now: options.now,
    overlapMs: options.overlapMs,
    initialLookbackMs: options.initialLookbackMs,
    ...(options.maxSliceMs !== undefined ? { maxSliceMs: options.maxSliceMs } : {}),
  });
  const limit = Math.max(1, Math.min(MAX_CONCURRENT_QUERIES, Math.floor(options.maxConcurrency) || 1));
  yield* runBounded(plan, limit, (slice) => pollSliceParts(options.client, slice, options.query));
}

/**
 * Runs `work` over `items` with at most `limit` running at once and yields their outputs as they come.
 * Workers wait while `limit` outputs are buffered, so a slow consumer bounds memory.
 */
export async function* runBounded<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T) => AsyncIterable<R>,
): AsyncGenerator<R> {
  const buffer: R[] = [];
  let next = 0;
  let running = 0;
  let failure: { error: unknown } | undefined;
  const state = { closed: false };
  // A function, so the check is not narrowed away across awaits.
  const isClosed = () => state.closed;
  let wakeConsumer: (() => void) | undefined;
  const wakeProducers: (() => void)[] = [];
  const notifyConsumer = () => {
    const w = wakeConsumer;
    wakeConsumer = undefined;
    w?.();
  };

  const worker = async () => {
    while (!state.closed && failure === undefined && next < items.length) {
      const item = items[next++] as T;
      try {
        for await (const out of work(item)) {
          while (buffer.length >= limit && !isClosed()) await new Promise<void>((r) => wakeProducers.push(r));
          if (isClosed()) return;
          buffer.push(out);
          notifyConsumer();
        }
      } catch (error) {
        failure ??= { error };
        notifyConsumer();
        return;
      }
    }
  };

  for (let i = 0; i < Math.min(limit, items.length); i++) {
    running++;
    void worker().finally(() => {
      running--;
      notifyConsumer();
    });
  }
  try {
    for (;;) {
      if (buffer.length > 0) {
        const out = buffer.shift() as R;
        wakeProducers.shift()?.();
        yield out;
        continue;
      }
      if (failure) throw failure.error;
      if (running === 0) return;
      await new Promise<void>((r) => (wakeConsumer = r));
    }
  } finally {
    state.closed = true;
    for (const w of wakeProducers.splice(0)) w();
  }
}
