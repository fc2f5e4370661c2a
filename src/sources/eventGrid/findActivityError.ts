import type { LogsTable } from '@azure/monitor-query-logs';
import type { FailureSignal } from '../../model.js';
import { armErrorParts } from '../commonAlert/armErrorParts.js';
import { kqlDatetime, kqlString } from '../../azure/kql.js';
import type { LogsQuerier, QueryLogsOptions } from '../logAnalytics/queryLogs.js';
import { queryLogs } from '../logAnalytics/queryLogs.js';
import type { LogRow } from '../logAnalytics/rowCells.js';
import { text } from '../logAnalytics/rowCells.js';

/**
 * The failed operation behind a failure event, read from AzureActivity: by correlation id when the
 * event has one, else the failed managed-cluster write on the pool or cluster around the event
 * time. Its Properties_d.statusMessage gives the error codes and messages the event leaves out.
 */

export interface FindActivityErrorOptions {
  client: LogsQuerier;
  /** Workspaces the clusters' activity logs are exported to; asked in order until one answers. */
  workspaceIds: readonly string[];
  /** How far before the event the operation may have started (upgrades run for a long time). */
  beforeMs?: number;
  /** How far after the event its row may carry a time (clock skew between services). */
  afterMs?: number;
  queryOptions?: QueryLogsOptions;
}

/** What the activity log says about a signal's operation. */
export type ActivityError =
  | {
      found: true;
      codes: string[];
      texts: string[];
      correlationId?: string;
      operation?: string;
      statusCode?: string;
    }
  /** Nothing found; `problems` names workspaces that could not be read for good (403, 404, bad query). */
  | { found: false; problems: string[] };

/** Log Analytics could not be asked now; the delivery should be retried. */
export class TransientFillInError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TransientFillInError';
  }
}

const DEFAULT_BEFORE_MS = 3 * 3_600_000;
const DEFAULT_AFTER_MS = 15 * 60_000;
const ROWS = 20;
const TRANSIENT = new Set(['throttled', 'unavailable', 'timeout']);

function poolId(s: FailureSignal): string | undefined {
  return s.cluster && s.nodePool ? `${s.cluster.resourceId}/agentPools/${s.nodePool}` : undefined;
}

/** The KQL that finds the failed operation behind a signal; every value is a quoted literal. */
export function activityQuery(s: FailureSignal, start: Date, end: Date): string {
  const lines = [
    'AzureActivity',
    `| where TimeGenerated between (${kqlDatetime(start)} .. ${kqlDatetime(end)})`,
    '| where ActivityStatusValue in~ ("Failure", "Failed")',
  ];
  if (s.correlationId) lines.push(`| where CorrelationId =~ ${kqlString(s.correlationId)}`);
  else {
    lines.push('| where OperationNameValue startswith "microsoft.containerservice/managedclusters"');
    const ids = [s.cluster?.resourceId, poolId(s)].filter((x): x is string => Boolean(x));
    lines.push(`| where _ResourceId in~ (${ids.map(kqlString).join(', ')})`);
  }
  lines.push(
    '| project TimeGenerated, CorrelationId, OperationNameValue, ActivityStatusValue, _ResourceId,',
    '          StatusCode = tostring(Properties_d.statusCode), StatusMessage = tostring(Properties_d.statusMessage)',
    '| order by TimeGenerated desc',
    `| take ${String(ROWS)}`,
  );
  return lines.join('\n');
}

function rowsOf(tables: LogsTable[]): LogRow[] {
  const out: LogRow[] = [];
  for (const t of tables) {
    const names = t.columnDescriptors.map((c) => c.name);
    for (const r of t.rows) {
      const row: LogRow = {};
      names.forEach((n, i) => {
        row[n] = r[i];
      });
      out.push(row);
    }
  }
  return out;
}

/** Whether a row is the signal's operation (the query says so too; this keeps a loose answer out). */
function belongs(s: FailureSignal, row: LogRow): boolean {
  if (!/^(failure|failed)$/i.test(text(row, 'ActivityStatusValue') ?? 'Failed')) return false;
  if (s.correlationId) return text(row, 'CorrelationId')?.toLowerCase() === s.correlationId.toLowerCase();
  const rid = text(row, '_ResourceId')?.toLowerCase();
  const op = text(row, 'OperationNameValue')?.toLowerCase() ?? '';
  return (
    op.startsWith('microsoft.containerservice/managedclusters') &&
    (rid === s.cluster?.resourceId.toLowerCase() || rid === poolId(s)?.toLowerCase())
  );
}

/** The error one AzureActivity row carries; undefined when its statusMessage holds none. */
export function activityErrorOf(row: LogRow): Extract<ActivityError, { found: true }> | undefined {
  const parts = armErrorParts(text(row, 'StatusMessage') ?? '');
  if (parts.codes.length === 0 && parts.messages.length === 0) return undefined;
  const out: Extract<ActivityError, { found: true }> = {
    found: true,
    codes: parts.codes,
    texts: parts.messages,
  };
  const correlationId = text(row, 'CorrelationId');
  if (correlationId) out.correlationId = correlationId;
  const operation = text(row, 'OperationNameValue');
  if (operation) out.operation = operation;
  const statusCode = text(row, 'StatusCode');
  if (statusCode) out.statusCode = statusCode;
  return out;
}

/**
 * Asks each workspace for the signal's failed operation. Throws TransientFillInError when Log
 * Analytics is throttled, unavailable or timed out (the caller lets Event Grid redeliver); a
 * permanent failure of one workspace is named in the answer and the next workspace is asked.
 */
export async function findActivityError(
  signal: FailureSignal,
  options: FindActivityErrorOptions,
): Promise<ActivityError> {
  const at = Date.parse(signal.occurredAt);
  const start = new Date(at - (options.beforeMs ?? DEFAULT_BEFORE_MS));
  const end = new Date(at + (options.afterMs ?? DEFAULT_AFTER_MS));
  const query = activityQuery(signal, start, end);
  const problems: string[] = [];
  for (const ws of options.workspaceIds) {
    const r = await queryLogs(
      options.client,
      ws,
      query,
      { startTime: start, endTime: end },
      options.queryOptions,
    );
    if (r.status === 'failed') {
      if (TRANSIENT.has(r.kind))
        throw new TransientFillInError(`activity log of workspace ${ws} unavailable: ${r.error}`);
      problems.push(`workspace ${ws}: ${r.error}`);
      continue;
    }
    // Newest first: the last failed attempt of the operation says why it ended.
    const rows = rowsOf(r.tables).filter((row) => belongs(signal, row));
    rows.sort((a, b) => (text(b, 'TimeGenerated') ?? '').localeCompare(text(a, 'TimeGenerated') ?? ''));
    for (const row of rows) {
      const found = activityErrorOf(row);
      if (found) return found;
    }
  }
  return { found: false, problems };
}
