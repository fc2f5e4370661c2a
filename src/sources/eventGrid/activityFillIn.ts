import type { FailureSignal } from '../../model.js';
import type { LogRow } from '../logAnalytics/rowCells.js';
import type { ActivityError, FindActivityErrorOptions } from './findActivityError.js';
import { activityErrorOf, findActivityError } from './findActivityError.js';
import type { SignalFillIn } from './receiveAksEvents.js';

export { activityQuery, TransientFillInError } from './findActivityError.js';

/**
 * Fills in the error a failure event leaves out (NodePoolRollingFailed, Resource*Failure carry no
 * code) from the failed operation in AzureActivity (findActivityError). Nothing found leaves the
 * signal as it was; enrichment then falls back to the provisioning error ARM reports. Workspaces
 * that could not be read for good are named in the signal's `activityLogNote` attribute.
 */

export type ActivityFillInOptions = FindActivityErrorOptions;

/** Signals whose error the activity log may hold. */
export function needsFillIn(s: FailureSignal): boolean {
  if (s.status !== 'firing' || !s.cluster || s.errorCodes.length > 0) return false;
  return (
    (s.kind === 'nodepool-rolling' && s.reason === 'NodePoolRollingFailed') || s.kind === 'resource-failure'
  );
}

/** The signal with the operation's error added; unchanged when the row holds none. */
export function withActivityError(s: FailureSignal, row: LogRow): FailureSignal {
  const found = activityErrorOf(row);
  return found ? withFound(s, found) : s;
}

function withFound(s: FailureSignal, found: Extract<ActivityError, { found: true }>): FailureSignal {
  const out: FailureSignal = {
    ...s,
    errorCodes: [...found.codes, ...s.errorCodes.filter((c) => !found.codes.includes(c))],
    texts: [...s.texts, ...found.texts],
    attributes: { ...s.attributes },
  };
  if (!out.correlationId && found.correlationId) out.correlationId = found.correlationId;
  if (found.operation) out.attributes.failedOperation = found.operation;
  if (found.statusCode) out.attributes.operationStatusCode = found.statusCode;
  return out;
}

export function createActivityFillIn(options: ActivityFillInOptions): SignalFillIn {
  const fill = async (s: FailureSignal): Promise<FailureSignal> => {
    const r = await findActivityError(s, options);
    if (r.found) return withFound(s, r);
    if (r.problems.length === 0) return s;
    return { ...s, attributes: { ...s.attributes, activityLogNote: `not read: ${r.problems.join('; ')}` } };
  };

  return async (signals) => {
    const out: FailureSignal[] = [];
    for (const s of signals) out.push(needsFillIn(s) && options.workspaceIds.length > 0 ? await fill(s) : s);
    return out;
  };
}
