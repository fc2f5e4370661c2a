import type { FailureSignal } from '../../model.js';
import { commonAlertKey } from './alertIdentity.js';
import type { AlertRowTable } from './fromAlertRows.js';
import { fromCommonAlert, logSearchAlertSignal } from './fromCommonAlert.js';
import type { FromCommonAlertOptions } from './fromCommonAlert.js';
import type { AlertRuleReader } from './armAlertRules.js';
import { logSearchPlans, ruleRefsOf } from './logSearchPlan.js';
import type { LogSearchPlan, LogSearchTarget } from './logSearchPlan.js';
import { parseCommonAlertText } from './parseCommonAlert.js';
import type { CommonAlert } from './parseCommonAlert.js';
import { rowsToSignals } from './rowsToSignals.js';

type LogSearchAlert = Extract<CommonAlert, { type: 'log-search' | 'log-search-legacy' }>;

/** The outcome of fetching one plan's rows. `transient` failures are worth retrying later. */
export type RowFetch =
  { ok: true; tables: AlertRowTable[]; capped: boolean } | { ok: false; transient: boolean; reason: string };

/** How one fetch is bounded: the alert's abort signal and when its time budget ends (ms since the epoch). */
export interface FetchBounds {
  signal?: AbortSignal;
  deadline?: number;
}

