import { hash } from 'node:crypto';
import type { AksResourceIdParts } from '../../azure/armId.js';
import { parseAksResourceId } from '../../azure/armId.js';

/** One result row as column name -> cell (datetime cells may be Date objects, dynamic cells objects). */
export type LogRow = Record<string, unknown>;

/** Why one row could not become a signal. The other rows of its batch are unaffected. */
export interface RowError {
  /** Which row: its position and table, e.g. `row 12 (AzureActivity)`. */
  row: string;
  /** The column that was missing or malformed. */
  field: string;
  message: string;
}

/** Outcome of parsing one row: a signal, a deliberate skip (a row that is not a failure), or an error. */
export type RowOutcome<T> = { signal: T } | { skip: string } | { error: RowError };

export function rowErrorText(e: RowError): string {
  return `${e.row}: field ${e.field}: ${e.message}`;
}

export class RowFieldError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

/** The cell of a column, exact name first, then case-insensitively (exports vary in case). */
export function cell(row: LogRow, name: string): unknown {
  const exact = row[name];
  if (exact !== undefined) return exact;
  const lower = name.toLowerCase();
  for (const k of Object.keys(row)) if (k.toLowerCase() === lower) return row[k];
  return undefined;
}

export function hasColumn(row: LogRow, name: string): boolean {
  return cell(row, name) !== undefined;
}

/** A cell as trimmed text; undefined when absent or empty. */
export function text(row: LogRow, ...names: string[]): string | undefined {
  for (const name of names) {
    const v = cell(row, name);
    if (v === null || v === undefined) continue;
    let s: string;
    if (typeof v === 'string') s = v;
    else if (v instanceof Date) s = Number.isNaN(v.getTime()) ? '' : v.toISOString();
    else if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') s = String(v);
    else s = JSON.stringify(v);
    s = s.trim();
    if (s !== '') return s;
  }
  return undefined;
}

let lastMs = Number.NaN;
let lastIso = '';

/** A datetime cell as an ISO string. Throws RowFieldError when present but not a time. */
export function time(row: LogRow, ...names: string[]): string | undefined {
  for (const name of names) {
    const v = cell(row, name);
    if (v === null || v === undefined || v === '') continue;
    if (v instanceof Date) {
      const ms = v.getTime();
      if (Number.isNaN(ms)) throw new RowFieldError(name, 'not a datetime: Invalid Date');
      // Rows repeat instants (TimeGenerated, FirstSeen, LastSeen): format each one once.
      if (ms !== lastMs) {
        lastMs = ms;
        lastIso = v.toISOString();
      }
      return lastIso;
    }
    const ms = typeof v === 'string' ? Date.parse(v) : Number.NaN;
    if (Number.isNaN(ms)) throw new RowFieldError(name, `not a datetime: ${preview(v)}`);
    return new Date(ms).toISOString();
  }
  return undefined;
}

export function requireTime(row: LogRow, ...names: string[]): string {
  const t = time(row, ...names);
  if (t === undefined) throw new RowFieldError(names[0] ?? 'TimeGenerated', 'missing');
  return t;
}

export function preview(v: unknown): string {
  const s = typeof v === 'string' ? v : JSON.stringify(v);
  return JSON.stringify(s.length > 60 ? `${s.slice(0, 57)}...` : s);
}

/** A short stable hash of the given parts: the same row read again gives the same id. */
export function stableHash(parts: readonly (string | undefined)[]): string {
  let joined = '';
  for (const p of parts) joined += `${p ?? '\u0000'}\u001f`;
  return hash('sha256', joined, 'hex').slice(0, 32);
}

/** Node pool of an AKS node or VMSS name (`aks-<pool>-<digits>-vmss…`). */
export function nodePoolOfNode(name: string | undefined): string | undefined {
  if (!name) return undefined;
  return /(?:^|[^a-z0-9-])aks-([a-z][a-z0-9]{0,11})-\d{5,}-(?:vmss|\d)/i.exec(name)?.[1];
}

/** Names a row in errors; a function so a million good rows build no label. */
export type RowLabel = string | (() => string);

/** Runs a row parser, turning a field error (or any other throw) into a RowError naming the row. */
export function guardRow<T>(label: RowLabel, parse: () => RowOutcome<T>): RowOutcome<T> {
  try {
    return parse();
  } catch (e) {
    const row = typeof label === 'string' ? label : label();
    if (e instanceof RowFieldError) return { error: { row, field: e.field, message: e.message } };
    return { error: { row, field: '(row)', message: e instanceof Error ? e.message : String(e) } };
  }
}

// A fleet has few clusters and many rows: parse each id once.
const idCache = new Map<string, AksResourceIdParts | null>();

function parseCached(id: string | undefined): AksResourceIdParts | undefined {
  if (id === undefined) return undefined;
  let parts = idCache.get(id);
  if (parts === undefined) {
    if (idCache.size >= 10_000) idCache.clear();
    parts = parseAksResourceId(id) ?? null;
    idCache.set(id, parts);
  }
  if (parts === null) return undefined;
  // A copy: signals are plain data that later stages may change.
  return parts.agentPool
    ? { cluster: { ...parts.cluster }, agentPool: parts.agentPool }
    : { cluster: { ...parts.cluster } };
}

/** The AKS cluster (and agent pool) a row belongs to, from its ARM id columns. */
export function aksOfRow(row: LogRow): AksResourceIdParts | undefined {
  for (const name of ['_ResourceId', 'ClusterId', 'ResourceId']) {
    const parts = parseCached(text(row, name));
    if (parts) return parts;
  }
  return undefined;
}
