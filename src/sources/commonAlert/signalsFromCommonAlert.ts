import type { FailureSignal } from '../../model.js';
import { commonAlertKey } from './alertIdentity.js';
import type { AlertRowTable } from './fromAlertRows.js';
import { fromCommonAlert, logSearchAlertSignal } from './fromCommonAlert.js';
import { logSearchPlans } from './logSearchPlan.js';
import type { LogSearchPlan } from './logSearchPlan.js';
import { parseCommonAlertText } from './parseCommonAlert.js';
import type { CommonAlert } from './parseCommonAlert.js';
import { rowsToSignals } from './rowsToSignals.js';

type LogSearchAlert = Extract<CommonAlert, { type: 'log-search' | 'log-search-legacy' }>;

/** The outcome of fetching one plan's rows. `transient` failures are worth retrying later. */
export type RowFetch =
  { ok: true; tables: AlertRowTable[]; capped: boolean } | { ok: false; transient: boolean; reason: string };

/** Runs a log search alert's query (Log Analytics behind it); fetches at most `maxRows` rows. */
export interface AlertRowFetcher {
  fetch(plan: LogSearchPlan, maxRows: number): Promise<RowFetch>;
}

/**
 * What a fired log search alert turned into, kept until it resolves: its resolve must reach the same
 * fingerprints, and the resolved payload carries no rows.
 */
export interface FiredAlertMemory {
  remember(alertId: string, signals: readonly FailureSignal[]): Promise<void>;
  recall(alertId: string): Promise<FailureSignal[] | undefined>;
}

export interface CommonAlertSignalDeps {
  /** Absent: rows are not fetched (no Log Analytics access configured), and the signals say so. */
  rows?: AlertRowFetcher;
  memory?: FiredAlertMemory;
  /** Rows fetched per alert at most. */
  maxRows: number;
  kqlString: (value: string) => string;
  /** When the delivery was received (ISO). */
  receivedAt?: string;
}

export interface CommonAlertSignals {
  signals: FailureSignal[];
  /** Things an operator should know about how the signals were produced (capped rows, no rows). */
  notes: string[];
  /**
   * Set when rows could not be fetched for a reason that may pass (throttling, outage): the caller
   * may retry later; `signals` then hold the alert without its rows, to deliver on the last attempt.
   */
  transientFailure?: string;
}

function memoryKey(alert: CommonAlert): string {
  return alert.essentials.alertId.trim().toLowerCase();
}

function embeddedTables(alert: LogSearchAlert): AlertRowTable[] | undefined {
  if (alert.type === 'log-search-legacy') {
    const tables = alert.context.SearchResults?.tables;
    if (tables && tables.length > 0) return tables.map((t) => ({ columns: t.columns, rows: t.rows }));
    return undefined;
  }
  const events = alert.context.condition.allOf.flatMap((c) => c.event ?? []);
  if (events.length === 0) return undefined;
  const names: string[] = [];
  for (const row of events) for (const cell of row) if (!names.includes(cell.name)) names.push(cell.name);
  return [
    {
      columns: names.map((name) => ({ name })),
      rows: events.map((row) => names.map((n) => row.find((cell) => cell.name === n)?.value ?? null)),
    },
  ];
}

const ROW_ERRORS_NAMED = 3;

function rowErrorsNote(errors: readonly string[]): string {
  const named = errors.slice(0, ROW_ERRORS_NAMED).join('; ');
  const more = errors.length > ROW_ERRORS_NAMED ? `; and ${errors.length - ROW_ERRORS_NAMED} more` : '';
  return `${errors.length} row(s) of a known table could not be parsed and were read generically: ${named}${more}`;
}

function withNote(signals: FailureSignal[], note: string): FailureSignal[] {
  return signals.map((s) => ({ ...s, attributes: { ...s.attributes, rowsNote: note } }));
}