/** Runs a log search alert's query (Log Analytics behind it); fetches at most `maxRows` rows. */
export interface AlertRowFetcher {
  fetch(plan: LogSearchPlan, maxRows: number, bounds?: FetchBounds): Promise<RowFetch>;
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
  /** Where the alert's rule is read: its query and scopes are what runs. Absent: rows are not fetched. */
  rules?: AlertRuleReader;
  /** ALERT_RULE_SCOPES: where rules may be read from (ARM id prefixes); undefined: anywhere readable. */
  ruleScopes?: readonly string[];
  /** The time one alert's rule reads and queries may take together (ALERT_QUERY_BUDGET). */
  budgetMs?: number;
  now?: () => Date;
  memory?: FiredAlertMemory;
  /** Rows fetched per alert at most. */
  maxRows: number;
  kqlString: (value: string) => string;
  /** When the delivery was received (ISO). */
  receivedAt?: string;
  /** Hosts the alert's investigation link may point at (LINK_HOST_ALLOW_LIST); the default list when absent. */
  linkHosts?: readonly string[];
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

const durationText = (ms: number): string =>
  ms < 1_000 ? `${ms} ms` : ms < 120_000 ? `${Math.round(ms / 1_000)} s` : `${Math.round(ms / 60_000)} min`;

/** What the signal builders take from the deps: when the delivery arrived, where links may point. */
function optionsOf(deps: CommonAlertSignalDeps): FromCommonAlertOptions {
  return {
    ...(deps.receivedAt ? { receivedAt: deps.receivedAt } : {}),
    ...(deps.linkHosts ? { linkHosts: deps.linkHosts } : {}),
  };
}

/** Default time budget of one alert's rule reads and queries together. */
const DEFAULT_ALERT_BUDGET_MS = 120_000;

type Fetched =
  | { ok: true; tables: { table: AlertRowTable; plan?: LogSearchPlan }[]; capped: boolean; notes: string[] }
  | { ok: false; note: string; transient?: string };

/**
 * The rows of a fired log search alert whose payload carries none: its rule read from Resource
 * Manager, the rule's own query run over the rule's scopes, all within one time budget.
 */
async function fetchRuleRows(alert: LogSearchAlert, deps: CommonAlertSignalDeps): Promise<Fetched> {
  const { rows, rules } = deps;
  if (!rows) return { ok: false, note: 'rows not fetched: no Log Analytics access is configured' };
  if (!rules)
    return {
      ok: false,
      note: "rows not fetched: no Resource Manager access is configured to read the alert's rule",
    };
  const refs = ruleRefsOf(alert, deps.ruleScopes);
  if (!refs.ok) return { ok: false, note: `rows not fetched: ${refs.reason}` };

  const budgetMs = deps.budgetMs ?? DEFAULT_ALERT_BUDGET_MS;
  const signal = AbortSignal.timeout(budgetMs);
  const deadline = Date.now() + budgetMs;
  const outOfTime = `rows not fetched: the alert's rule and queries took longer than ALERT_QUERY_BUDGET (${durationText(budgetMs)})`;
  const failed = (r: { transient: boolean; reason: string }): Fetched => {
    if (signal.aborted) return { ok: false, note: outOfTime };
    const note = `rows not fetched: ${r.reason}`;
    return r.transient ? { ok: false, note, transient: r.reason } : { ok: false, note };
  };

  let rule;
  for (const ref of refs.refs) {
    const read = await rules.rule(ref, signal);
    if (read.ok) {
      rule = read.value;
      break;
    }
    // Looked up by name in several resource groups: not being in one is no failure yet.
    if (refs.refs.length > 1 && read.missing) continue;
    return failed(read);
  }
  if (!rule)
    return {
      ok: false,
      note: `rows not fetched: no rule named ${alert.essentials.alertRule} in ALERT_RULE_SCOPES`,
    };

  const planned = logSearchPlans(alert, rule, {
    kqlString: deps.kqlString,
    now: (deps.now ?? (() => new Date()))(),
  });
  if (!planned.ok) return { ok: false, note: `rows not fetched: ${planned.reason}` };

  const tables: { table: AlertRowTable; plan?: LogSearchPlan }[] = [];
  let capped = false;
  let budget = deps.maxRows;
  for (const draft of planned.plans) {
    if (budget <= 0) {
      capped = true;
      break;
    }
    const target = await resolveTarget(draft.target, rules, signal);
    if (!target.ok) return failed(target);
    const plan = { ...draft, target: target.value };
    const got = await rows.fetch(plan, budget, { signal, deadline });
    if (!got.ok) return failed(got);
    capped ||= got.capped;
    for (const table of got.tables) {
      tables.push({ table, plan });
      budget -= table.rows.length;
    }
  }
  return { ok: true, tables, capped, notes: planned.notes };
}

const WORKSPACE_RESOURCE = /\/providers\/microsoft\.operationalinsights\/workspaces\/[^/]+\/?$/i;

/** A rule scope that is a workspace is queried by its workspace id (the API's own form). */
async function resolveTarget(
  target: LogSearchTarget,
  rules: AlertRuleReader,
  signal: AbortSignal,
): Promise<{ ok: true; value: LogSearchTarget } | { ok: false; transient: boolean; reason: string }> {
  if ('workspaceId' in target || !WORKSPACE_RESOURCE.test(target.resourceId))
    return { ok: true, value: target };
  const id = await rules.workspaceId(target.resourceId, signal);
  if (!id.ok) return id;
  return { ok: true, value: { workspaceId: id.value, workspaceResourceId: target.resourceId } };
}

async function firedLogSearch(
  alert: LogSearchAlert,
  deps: CommonAlertSignalDeps,
): Promise<CommonAlertSignals> {
  const options = optionsOf(deps);
  const alertOnly = (note: string): FailureSignal[] => [logSearchAlertSignal(alert, { ...options, note })];

  const embedded = embeddedTables(alert);
  let tables: { table: AlertRowTable; plan?: LogSearchPlan }[];
  let capped = false;
  const fetchNotes: string[] = [];
  if (embedded) {
    tables = embedded.map((table) => ({ table }));
  } else {
    const fetched = await fetchRuleRows(alert, deps);
    if (!fetched.ok) {
      const result: CommonAlertSignals = { signals: alertOnly(fetched.note), notes: [fetched.note] };
      if (fetched.transient) result.transientFailure = fetched.transient;
      return result;
    }
    tables = fetched.tables;
    capped = fetched.capped;
    fetchNotes.push(...fetched.notes);
  }

  let signals: FailureSignal[] = [];
  const rowErrors: string[] = [];
  for (const { table, plan } of tables) {
    const made = rowsToSignals(alert, table, plan, options);
    signals.push(...made.signals);
    rowErrors.push(...made.rowErrors);
  }
  const notes: string[] = [...fetchNotes];
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
  const options = optionsOf(deps);
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
