import { readAsset } from '../../assets.js';
import type { FailureSignal } from '../../model.js';
import { kqlDatetime } from '../../azure/kql.js';
import { fromAutoscalerLogs } from './fromAutoscalerLogs.js';
import { fromAzureActivity } from './fromAzureActivity.js';
import { fromKubeEvents } from './fromKubeEvents.js';
import type { LogRow, RowLabel, RowOutcome } from './rowCells.js';
import { text } from './rowCells.js';

export const POLL_QUERY_NAMES = ['nodeAutoRepair', 'failedOperations', 'autoscaler'] as const;
export type PollQueryName = (typeof POLL_QUERY_NAMES)[number];

/** Tables the queries read; a workspace lacking one of them is not an error. */
export const QUERY_TABLES: Record<PollQueryName, readonly string[]> = {
  nodeAutoRepair: ['KubeEvents'],
  failedOperations: ['AzureActivity'],
  autoscaler: ['AKSControlPlane', 'AzureDiagnostics', 'KubeEvents'],
};

/** The autoscaler query's rows say which table they came from; each goes to its table's parser. */
function fromAutoscalerQueryRow(row: LogRow, label: RowLabel): RowOutcome<FailureSignal> {
  return text(row, 'SourceTable') === 'KubeEvents'
    ? fromKubeEvents(row, label)
    : fromAutoscalerLogs(row, label);
}

const PARSERS: Record<PollQueryName, (row: LogRow, label: RowLabel) => RowOutcome<FailureSignal>> = {
  nodeAutoRepair: fromKubeEvents,
  failedOperations: fromAzureActivity,
  autoscaler: fromAutoscalerQueryRow,
};

export function isPollQueryName(name: string): name is PollQueryName {
  return (POLL_QUERY_NAMES as readonly string[]).includes(name);
}

export function rowParser(name: PollQueryName): (row: LogRow, label: RowLabel) => RowOutcome<FailureSignal> {
  return PARSERS[name];
}

const templates = new Map<PollQueryName, string>();

/** The query as stored in `src/sources/kql/<name>.kql` (pasteable into Log Analytics: last hour). */
export function queryTemplate(name: PollQueryName): string {
  let t = templates.get(name);
  if (t === undefined) {
    t = readAsset(`src/sources/kql/${name}.kql`);
    if (!/^let windowStart = .*;$/m.test(t) || !/^let windowEnd = .*;$/m.test(t))
      throw new Error(
        `src/sources/kql/${name}.kql must declare 'let windowStart = …;' and 'let windowEnd = …;'`,
      );
    templates.set(name, t);
  }
  return t;
}

/** The query over the ingestion-time window [start, end): the template's window lets, bound. */
export function buildQuery(name: PollQueryName, start: Date, end: Date): string {
  return queryTemplate(name)
    .replace(/^let windowStart = .*;$/m, `let windowStart = ${kqlDatetime(start)};`)
    .replace(/^let windowEnd = .*;$/m, `let windowEnd = ${kqlDatetime(end)};`);
}