async function firedLogSearch(
  alert: LogSearchAlert,
  deps: CommonAlertSignalDeps,
): Promise<CommonAlertSignals> {
  const options = deps.receivedAt ? { receivedAt: deps.receivedAt } : {};
  const alertOnly = (note: string): FailureSignal[] => [logSearchAlertSignal(alert, { ...options, note })];

  const embedded = embeddedTables(alert);
  let tables: { table: AlertRowTable; plan?: LogSearchPlan }[] = [];
  let capped = false;
  if (embedded) {
    tables = embedded.map((table) => ({ table }));
  } else {
    if (!deps.rows) {
      const note = 'rows not fetched: no Log Analytics access is configured';
      return { signals: alertOnly(note), notes: [note] };
    }
    const planned = logSearchPlans(alert, deps.kqlString);
    if (!planned.ok) {
      const note = `rows not fetched: ${planned.reason}`;
      return { signals: alertOnly(note), notes: [note] };
    }
    let budget = deps.maxRows;
    for (const plan of planned.plans) {
      if (budget <= 0) {
        capped = true;
        break;
      }
      const got = await deps.rows.fetch(plan, budget);
      if (!got.ok) {
        const note = `rows not fetched: ${got.reason}`;
        const result: CommonAlertSignals = { signals: alertOnly(note), notes: [note] };
        if (got.transient) result.transientFailure = got.reason;
        return result;
      }
      capped ||= got.capped;
      for (const table of got.tables) {
        tables.push({ table, plan });
        budget -= table.rows.length;
      }
    }
  }

  let signals: FailureSignal[] = [];
  const rowErrors: string[] = [];
  for (const { table, plan } of tables) {
    const made = rowsToSignals(alert, table, plan, options);
    signals.push(...made.signals);
    rowErrors.push(...made.rowErrors);
  }
  const notes: string[] = [];
  if (rowErrors.length > 0) notes.push(rowErrorsNote(rowErrors));
  if (signals.length > deps.maxRows) {
    signals = signals.slice(0, deps.maxRows);
    capped = true;
  }
  if (signals.length === 0) {
    const note = 'the alert query returned no rows in the alert window';
    return { signals: alertOnly(note), notes: [note] };
  }
  if (capped) {
    const note = `showing the first ${signals.length} rows; the alert window holds more (limit ALERT_LOG_MAX_ROWS=${deps.maxRows})`;
    notes.push(note);
    signals = withNote(signals, note);
  }
  return { signals, notes };
}

function asResolved(
  alert: CommonAlert,
  fired: readonly FailureSignal[],
  deps: CommonAlertSignalDeps,
): FailureSignal[] {
  const e = alert.essentials;
  const at = e.resolvedDateTime ?? deps.receivedAt ?? e.firedDateTime;
  const occurredAt = new Date(Date.parse(at)).toISOString();
  const key = commonAlertKey(e);
  return fired.map((s) => ({
    ...s,
    status: 'resolved',
    sourceId: `${key}|${s.sourceId}`,
    occurredAt,
    attributes: { ...s.attributes, resolvedAt: occurredAt },
  }));
}

/**
 * A validated alert -> the signals the pipeline processes. Log search alerts fetch their rows
 * (capped) and become one signal per row as the poll path would produce; a resolve replays what
 * its fired alert became, with status resolved, so it reaches the same fingerprints. Everything
 * else is one signal.
 */
export async function signalsFromCommonAlert(
  alert: CommonAlert,
  deps: CommonAlertSignalDeps,
): Promise<CommonAlertSignals> {
  const options = deps.receivedAt ? { receivedAt: deps.receivedAt } : {};
  if (alert.type !== 'log-search' && alert.type !== 'log-search-legacy')
    return { signals: [fromCommonAlert(alert, options)], notes: [] };

  if (alert.essentials.monitorCondition === 'Resolved') {
    const fired = await deps.memory?.recall(memoryKey(alert));
    if (fired && fired.length > 0) return { signals: asResolved(alert, fired, deps), notes: [] };
    return { signals: [logSearchAlertSignal(alert, options)], notes: [] };
  }

  const result = await firedLogSearch(alert, deps);
  if (!result.transientFailure && deps.memory) await deps.memory.remember(memoryKey(alert), result.signals);
  return result;
}

export type CommonAlertTextResult =
  | { ok: true; signals: FailureSignal[]; notes: string[] }
  | { ok: false; problems: { path: string; message: string }[] };

/**
 * One common-schema payload's text -> its signals, as the webhook and its processor would produce
 * them (for replay and the command line).
 */
export async function signalsFromCommonAlertText(
  text: string,
  deps: CommonAlertSignalDeps,
): Promise<CommonAlertTextResult> {
  const parsed = parseCommonAlertText(text);
  if (parsed.kind === 'invalid') return { ok: false, problems: parsed.problems };
  const made = await signalsFromCommonAlert(parsed.alert, deps);
  return { ok: true, signals: made.signals, notes: made.notes };
}
