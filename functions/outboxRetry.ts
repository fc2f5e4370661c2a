import { app } from '@azure/functions';
import type { InvocationContext, Timer } from '@azure/functions';
import { runOutboxRetry } from '../src/pipeline/failurePoll.js';
import type { Pipeline } from '../src/app/runtime.js';
import { pipelineFromEnv } from '../src/app/runtime.js';
import { settingValue } from '../src/app/alertRuntime.js';

/** Sends group updates whose window closed, holds that ran out, and outbox retries that are due. */
export function outboxRetryHandler(pipeline: () => Pipeline) {
  return async (_timer: Timer, context: InvocationContext): Promise<void> => {
    const { released, delivery } = await runOutboxRetry(pipeline());
    if (released + delivery.delivered + delivery.retried + delivery.deadLettered > 0)
      context.info(
        `outbox: ${released} released, ${delivery.delivered} delivered, ${delivery.retried} retried, ${delivery.deadLettered} dead-lettered, ${delivery.pending} pending`,
      );
    for (const e of delivery.errors.slice(0, 20)) context.warn(`outbox: ${e}`);
  };
}

app.timer('outboxRetry', {
  schedule: settingValue(process.env, 'OUTBOX_RETRY_SCHEDULE') ?? '0 */1 * * * *',
  handler: outboxRetryHandler(() => pipelineFromEnv(process.env)),
});
