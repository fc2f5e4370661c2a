import type { LogsTable } from '@azure/monitor-query-logs';
import type { FailureSignal } from '../../model.js';
import { armErrorParts } from '../commonAlert/armErrorParts.js';
import { kqlDatetime, kqlString } from '../kqlString.js';
import type { LogsQuerier, QueryLogsOptions } from '../logAnalytics/queryLogs.js';
import { queryLogs } from '../logAnalytics/queryLogs.js';
import type { LogRow } from '../logAnalytics/rowCells.js';
import { text } from '../logAnalytics/rowCells.js';
import type { SignalFillIn } from './receiveAksEvents.js';

/**
 * Fills in the error a failure event leaves out (NodePoolRollingFailed, Resource*Failure carry no
 * code): the failed operation in AzureActivity, by correlation id when the event has one, else the
 * failed write on the pool or cluster around the event time. Its statusMessage adds error codes
 * and texts the catalog can match. Nothing found leaves the signal as it was; enrichment then falls
 * back to the provisioning error ARM reports.
 */

export interface ActivityFillInOptions {
  client: LogsQuerier;
  /** Workspaces the clusters' activity logs are exported to; each is asked. */
  workspaceIds: readonly string[];
  /** How far before the event the operation may have started (upgrades run for a long time). */
  beforeMs?: number;
  /** How far after the event its row may carry a time (clock skew between services). */
  afterMs?: number;
  queryOptions?: QueryLogsOptions;
}

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

/** Signals whose error the activity log may hold. */
export function needsFillIn(s: FailureSignal): boolean {
  if (s.status !== 'firing' || !s.cluster || s.errorCodes.length > 0) return false;
  return (
    (s.kind === 'nodepool-rolling' && s.reason === 'NodePoolRollingFailed') || s.kind === 'resource-failure'
  );
}

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

/** The signal with the operation's error added; unchanged when the row holds none. */
export function withActivityError(s: FailureSignal, row: LogRow): FailureSignal {
  const statusMessage = text(row, 'StatusMessage');
  const parts = armErrorParts(statusMessage ?? '');
  if (parts.codes.length === 0 && parts.messages.length === 0) return s;
  const out: FailureSignal = {
    ...s,
    errorCodes: [...parts.codes, ...s.errorCodes.filter((c) => !parts.codes.includes(c))],
    texts: [...s.texts, ...parts.messages],
    attributes: { ...s.attributes },
  };
  const correlationId = text(row, 'CorrelationId');
  if (!out.correlationId && correlationId) out.correlationId = correlationId;
  const op = text(row, 'OperationNameValue');
  if (op) out.attributes.failedOperation = op;
  const code = text(row, 'StatusCode');
  if (code) out.attributes.operationStatusCode = code;
  return out;
}

export function createActivityFillIn(options: ActivityFillInOptions): SignalFillIn {
  const before = options.beforeMs ?? DEFAULT_BEFORE_MS;
  const after = options.afterMs ?? DEFAULT_AFTER_MS;

  const fill = async (s: FailureSignal): Promise<FailureSignal> => {
    const at = Date.parse(s.occurredAt);
    const start = new Date(at - before);
    const end = new Date(at + after);
    const query = activityQuery(s, start, end);
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
      const rows = rowsOf(r.tables).filter((row) => belongs(s, row));
      rows.sort((a, b) => (text(b, 'TimeGenerated') ?? '').localeCompare(text(a, 'TimeGenerated') ?? ''));
      for (const row of rows) {
        const filled = withActivityError(s, row);
        if (filled !== s) return filled;
      }
    }
    if (problems.length === 0) return s;
    return { ...s, attributes: { ...s.attributes, activityLogNote: `not read: ${problems.join('; ')}` } };
  };

  return async (signals) => {
    const out: FailureSignal[] = [];
    for (const s of signals) out.push(needsFillIn(s) && options.workspaceIds.length > 0 ? await fill(s) : s);
    return out;
  };
}
