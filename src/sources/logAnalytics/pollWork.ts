import type { PlannedSlice } from './poll.js';
import { planPollSlices } from './poll.js';
import type { PollQueryName } from './queries.js';
import { POLL_QUERY_NAMES, isPollQueryName } from './queries.js';
import type { KeyValueStore } from '../../state/keyValueStore.js';
import { readWatermark, writeWatermark } from '../../state/watermarks.js';

/** One queue message: one query over one ingestion-time window of one workspace. */
export interface PollWorkItem extends PlannedSlice {
  /** 1 when first planned; higher when the range was planned again after its lease ran out. */
  attempt: number;
}

/** A planned range of one workspace's query, as the planning record keeps it. */
interface PlannedRange {
  start: string;
  end: string;
  /** Until then the range is in flight and is not planned again. */
  leaseUntil: string;
  done: boolean;
  attempts: number;
}

interface PlanRecord {
  /** The end of the newest range planned; the next plan continues from here (less the overlap). */
  plannedTo?: string;
  ranges: PlannedRange[];
}

export interface PlanPollWorkOptions {
  workspaceIds: readonly string[];
  queryNames?: readonly PollQueryName[];
  now: Date;
  overlapMs: number;
  initialLookbackMs: number;
  maxSliceMs?: number;
  /** How long a planned item may take before its range is planned again (default 15 min). */
  leaseMs?: number;
  /**
   * Ranges a query may have open (planned, not yet under the watermark) before no new range is
   * planned for it (default 100): a range that keeps failing holds its query back instead of
   * growing the record past what one Table Storage entity holds.
   */
  maxOpenRanges?: number;
}

export interface PollWorkPlan {
  items: PollWorkItem[];
  /** `workspace/query` pairs that got no new range because too many are open. */
  held: string[];
}

export const POLL_WORK_SCOPE = 'pollwork';
export const DEFAULT_LEASE_MS = 15 * 60_000;
export const DEFAULT_MAX_OPEN_RANGES = 100;

const keyOf = (workspaceId: string, queryName: string) => `${workspaceId.toLowerCase()}|${queryName}`;
const ms = (iso: string) => Date.parse(iso);
const sameRange = (a: { start: string; end: string }, b: { start: string; end: string }) =>
  ms(a.start) === ms(b.start) && ms(a.end) === ms(b.end);

/** Drops ranges the committed watermark already covers. */
function prune(ranges: PlannedRange[], watermark: string | undefined): PlannedRange[] {
  if (watermark === undefined) return ranges;
  const w = ms(watermark);
  return ranges.filter((r) => ms(r.end) > w);
}

/**
 * Plans the work of one poll for a queue fan-out: for every workspace and query, the ranges whose
 * lease ran out without completing (a lost or failed message) again, then the window from where the
 * last plan ended (less the overlap) to `now`, cut into slices. Each workspace/query keeps a record
 * of what is planned and in flight, written with conditional writes, so an in-flight range is not
 * planned twice and a lost one is planned again once its lease expires.
 */
export async function planPollWork(
  store: KeyValueStore,
  options: PlanPollWorkOptions,
): Promise<PollWorkPlan> {
  const now = options.now.getTime();
  const leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
  const maxOpen = options.maxOpenRanges ?? DEFAULT_MAX_OPEN_RANGES;
  const leaseUntil = new Date(now + leaseMs).toISOString();
  const plan: PollWorkPlan = { items: [], held: [] };
  for (const workspaceId of options.workspaceIds) {
    for (const queryName of options.queryNames ?? POLL_QUERY_NAMES) {
      const key = keyOf(workspaceId, queryName);
      for (let attempt = 0; ; attempt++) {
        if (attempt >= 20)
          throw new Error(`could not plan the poll work of ${workspaceId}/${queryName}: too much contention`);
        const watermark = await readWatermark(store, workspaceId, queryName);
        const current = await store.get<PlanRecord>(POLL_WORK_SCOPE, key);
        const ranges = prune(current?.value.ranges ?? [], watermark);
        const items: PollWorkItem[] = [];
        for (const r of ranges)
          if (!r.done && ms(r.leaseUntil) <= now) {
            r.attempts++;
            r.leaseUntil = leaseUntil;
            items.push({ workspaceId, queryName, start: r.start, end: r.end, attempt: r.attempts });
          }
        let plannedTo = current?.value.plannedTo;
        if (watermark !== undefined && (plannedTo === undefined || ms(watermark) > ms(plannedTo)))
          plannedTo = watermark;
        if (ranges.length >= maxOpen) plan.held.push(`${workspaceId}/${queryName}`);
        else {
          const fresh = planPollSlices({
            workspaceIds: [workspaceId],
            queryNames: [queryName],
            watermarkOf: () => plannedTo,
            now: options.now,
            overlapMs: options.overlapMs,
            initialLookbackMs: options.initialLookbackMs,
            ...(options.maxSliceMs !== undefined ? { maxSliceMs: options.maxSliceMs } : {}),
          });
          for (const s of fresh) {
            if (ranges.some((r) => sameRange(r, s))) continue;
            ranges.push({ start: s.start, end: s.end, leaseUntil, done: false, attempts: 1 });
            items.push({ ...s, attempt: 1 });
            if (plannedTo === undefined || ms(s.end) > ms(plannedTo)) plannedTo = s.end;
          }
        }
        ranges.sort((a, b) => ms(a.start) - ms(b.start));
        const next: PlanRecord = { ranges, ...(plannedTo !== undefined ? { plannedTo } : {}) };
        const written = current
          ? await store.put(POLL_WORK_SCOPE, key, next, current.version)
          : await store.create(POLL_WORK_SCOPE, key, next);
        if (written === undefined) continue;
        plan.items.push(...items);
        break;
      }
    }
  }
  return plan;
}

