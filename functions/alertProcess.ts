import { app } from '@azure/functions';
import type { InvocationContext } from '@azure/functions';
import { QUEUE_CONNECTION } from '../src/app/azureAccess.js';
import { theApp } from '../src/app/lazyApp.js';
import { settingValue } from '../src/config.js';
import type { AlertProcessDeps } from '../src/sources/commonAlert/processAlertMessage.js';

/**
 * Processes one stored alert: fetches log search rows, hands the signals to the pipeline. A throw
 * makes the queue deliver the message again (up to maxDequeueCount), then park it in `<queue>-poison`.
 */
export function alertProcessHandler(deps: () => AlertProcessDeps | Promise<AlertProcessDeps>) {
  return async (entry: unknown, context: InvocationContext): Promise<void> => {
    const dequeueCount = context.triggerMetadata?.dequeueCount;
    const attempt = typeof dequeueCount === 'number' ? dequeueCount : Number(dequeueCount ?? 1) || 1;
    const { processAlertMessage } = await import('../src/sources/commonAlert/processAlertMessage.js');
    const r = await processAlertMessage(entry, attempt, await deps(), context);
    context.info(
      `alert ${r.key}: ${r.signals} signal(s), ${r.enqueued} new, ${r.duplicates} duplicate (attempt ${attempt})`,
    );
  };
}

app.storageQueue('alertProcess', {
  // Resolved here, with the setting's declared default, so an unset setting cannot break indexing.
  queueName: settingValue(process.env, 'ALERT_INBOX_QUEUE') ?? 'alert-inbox',
  connection: QUEUE_CONNECTION,
  handler: alertProcessHandler(async () => (await theApp()).alertProcessDeps()),
});
