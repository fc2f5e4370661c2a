import type { KeyValueStore } from './keyValueStore.js';

/**
 * Deletes state that has outlived its use, so Table Storage does not grow with every failure ever
 * seen. Each rule says when an entry of one scope may go; an entry it cannot read is kept (never
 * guessed away). Deleting is conditional on the version read, so an entry rewritten meanwhile stays.
 */
export interface RetentionRule {
  scope: string;
  /** Epoch ms after which the entry may be deleted; undefined keeps it. */
  expiresAt(value: unknown): number | undefined;
}

export interface SweepReport {
  scanned: number;
  deleted: Record<string, number>;
  /** False when a budget ran out: the next sweep carries on where entries are still expired. */
  complete: boolean;
  /** Scopes that could not be read or written, by name; the other scopes are still swept. */
  errors: string[];
}

export interface SweepOptions {
  maxDeletes?: number;
  maxScanned?: number;
  /** Deletes in flight at once (Table Storage answers each in milliseconds; serial would crawl). */
  concurrency?: number;
}

export async function sweepState(
  store: KeyValueStore,
  rules: readonly RetentionRule[],
  now: Date,
  options: SweepOptions = {},
): Promise<SweepReport> {
  const maxDeletes = options.maxDeletes ?? 200_000;
  const maxScanned = options.maxScanned ?? 2_000_000;
  const concurrency = Math.max(1, options.concurrency ?? 8);
  const report: SweepReport = { scanned: 0, deleted: {}, complete: true, errors: [] };
  let deletes = 0;
  const exhausted = () => deletes >= maxDeletes || report.scanned >= maxScanned;
  for (const rule of rules) {
    if (exhausted()) {
      report.complete = false;
      break;
    }
    const inFlight = new Set<Promise<void>>();
    // Set by a delete that failed; the scope stops at the next entry.
    const failed: { error?: Error } = {};
    const remove = (key: string, version: string) => {
      const p = store
        .delete(rule.scope, key, version)
        .then((gone) => {
          if (gone) report.deleted[rule.scope] = (report.deleted[rule.scope] ?? 0) + 1;
        })
        .catch((error: unknown) => {
          failed.error ??= error instanceof Error ? error : new Error(String(error));
        })
        .finally(() => inFlight.delete(p));
      inFlight.add(p);
    };
    try {
      for await (const e of store.list(rule.scope)) {
        report.scanned++;
        const expires = rule.expiresAt(e.value);
        if (expires !== undefined && expires <= now.getTime()) {
          deletes++;
          remove(e.key, e.version);
          if (inFlight.size >= concurrency) await Promise.race(inFlight);
        }
        if (failed.error) throw failed.error;
        if (exhausted()) {
          report.complete = false;
          break;
        }
      }
      await Promise.all(inFlight);
      if (failed.error) throw failed.error;
    } catch (error) {
      await Promise.allSettled(inFlight);
      report.complete = false;
      report.errors.push(`${rule.scope}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  return report;
}

const DAY_MS = 86_400_000;

/** Epoch ms of an ISO time field of a record, or undefined. */
export function timeField(value: unknown, field: string): number | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const raw = (value as Record<string, unknown>)[field];
  if (typeof raw !== 'string') return undefined;
  const t = Date.parse(raw);
  return Number.isNaN(t) ? undefined : t;
}

/** A rule deleting entries `keepMs` after the time in `field`. */
export function keepAfter(scope: string, field: string, keepMs: number): RetentionRule {
  return {
    scope,
    expiresAt: (value) => {
      const t = timeField(value, field);
      return t === undefined ? undefined : t + keepMs;
    },
  };
}

/** Whole per-day scopes (`<prefix>YYYY-MM-DD`) older than `keepDays`, over a band of days behind that. */
export function expiredDayScopes(
  prefix: string,
  now: Date,
  keepDays: number,
  bandDays = 10,
): RetentionRule[] {
  const rules: RetentionRule[] = [];
  for (let d = keepDays + 1; d <= keepDays + bandDays; d++) {
    const day = new Date(now.getTime() - d * DAY_MS).toISOString().slice(0, 10);
    rules.push({ scope: `${prefix}${day}`, expiresAt: () => 0 });
  }
  return rules;
}
