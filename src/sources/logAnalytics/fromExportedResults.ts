import type { FailureSignal } from '../../model.js';
import type { KnownTable } from './knownTables.js';
import { TABLE_PARSERS, knownTable } from './knownTables.js';
import type { LogRow } from './rowCells.js';
import { hasColumn, rowErrorText, text } from './rowCells.js';

export type ExportTable = KnownTable;

export interface ExportedResults {
  signals: FailureSignal[];
  /** One line per row that could not be read, naming the row and field. */
  rowErrors: string[];
  rows: number;
  /** Rows that are not failures (successful operations, Normal events, informational log lines). */
  skipped: number;
  /** Rows per detected table. */
  tables: Partial<Record<ExportTable, number>>;
  /** Set when the text as a whole is not a query result; no rows were read. */
  error?: string;
}

/**
 * Which table a row comes from: its `Type` or `SourceTable` column when it names one, else the
 * columns only that table has (a projection may drop `Type`).
 */
export function detectTable(row: LogRow): ExportTable | undefined {
  const named = knownTable(text(row, 'SourceTable')) ?? knownTable(text(row, 'Type'));
  if (named) return named;
  if (
    hasColumn(row, 'OperationNameValue') ||
    hasColumn(row, 'ActivityStatusValue') ||
    hasColumn(row, 'EventDataId')
  )
    return 'AzureActivity';
  if (hasColumn(row, 'OperationName') && hasColumn(row, 'ActivityStatus')) return 'AzureActivity';
  if (hasColumn(row, 'log_s')) return 'AzureDiagnostics';
  if (
    hasColumn(row, 'Reason') &&
    (hasColumn(row, 'ObjectKind') || hasColumn(row, 'KubeEventType') || hasColumn(row, 'SourceComponent'))
  )
    return 'KubeEvents';
  if (hasColumn(row, 'Category') && hasColumn(row, 'Message')) return 'AKSControlPlane';
  return undefined;
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function columnName(c: unknown): string {
  if (typeof c === 'string') return c;
  if (!isRecord(c)) return '';
  const name = c.name ?? c.ColumnName;
  return typeof name === 'string' ? name : '';
}

interface ApiTable {
  columns: string[];
  rows: unknown[];
}

/** Tables of a query API response: `{tables:[{columns:[{name}],rows}]}` or the older PascalCase shape. */
function apiTables(value: Record<string, unknown>): ApiTable[] | undefined {
  const tables = value.tables ?? value.Tables;
  if (!Array.isArray(tables)) return undefined;
  return tables.filter(isRecord).map((t) => {
    const cols = t.columns ?? t.Columns;
    const rows = t.rows ?? t.Rows;
    return {
      columns: Array.isArray(cols) ? cols.map((c) => columnName(c)) : [],
      rows: Array.isArray(rows) ? (rows as unknown[]) : [],
    };
  });
}

/** The rows of any supported export, as records (non-object rows are kept, to be reported). */
function exportedRows(text: string): { rows: unknown[] } | { error: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    // JSON Lines: one row object per line.
    const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
    const rows: unknown[] = [];
    for (const line of lines) {
      try {
        rows.push(JSON.parse(line));
      } catch {
        return { error: `not JSON (${e instanceof Error ? e.message : String(e)})` };
      }
    }
    return { rows };
  }
  if (Array.isArray(value)) return { rows: value };
  if (isRecord(value)) {
    const tables = apiTables(value);
    if (tables)
      return {
        rows: tables.flatMap((t) =>
          t.rows.map((r) => (Array.isArray(r) ? Object.fromEntries(t.columns.map((c, i) => [c, r[i]])) : r)),
        ),
      };
    const arrays = Object.values(value).filter(Array.isArray);
    if (arrays.length === 1 && arrays[0]) return { rows: arrays[0] };
  }
  return {
    error:
      'not a query result: expected an array of rows (az monitor log-analytics query -o json, portal JSON export) or {"tables": [...]}',
  };
}

/**
 * What `az monitor log-analytics query -o json` writes (an array of row objects), the portal's JSON
 * export, a query API response body, or JSON Lines -> signals. Each row's table is detected from its
 * columns, so one file may mix tables. A bad row becomes a row error naming it; the others go on.
 */
export function fromExportedResults(
  text: string,
  options: { source?: string; workspaceId?: string } = {},
): ExportedResults {
  const out: ExportedResults = { signals: [], rowErrors: [], rows: 0, skipped: 0, tables: {} };
  const where = options.source ?? 'input';
  const parsed = exportedRows(text.replace(/^\uFEFF/, ''));
  if ('error' in parsed) {
    out.error = `${where}: ${parsed.error}`;
    return out;
  }
  parsed.rows.forEach((row, i) => {
    out.rows++;
    if (!isRecord(row)) {
      out.rowErrors.push(`${where} row ${i}: field (row): not an object`);
      return;
    }
    const table = detectTable(row);
    if (!table) {
      out.rowErrors.push(
        `${where} row ${i}: field (columns): columns match no supported table (KubeEvents, AzureActivity, AKSControlPlane, AzureDiagnostics)`,
      );
      return;
    }
    out.tables[table] = (out.tables[table] ?? 0) + 1;
    const outcome = TABLE_PARSERS[table](row, `${where} row ${i} (${table})`);
    if ('signal' in outcome) {
      if (options.workspaceId) outcome.signal.workspaceId = options.workspaceId;
      out.signals.push(outcome.signal);
    } else if ('skip' in outcome) out.skipped++;
    else out.rowErrors.push(rowErrorText(outcome.error));
  });
  return out;
}
