import type { FailureSignal } from '../../model.js';
import { TABLE_PARSERS, tableOfRow, tablesFitting } from '../logAnalytics/knownTables.js';
import { rowErrorText } from '../logAnalytics/rowCells.js';
import { commonAlertKey } from './alertIdentity.js';
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

export interface RowSignals {
  signals: FailureSignal[];
  /** Rows of a known table its parser could not read (each was read generically instead), naming the row. */
  rowErrors: string[];
}

/**
 * A row as the poll path reads it, delivered by the alert: what the parser found (kind, node, pool,
 * reason, codes: the fingerprint's parts) with the alert's rule, severity, links and query. The
 * source id keeps the alert's key, as a generic row's does, so each delivery is its own input.
 */
function asAlertRow(parsed: FailureSignal, rowBase: FailureSignal, alertKey: string): FailureSignal {
  const signal: FailureSignal = {
    ...parsed,
    source: rowBase.source,
    sourceId: `${alertKey}|${parsed.sourceId}`,
    attributes: { ...parsed.attributes, ...rowBase.attributes },
  };
  if (rowBase.severityHint) signal.severityHint = rowBase.severityHint;
  if (rowBase.workspaceId) signal.workspaceId = rowBase.workspaceId;
  if (rowBase.logQuery) signal.logQuery = rowBase.logQuery;
  // A projection without the cluster's id: the alert's target is where the rows came from.
  if (!signal.cluster && !signal.resourceId) {
    if (rowBase.cluster) signal.cluster = rowBase.cluster;
    if (rowBase.resourceId) signal.resourceId = rowBase.resourceId;
  }
  return signal;
}

/**
 * One table of a log search alert's rows -> signals, one per row. Rows whose columns are of a
 * known table (KubeEvents, AzureActivity, the autoscaler logs) are read by the poll path's parser,
 * so they get the fingerprint the poll path gives the same row. Other rows, rows the parser skips
 * (not a failure it knows, but the rule's author alerted on them) and rows it cannot read are read
 * generically; the last are reported in `rowErrors`.
 */
export function rowsToSignals(
  alert: LogSearchAlert,
  table: AlertRowTable,
  plan: LogSearchPlan | undefined,
  options: FromCommonAlertOptions,
): RowSignals {
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
  const fitting = tablesFitting(table.columns.map((c) => c.name));
  const alertKey = commonAlertKey(alert.essentials);
  const rowErrors: string[] = [];
  const signalOf = (rec: Record<string, unknown>, i: number): FailureSignal => {
    const known = tableOfRow(rec, fitting);
    if (!known) return genericRowSignal(alert, table, rec, rowBase);
    const outcome = TABLE_PARSERS[known](rec, `row ${String(i)} (${known})`);
    if ('signal' in outcome) return asAlertRow(outcome.signal, rowBase, alertKey);
    if ('skip' in outcome) return genericRowSignal(alert, table, rec, rowBase);
    const error = rowErrorText(outcome.error);
    rowErrors.push(error);
    const withError = { ...rowBase, attributes: { ...rowBase.attributes, rowError: error } };
    return genericRowSignal(alert, table, rec, withError);
  };
  // Identical rows (a summarised query can repeat one) are one signal: they share a source id.
  const seen = new Set<string>();
  const signals: FailureSignal[] = [];
  records.forEach((rec, i) => {
    const signal = signalOf(rec, i);
    if (seen.has(signal.sourceId)) return;
    seen.add(signal.sourceId);
    signals.push(signal);
  });
  return { signals, rowErrors };
}
