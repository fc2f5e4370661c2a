import { createHash } from 'node:crypto';
import type { FailureSignal } from '../../model.js';
import { parseAksResourceId } from '../../azure/armId.js';
import { commonAlertKey } from './alertIdentity.js';
import { truncate as clip } from '../../text.js';
import type { CommonAlert } from './parseCommonAlert.js';

/** Rows of one result table as the query client returns them (datetime cells may be Date objects). */
export interface AlertRowTable {
  columns: { name: string; type?: string | null }[];
  rows: unknown[][];
}

const MAX_TEXT_LENGTH = 4_000;
const MAX_ATTRIBUTE_LENGTH = 300;
const MAX_ROW_ATTRIBUTES = 25;

// Columns that identify where a row came from rather than what happened.
const METADATA_COLUMNS = new Set([
  'tenantid',
  'sourcesystem',
  'type',
  '_resourceid',
  'resourceid',
  '_subscriptionid',
  'subscriptionid',
  'clusterid',
  '_itemid',
  '_billedsize',
  '_isbillable',
  'mg',
  'managementgroupname',
  '$table',
]);
const TIME_COLUMNS = ['timegenerated', 'timestamp', 'lastseen', 'firstseen', 'eventtime'];
const NODE_COLUMNS = ['node', 'nodename', 'computer', 'host', 'hostname'];
const RESOURCE_COLUMNS = ['_resourceid', 'resourceid', 'resource', 'clusterid'];

function cellText(value: unknown): string | undefined {
  if (value === null || value === undefined) return undefined;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : value.toISOString();
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint')
    return String(value);
  return JSON.stringify(value);
}

function cellTime(value: unknown): string | undefined {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : value.toISOString();
  if (typeof value === 'string') {
    const t = Date.parse(value);
    return Number.isNaN(t) ? undefined : new Date(t).toISOString();
  }
  return undefined;
}

/** A table as an array of column-name -> cell records (first occurrence of a name wins). */
export function rowRecords(table: AlertRowTable): Record<string, unknown>[] {
  return table.rows.map((row) => {
    const rec: Record<string, unknown> = {};
    table.columns.forEach((c, i) => {
      if (!(c.name in rec)) rec[c.name] = row[i];
    });
    return rec;
  });
}

function lookup(rec: Record<string, unknown>, names: readonly string[]): unknown {
  for (const [k, v] of Object.entries(rec))
    if (names.includes(k.toLowerCase()) && v !== null && v !== '') return v;
  return undefined;
}

/**
 * One row of a shape no poll-path parser knows -> one signal: its text columns are the texts the
 * catalog is asked about, the other columns are attributes. The row's cluster, node and time come
 * from the usual Container Insights column names when present. The source id hashes the row, so the
 * same row fetched again on a redelivery is the same signal.
 */
export function genericRowSignal(
  alert: CommonAlert,
  table: AlertRowTable,
  rec: Record<string, unknown>,
  base: FailureSignal,
): FailureSignal {
  const texts: string[] = [];
  const attributes: Record<string, string> = { ...base.attributes };
  let added = 0;
  const stringColumns = new Set(
    table.columns.filter((c) => !c.type || c.type.toLowerCase() === 'string').map((c) => c.name),
  );
  for (const [name, value] of Object.entries(rec)) {
    const lower = name.toLowerCase();
    const text = cellText(value);
    if (text === undefined || text.trim() === '') continue;
    if (
      stringColumns.has(name) &&
      typeof value === 'string' &&
      !METADATA_COLUMNS.has(lower) &&
      !NODE_COLUMNS.includes(lower)
    ) {
      texts.push(clip(text.trim(), MAX_TEXT_LENGTH));
    } else if (added < MAX_ROW_ATTRIBUTES && !(`row.${name}` in attributes)) {
      attributes[`row.${name}`] = clip(text.trim(), MAX_ATTRIBUTE_LENGTH);
      added++;
    }
  }
  const signal: FailureSignal = {
    ...base,
    sourceId: `${commonAlertKey(alert.essentials)}|row:${createHash('sha256')
      .update(JSON.stringify(table.columns.map((c) => c.name)))
      .update(JSON.stringify(Object.values(rec).map(cellText)))
      .digest('hex')
      .slice(0, 24)}`,
    texts: texts.length > 0 ? texts : base.texts,
    attributes,
  };
  const resource = cellText(lookup(rec, RESOURCE_COLUMNS));
  const aks = parseAksResourceId(resource);
  if (aks) {
    signal.cluster = aks.cluster;
    if (aks.agentPool) signal.nodePool = aks.agentPool;
    delete signal.resourceId;
  } else if (resource && /^\/?subscriptions\//i.test(resource)) {
    signal.resourceId = resource.startsWith('/') ? resource : `/${resource}`;
  }
  const node = cellText(lookup(rec, NODE_COLUMNS));
  if (node) signal.node = node;
  const time = TIME_COLUMNS.map((c) => cellTime(lookup(rec, [c]))).find((t) => t !== undefined);
  if (time) signal.occurredAt = time;
  const first = texts[0];
  if (first) signal.title = `${alert.essentials.alertRule}: ${clip(first.replace(/\s+/g, ' '), 200)}`;
  return signal;
}
