import { app } from '@azure/functions';
import type { InvocationContext } from '@azure/functions';
import {
  ALERT_INBOX_CONNECTION,
  alertProcessDepsFromEnv,
  settingValue,
} from '../src/app/alertRuntime.js';
import { processAlertMessage } from '../src/sources/commonAlert/processAlertMessage.js';
import type { AlertProcessDeps } from '../src/sources/commonAlert/processAlertMessage.js';

/**
 * Processes one stored alert: fetches log search rows, hands the signals to the pipeline. A throw
 * makes the queue deliver the message again (up to maxDequeueCount), then park it in `<queue>-poison`.
 */
export function alertProcessHandler(deps: () => AlertProcessDeps) {
  return async (entry: unknown, context: InvocationContext): Promise<void> => {
    const dequeueCount = context.triggerMetadata?.dequeueCount;
    const attempt = typeof dequeueCount === 'number' ? dequeueCount : Number(dequeueCount ?? 1) || 1;
    const r = await processAlertMessage(entry, attempt, deps(), context);
    context.info(
      `alert ${r.key}: ${r.signals} signal(s), ${r.enqueued} new, ${r.duplicates} duplicate (attempt ${attempt})`,
    );
  };
}

app.storageQueue('alertProcess', {
  // Resolved here, with the setting's declared default, so an unset setting cannot break indexing.
  queueName: settingValue(process.env, 'ALERT_INBOX_QUEUE') ?? 'alert-inbox',
  connection: ALERT_INBOX_CONNECTION,
  handler: alertProcessHandler(() => alertProcessDepsFromEnv(process.env)),
});
