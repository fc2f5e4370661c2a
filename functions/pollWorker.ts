import { app } from '@azure/functions';
import type { InvocationContext } from '@azure/functions';
import { POLL_WORK_QUEUE } from '../src/sources/logAnalytics/enqueuePollWork.js';
import { pollWorkerDepsFromEnv } from '../src/app/fanOutRuntime.js';
import { fromPollWorkMessage } from '../src/sources/logAnalytics/pollWork.js';
import type { PollItemDeps } from '../src/pipeline/processPollItem.js';
import { processPollItem } from '../src/pipeline/processPollItem.js';

/**
 * One poll work item from the `poll-work` queue (POLL_FANOUT=queue): its query, its failures through
 * the pipeline (delivered by the outboxRetry timer), its watermark. A failed query throws, so the
 * host redelivers the message and, after its last attempt, moves it to `poll-work-poison`.
 */
export function pollWorkerHandler(deps: () => PollItemDeps) {
  return async (message: unknown, context: InvocationContext): Promise<void> => {
    const item = fromPollWorkMessage(message);
    const label = `${item.workspaceId}/${item.queryName} ${item.start}..${item.end}`;
    const r = await processPollItem(deps(), item);
    context.info(
      `poll worker: ${label}: ${r.received} failure row(s), ${r.processed} new, ${r.enqueued} notification(s) queued${r.watermark ? `; watermark ${r.watermark}` : ''}`,
    );
    for (const e of r.rowErrors.slice(0, 20)) context.warn(`poll worker: ${label}: ${e}`);
    for (const p of r.problems.slice(0, 20)) context.warn(`poll worker: ${label}: ${p}`);
  };
}

app.storageQueue('pollWorker', {
  queueName: POLL_WORK_QUEUE,
  connection: 'AzureWebJobsStorage',
  handler: pollWorkerHandler(() => pollWorkerDepsFromEnv(process.env)),
});
