import type { LogsQueryClient, LogsTable } from '@azure/monitor-query-logs';
import type { FailureSignal } from '../../model.js';
import type { KeyValueStore } from '../../state/keyValueStore.js';
import { queryLogs, queryResourceLogs } from '../logAnalytics/queryLogs.js';
import type { AlertRowTable } from './fromAlertRows.js';
import type { LogSearchPlan } from './logSearchPlan.js';
import type { AlertRowFetcher, FiredAlertMemory, RowFetch } from './signalsFromCommonAlert.js';

const TRANSIENT = new Set(['throttled', 'unavailable', 'timeout']);

function toAlertTables(
  tables: readonly LogsTable[],
  maxRows: number,
): { tables: AlertRowTable[]; capped: boolean } {
  let left = maxRows;
  let capped = false;
  const out = tables.map((t) => {
    const rows = t.rows.slice(0, Math.max(0, left));
    if (rows.length < t.rows.length) capped = true;
    left -= rows.length;
    return {
      columns: t.columnDescriptors.map((c) => ({ name: c.name, type: c.type })),
      rows: rows.map((r) => r.map((cell) => (cell instanceof Date ? cell.toISOString() : cell)) as unknown[]),
    };
  });
  return { tables: out, capped };
}

/** The most bytes of one alert query's answer read by default: rows are capped at a few dozen. */
const DEFAULT_ALERT_RESPONSE_BYTES = 4 * 1024 * 1024;

export interface RowFetcherOptions {
  /** The most bytes of one query's answer read; larger answers are cut off and reported. */
  maxResponseBytes?: number;
}

/**
 * Runs a log search alert's query against its workspace or its resource through the shared query
 * path (204, partial results, throttling and access errors handled alike), fetching one row more
 * than the cap so it can tell the rows were capped. The query is one statement (checked before it
 * gets here), so the `take` binds to all of it. The caller's signal stops the query and its retries,
 * and its time left bounds the server's timeout.
 */
export function createLogAnalyticsRowFetcher(
  client: LogsQueryClient,
  options: RowFetcherOptions = {},
): AlertRowFetcher {
  const maxResponseBytes = options.maxResponseBytes ?? DEFAULT_ALERT_RESPONSE_BYTES;
  return {
    async fetch(plan: LogSearchPlan, maxRows: number, call = {}): Promise<RowFetch> {
      const query = `${plan.query}\n| take ${maxRows + 1}`;
      const timespan = { startTime: plan.window.start, endTime: plan.window.end };
      const queryOptions = {
        maxResponseBytes,
        ...(call.signal ? { abortSignal: call.signal } : {}),
        ...(call.deadline !== undefined
          ? {
              serverTimeoutInSeconds: Math.max(
                1,
                Math.min(600, Math.ceil((call.deadline - Date.now()) / 1000)),
              ),
            }
          : {}),
      };
      const r =
        'workspaceId' in plan.target
          ? await queryLogs(client, plan.target.workspaceId, query, timespan, queryOptions)
          : await queryResourceLogs(client, plan.target.resourceId, query, timespan, queryOptions);
      if (r.status === 'failed') return { ok: false, transient: TRANSIENT.has(r.kind), reason: r.error };
      const converted = toAlertTables(r.tables, maxRows);
      return { ok: true, tables: converted.tables, capped: converted.capped || r.status === 'partial' };
    },
  };
}

export const MEMORY_SCOPE = 'alert-memory';

/** What a fired log search alert became, kept in the state store until it resolves. */
export function createFiredAlertMemory(store: KeyValueStore): FiredAlertMemory {
  return {
    async remember(alertId, signals) {
      await store.put(MEMORY_SCOPE, alertId, signals);
    },
    async recall(alertId) {
      return (await store.get<FailureSignal[]>(MEMORY_SCOPE, alertId))?.value;
    },
  };
}
