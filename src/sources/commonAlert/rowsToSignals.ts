import type { FailureSignal } from '../../model.js';
import type { AlertRowTable } from './fromAlertRows.js';
import { genericRowSignal, rowRecords } from './fromAlertRows.js';
import type { FromCommonAlertOptions } from './fromCommonAlert.js';
import { logSearchAlertSignal } from './fromCommonAlert.js';
import type { LogSearchPlan } from './logSearchPlan.js';
import type { CommonAlert } from './parseCommonAlert.js';

type LogSearchAlert = Extract<CommonAlert, { type: 'log-search' | 'log-search-legacy' }>;

/** Alert fields every row signal carries, so a row can be traced back to the alert that fetched it. */
const ALERT_ATTRIBUTES = ['alertRule', 'alertId', 'alertSeverity', 'monitoringService', 'investigationLink'];

function alertAttributes(base: FailureSignal): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of ALERT_ATTRIBUTES) {
    const v = base.attributes[k];
    if (v !== undefined) out[k] = v;
  }
  return out;
}

/**
 * One table of a log search alert's rows -> signals, one per row. Rows are parsed by the poll
 * path's parsers when their columns are of a known shape, otherwise generically.
 */
export function rowsToSignals(
  alert: LogSearchAlert,
  table: AlertRowTable,
  plan: LogSearchPlan | undefined,
  options: FromCommonAlertOptions,
): FailureSignal[] {
  const base = logSearchAlertSignal(alert, options);
  if (plan) {
    if ('workspaceId' in plan.target) base.workspaceId = plan.target.workspaceId;
    base.logQuery = {
      query: plan.query,
      start: plan.window.start.toISOString(),
      end: plan.window.end.toISOString(),
    };
  }
  const records = rowRecords(table);
  const rowBase: FailureSignal = { ...base, attributes: alertAttributes(base) };
  // Identical rows (a summarised query can repeat one) are one signal: they share a source id.
  const seen = new Set<string>();
  const signals: FailureSignal[] = [];
  for (const rec of records) {
    const signal = genericRowSignal(alert, table, rec, rowBase);
    if (seen.has(signal.sourceId)) continue;
    seen.add(signal.sourceId);
    signals.push(signal);
  }
  return signals;
}
