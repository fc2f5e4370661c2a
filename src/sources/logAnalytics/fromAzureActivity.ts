import type { FailureSignal } from '../../model.js';
import { armErrorParts } from '../commonAlert/armErrorParts.js';
import type { LogRow, RowLabel, RowOutcome } from './rowCells.js';
import { RowFieldError, aksOfRow, cell, guardRow, requireTime, stableHash, text } from './rowCells.js';
import { truncate as clip } from '../../text.js';

const AKS_OPERATION = /^microsoft\.containerservice\/managedclusters(\/|$)/i;
const FAILED_STATUS = /^(failure|failed)$/i;

interface Properties {
  props?: Record<string, unknown>;
  /** The column's text when it is JSON cut short (Log Analytics clips long strings): still worth reading. */
  broken?: { column: string; text: string };
}

/** `Properties_d` (dynamic: an object from the SDK, a JSON string in exports) or `Properties` (string). */
function properties(row: LogRow): Properties {
  let broken: Properties['broken'];
  for (const name of ['Properties_d', 'Properties']) {
    let v = cell(row, name);
    if (typeof v === 'string' && v.trim().startsWith('{')) {
      const raw = v.trim();
      try {
        v = JSON.parse(raw) as unknown;
      } catch {
        broken ??= { column: name, text: raw };
        continue;
      }
    }
    if (typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date))
      return { props: v as Record<string, unknown> };
  }
  return broken ? { broken } : {};
}

function propText(props: Record<string, unknown> | undefined, name: string): string | undefined {
  if (!props) return undefined;
  const lower = name.toLowerCase();
  for (const [k, v] of Object.entries(props)) {
    if (k.toLowerCase() !== lower || v === null || v === undefined) continue;
    const s = typeof v === 'string' ? v : JSON.stringify(v);
    return s.trim() === '' ? undefined : s;
  }
  return undefined;
}

/** "Microsoft.ContainerService/managedClusters/agentPools/write" -> "agent pool write". */
function operationLabel(operation: string): string {
  const parts = operation.split('/').slice(1);
  const verb = parts.pop() ?? '';
  const noun = (parts.pop() ?? 'managedClusters')
    .replace(/^managedclusters$/i, 'cluster')
    .replace(/^agentpools$/i, 'agent pool')
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .toLowerCase();
  return `${noun} ${verb.toLowerCase()}`.trim();
}

/**
 * One AzureActivity row -> a failed AKS operation signal. Rows for other providers, and events of
 * operations that did not fail (Started, Accepted, Succeeded), are skipped; names and statuses are
 * compared case-insensitively because their case varies. Error codes come from
 * `Properties_d.statusMessage` (`error.code` and nested `details[].code`, deepest first); the texts
 * are its messages. The source id is the event's `EventDataId`, unique per activity-log event.
 */
export function fromAzureActivity(
  row: LogRow,
  label: RowLabel = 'AzureActivity row',
): RowOutcome<FailureSignal> {
  return guardRow<FailureSignal>(label, () => {
    const operation = text(row, 'OperationNameValue', 'OperationName');
    if (operation === undefined) throw new RowFieldError('OperationNameValue', 'missing');
    if (!AKS_OPERATION.test(operation)) return { skip: `operation ${operation} is not an AKS operation` };
    const status = text(row, 'ActivityStatusValue', 'ActivityStatus');
    if (status === undefined) throw new RowFieldError('ActivityStatusValue', 'missing');
    if (!FAILED_STATUS.test(status)) return { skip: `operation status ${status} is not a failure` };
    const occurredAt = requireTime(row, 'TimeGenerated', 'EventSubmissionTimestamp');

    const { props, broken } = properties(row);
    // A request ARM refused outright logs its error as the response body, not a statusMessage.
    const statusMessage =
      text(row, 'StatusMessage') ??
      propText(props, 'statusMessage') ??
      propText(props, 'responseBody') ??
      broken?.text;
    const statusCode = text(row, 'StatusCode') ?? propText(props, 'statusCode');
    const parts = statusMessage !== undefined ? armErrorParts(statusMessage) : { codes: [], messages: [] };
    const aks = aksOfRow(row);
    const correlationId = text(row, 'CorrelationId');
    const eventId = text(row, 'EventDataId');
    const sourceId = eventId
      ? `activity:${eventId.toLowerCase()}`
      : `activity:${stableHash([correlationId, operation.toLowerCase(), status.toLowerCase(), occurredAt, text(row, '_ResourceId', 'ResourceId')?.toLowerCase()])}`;

    const where = aks ? `${aks.cluster.name}${aks.agentPool ? `/${aks.agentPool}` : ''}` : undefined;
    const lead = parts.codes[0];
    const attributes: Record<string, string> = { operation, activityStatus: status };
    const substatus = text(row, 'ActivitySubstatusValue', 'ActivitySubstatus');
    if (substatus) attributes.activitySubstatus = substatus;
    if (statusCode) attributes.statusCode = statusCode;
    const caller = text(row, 'Caller');
    if (caller) attributes.caller = caller;
    const level = text(row, 'Level');
    if (level) attributes.level = level;
    if (broken && !props) attributes.note = `${broken.column} is not valid JSON (clipped?); read as text`;
    else if (!statusMessage) attributes.note = 'the activity log event carries no statusMessage';

    const signal: FailureSignal = {
      source: 'activity-log',
      kind: 'operation-failed',
      sourceId,
      occurredAt,
      status: 'firing',
      reason: operation,
      title: `AKS ${operationLabel(operation)} failed${where ? ` on ${where}` : ''}${lead ? `: ${lead}` : ''}`,
      texts:
        parts.messages.length > 0
          ? parts.messages.map((m) => clip(m, 8000))
          : statusMessage
            ? [clip(statusMessage, 8000)]
            : [],
      errorCodes: parts.codes,
      attributes,
    };
    if (aks) {
      signal.cluster = aks.cluster;
      if (aks.agentPool) {
        signal.nodePool = aks.agentPool;
        signal.resourceId = `${aks.cluster.resourceId}/agentPools/${aks.agentPool}`;
      }
    } else {
      const resource = text(row, '_ResourceId', 'ResourceId');
      if (resource) signal.resourceId = resource;
    }
    if (correlationId) signal.correlationId = correlationId;
    return { signal };
  });
}
