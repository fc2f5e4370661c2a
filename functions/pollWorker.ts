import { app } from '@azure/functions';
import type { InvocationContext } from '@azure/functions';
import { theApp } from '../src/app/lazyApp.js';
import type { PollItemDeps } from '../src/pipeline/processPollItem.js';
import { POLL_WORK_QUEUE } from '../src/sources/logAnalytics/pollWorkQueue.js';

/**
 * One poll work item from the `poll-work` queue (POLL_FANOUT=queue): its query, its failures through
 * the pipeline (delivered by the outboxRetry timer), its watermark. A failed query throws, so the
 * host redelivers the message and, after its last attempt, moves it to `poll-work-poison`.
 */
export function pollWorkerHandler(deps: () => PollItemDeps | Promise<PollItemDeps>) {
  return async (message: unknown, context: InvocationContext): Promise<void> => {
    const [{ fromPollWorkMessage }, { processPollItem }, { pollCountsText }] = await Promise.all([
      import('../src/sources/logAnalytics/pollWork.js'),
      import('../src/pipeline/processPollItem.js'),
      import('../src/pipeline/processSignals.js'),
    ]);
    const item = fromPollWorkMessage(message);
    const label = `${item.workspaceId}/${item.queryName} ${item.start}..${item.end}`;
    const r = await processPollItem(await deps(), item);
    context.info(
      `poll worker: ${label}: ${pollCountsText(r)}${r.watermark ? `; watermark ${r.watermark}` : ''}`,
    );
    for (const e of r.rowErrors.slice(0, 20)) context.warn(`poll worker: ${label}: ${e}`);
    for (const p of r.problems.slice(0, 20)) context.warn(`poll worker: ${label}: ${p}`);
  };
}

app.storageQueue('pollWorker', {
  queueName: POLL_WORK_QUEUE,
  connection: 'AzureWebJobsStorage',
  handler: pollWorkerHandler(async () => (await theApp()).pollWorkerDeps()),
});