/**
 * The end of the contiguous run of completed ranges from the committed watermark (or from the
 * earliest range when there is none yet). A completed range after one still open does not count.
 */
function contiguousEnd(ranges: readonly PlannedRange[], watermark: string | undefined): string | undefined {
  let cursor = watermark;
  let end: string | undefined;
  for (const r of [...ranges].sort((a, b) => ms(a.start) - ms(b.start))) {
    // A range the watermark already covers is done, whatever this (possibly older) record says.
    if (cursor !== undefined && ms(r.end) <= ms(cursor)) continue;
    if (!r.done) break;
    if (cursor !== undefined && ms(r.start) > ms(cursor)) break;
    if (cursor === undefined || ms(r.end) > ms(cursor)) cursor = r.end;
    end = cursor;
  }
  return end;
}

export interface PollWorkCompletion {
  /** False when the range is not (or no longer) in the record. */
  recorded: boolean;
  /** The watermark stored after this completion, when it moved. */
  watermark?: string;
}

/**
 * Records an item as completed (its signals are handled) and moves the query's watermark over the
 * contiguous run of completed ranges. The watermark is written before the record drops the ranges it
 * covers, so a crash in between loses nothing (the next call prunes them). Idempotent.
 */
export async function completePollWork(
  store: KeyValueStore,
  item: Pick<PollWorkItem, 'workspaceId' | 'queryName' | 'start' | 'end'>,
): Promise<PollWorkCompletion> {
  const key = keyOf(item.workspaceId, item.queryName);
  for (let attempt = 0; attempt < 50; attempt++) {
    const current = await store.get<PlanRecord>(POLL_WORK_SCOPE, key);
    const watermark = await readWatermark(store, item.workspaceId, item.queryName);
    if (!current) return { recorded: false };
    const ranges = current.value.ranges.map((r) => ({ ...r }));
    const mine = ranges.find((r) => sameRange(r, item));
    // Gone from the record because the watermark covers it: still carry the watermark over any
    // completed ranges after it, which a completion racing this one may have left behind.
    const covered = watermark !== undefined && ms(item.end) <= ms(watermark);
    if (!mine && !covered) return { recorded: false };
    if (mine) mine.done = true;
    const end = contiguousEnd(ranges, watermark);
    const moved = end !== undefined && (watermark === undefined || ms(end) > ms(watermark));
    if (!mine && !moved) return { recorded: false };
    if (moved) await writeWatermark(store, item.workspaceId, item.queryName, end);
    const next: PlanRecord = { ...current.value, ranges: prune(ranges, moved ? end : watermark) };
    if ((await store.put(POLL_WORK_SCOPE, key, next, current.version)) === undefined) continue;
    const recorded = mine !== undefined;
    return moved ? { recorded, watermark: end } : { recorded };
  }
  throw new Error(
    `could not record the completion of ${item.workspaceId}/${item.queryName} ${item.start}..${item.end}: too much contention`,
  );
}

/** The message text of an item (the queue trigger decodes base64 and JSON). */
export function toPollWorkMessage(item: PollWorkItem): string {
  return Buffer.from(JSON.stringify(item), 'utf8').toString('base64');
}

const isIso = (v: unknown): v is string => typeof v === 'string' && !Number.isNaN(Date.parse(v));

/**
 * A work item from a queue message: the object the trigger parsed, its JSON text, or base64 JSON.
 * Throws an error naming what is wrong (the message then ends in the poison queue for inspection).
 */
export function fromPollWorkMessage(message: unknown): PollWorkItem {
  let value = message;
  if (typeof value === 'string') {
    const text = value.trim().startsWith('{') ? value : Buffer.from(value, 'base64').toString('utf8');
    try {
      value = JSON.parse(text) as unknown;
    } catch {
      throw new Error('poll work message is not JSON (nor base64 JSON)');
    }
  }
  if (typeof value !== 'object' || value === null) throw new Error('poll work message is not an object');
  const v = value as Record<string, unknown>;
  const problems: string[] = [];
  if (typeof v.workspaceId !== 'string' || !v.workspaceId) problems.push('workspaceId is missing');
  if (typeof v.queryName !== 'string' || !isPollQueryName(v.queryName))
    problems.push(`queryName must be one of ${POLL_QUERY_NAMES.join(', ')}`);
  if (!isIso(v.start)) problems.push('start is not a date-time');
  if (!isIso(v.end)) problems.push('end is not a date-time');
  if (isIso(v.start) && isIso(v.end) && ms(v.start) >= ms(v.end)) problems.push('start is not before end');
  if (problems.length > 0) throw new Error(`poll work message rejected: ${problems.join('; ')}`);
  return {
    workspaceId: v.workspaceId as string,
    queryName: v.queryName as PollQueryName,
    start: v.start as string,
    end: v.end as string,
    attempt: typeof v.attempt === 'number' && v.attempt >= 1 ? Math.floor(v.attempt) : 1,
  };
}
