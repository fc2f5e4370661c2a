import type { FailureSignal } from '../../model.js';
import { fromAutoscalerLogs } from './fromAutoscalerLogs.js';
import { fromAzureActivity } from './fromAzureActivity.js';
import { fromKubeEvents } from './fromKubeEvents.js';
import type { LogRow, RowLabel, RowOutcome } from './rowCells.js';
import { text } from './rowCells.js';

/** The tables whose rows the poll path's parsers read. */
export const KNOWN_TABLES = ['KubeEvents', 'AzureActivity', 'AKSControlPlane', 'AzureDiagnostics'] as const;
export type KnownTable = (typeof KNOWN_TABLES)[number];

export const TABLE_PARSERS: Record<KnownTable, (row: LogRow, label: RowLabel) => RowOutcome<FailureSignal>> =
  {
    KubeEvents: fromKubeEvents,
    AzureActivity: fromAzureActivity,
    AKSControlPlane: fromAutoscalerLogs,
    AzureDiagnostics: fromAutoscalerLogs,
  };

export function knownTable(name: string | undefined): KnownTable | undefined {
  if (!name) return undefined;
  return KNOWN_TABLES.find((t) => t.toLowerCase() === name.toLowerCase());
}

/**
 * The columns a parser needs to read a row as the poll path does: one name of each group. Beyond
 * what it cannot parse without, that is what identifies the failure (the event's object, the
 * failure text its error code comes from); a projection lacking one would give another fingerprint
 * anyway. What tells the table is needed too: a Kubernetes event's kind, type or source (the
 * product's own alert query projects no `ObjectKind`), the autoscaler logs' `Category`.
 */
const NEEDED_COLUMNS: Record<KnownTable, readonly (readonly string[])[]> = {
  KubeEvents: [
    ['Reason'],
    ['ObjectKind', 'KubeEventType', 'SourceComponent'],
    ['Name', 'Node'],
    ['Message'],
    ['LastSeen', 'FirstSeen', 'TimeGenerated'],
  ],
  AzureActivity: [
    ['OperationNameValue', 'OperationName'],
    ['ActivityStatusValue', 'ActivityStatus'],
    ['TimeGenerated', 'EventSubmissionTimestamp'],
    ['StatusMessage', 'Properties_d', 'Properties'],
  ],
  AKSControlPlane: [['Category'], ['Message'], ['TimeGenerated']],
  AzureDiagnostics: [['Category'], ['log_s', 'Message'], ['TimeGenerated']],
};

/** The known tables a result's columns hold enough of to be parsed, most telling columns first. */
export function tablesFitting(columns: readonly string[]): KnownTable[] {
  const have = new Set(columns.map((c) => c.toLowerCase()));
  const order: KnownTable[] = ['AzureActivity', 'KubeEvents', 'AKSControlPlane', 'AzureDiagnostics'];
  return order.filter((t) =>
    NEEDED_COLUMNS[t].every((group) => group.some((c) => have.has(c.toLowerCase()))),
  );
}

/**
 * The table one row of a fitting result is read as. A row that names its table (the autoscaler
 * query's `SourceTable`, a raw row's `Type`) is read as that table or, naming another, not at all:
 * a union's rows differ by table.
 */
export function tableOfRow(row: LogRow, fitting: readonly KnownTable[]): KnownTable | undefined {
  const named = text(row, 'SourceTable', 'Type');
  if (named === undefined) return fitting[0];
  const table = knownTable(named);
  return table && fitting.includes(table) ? table : undefined;
}

/** What a reader is told when rows could not be read: the columns each table's rows need. */
export const EXPECTED_COLUMNS = `rows are read by their columns: ${KNOWN_TABLES.map(
  (t) => `${t} needs ${NEEDED_COLUMNS[t].map((g) => g.join('|')).join(', ')}`,
).join('; ')}`;
