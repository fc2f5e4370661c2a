import { catalogLookup } from '../catalog/catalogLookup.js';
import type { CatalogLookup } from '../ports.js';
import { enrichFailure } from '../enrich/enrichFailure.js';
import type { EnrichedFailure, FailureSignal } from '../model.js';
import type { ContextPort } from '../ports.js';
import { readHealth } from '../state/deliveryHealth.js';
import type { KeyValueStore } from '../state/keyValueStore.js';
import type { AggregateLimits } from './aggregate.js';
import { DEFAULT_LIMITS, createDigestAggregator } from './aggregate.js';
import type { Digest, DigestWindow } from '../model.js';

/** Where digest rows come from: each yields enriched failures, and says what it read or could not. */
export interface DigestSource {
  name: string;
  failures(range: { start: Date; end: Date }, report: SourceReport): AsyncIterable<EnrichedFailure>;
}

export interface SourceReport {
  note(text: string): void;
  problem(text: string): void;
}

/**
 * Pull-source signals enriched with the catalog on the way in. No ARM look-ups (the digest reads
 * only), unless a context is given: the sample fleet's saved cluster list.
 */
export async function* enrichSignals(
  signals: AsyncIterable<FailureSignal> | Iterable<FailureSignal>,
  catalog: CatalogLookup = catalogLookup,
  context?: ContextPort,
): AsyncGenerator<EnrichedFailure> {
  for await (const s of signals) {
    const found = context && s.cluster ? await context.get(s.cluster, s.nodePool) : undefined;
    yield enrichFailure(s, catalog, found?.ok ? { context: found.context } : {});
  }
}

/** Signals already in memory (the sample fleet, an exported file). */
export function signalSource(
  name: string,
  signals: readonly FailureSignal[],
  rowErrors: readonly string[] = [],
  context?: ContextPort,
): DigestSource {
  return {
    name,
    async *failures(_range, report) {
      report.note(`${name}: ${String(signals.length)} signals`);
      for (const e of rowErrors.slice(0, 20)) report.problem(`${name}: ${e}`);
      if (rowErrors.length > 20) report.problem(`${name}: ${String(rowErrors.length - 20)} more bad rows`);
      yield* enrichSignals(signals, catalogLookup, context);
    },
  };
}

export const JOURNAL_SCOPE_PREFIX = 'journal-';

function utcDays(start: Date, end: Date): string[] {
  const out: string[] = [];
  const d = new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth(), start.getUTCDate()));
  for (; d.getTime() < end.getTime(); d.setUTCDate(d.getUTCDate() + 1))
    out.push(d.toISOString().slice(0, 10));
  return out;
}

/** Push-source failures (Event Grid, alerts) the pipeline journaled per UTC day (`journal-YYYY-MM-DD`). */
export function journalSource(store: KeyValueStore): DigestSource {
  return {
    name: 'journal',
    async *failures(range, report) {
      let n = 0;
      const from = range.start.toISOString();
      const to = range.end.toISOString();
      for (const day of utcDays(range.start, range.end)) {
        for await (const e of store.list<EnrichedFailure>(`${JOURNAL_SCOPE_PREFIX}${day}`)) {
          const v = e.value;
          if (typeof v !== 'object' || typeof v.occurredAt !== 'string') {
            report.problem(`journal ${day}: entry ${e.key.slice(0, 80)} is not an enriched failure`);
            continue;
          }
          if (v.occurredAt < from || v.occurredAt >= to) continue;
          n++;
          yield v;
        }
      }
      report.note(`journal: ${String(n)} pushed failures (Event Grid, alerts)`);
    },
  };
}

export interface ComputeDigestOptions {
  window: DigestWindow;
  sources: readonly DigestSource[];
  /** The state store: delivery health per receiver. */
  store?: KeyValueStore;
  limits?: AggregateLimits;
  now?: Date;
  /** Cluster name globs that are production (PRODUCTION_CLUSTERS); unset: tags and names tell. */
  productionClusters?: readonly string[];
}

/** Streams every source over the window and the one before it into one digest. */
export async function computeDigest(options: ComputeDigestOptions): Promise<Digest> {
  const agg = createDigestAggregator(options.window, options.limits ?? DEFAULT_LIMITS, {
    productionClusters: options.productionClusters,
  });
  const end = new Date(options.window.end);
  const start = new Date(Date.parse(options.window.start) * 2 - end.getTime());
  const notes: string[] = [];
  const problems: string[] = [];
  const report: SourceReport = {
    note: (t) => notes.length < 50 && notes.push(t),
    problem: (t) => problems.length < 100 && problems.push(t),
  };
  for (const source of options.sources) {
    try {
      for await (const f of source.failures({ start, end }, report)) agg.add(f);
    } catch (err) {
      problems.push(`${source.name}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  let delivery: Awaited<ReturnType<typeof readHealth>> | undefined;
  if (options.store) {
    try {
      delivery = await readHealth(options.store, new Date(options.window.start), new Date(end.getTime() - 1));
    } catch (err) {
      problems.push(`delivery health: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  return agg.finish({
    ...(delivery ? { delivery } : {}),
    sources: [...new Set(notes)],
    problems,
    generatedAt: options.now ?? new Date(),
  });
}

/** The window of `lengthMs` ending at `end`. */
export function windowEndingAt(end: Date, lengthMs: number): DigestWindow {
  return { start: new Date(end.getTime() - lengthMs).toISOString(), end: end.toISOString() };
}
