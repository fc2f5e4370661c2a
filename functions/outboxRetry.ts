import { app } from '@azure/functions';
import type { InvocationContext, Timer } from '@azure/functions';
import { theApp } from '../src/app/lazyApp.js';
import { settingValue } from '../src/config.js';
import type { Pipeline } from '../src/pipeline/pipeline.js';

/** Sends group updates whose window closed, holds that ran out, and outbox retries that are due. */
export function outboxRetryHandler(pipeline: () => Pipeline | Promise<Pipeline>) {
  return async (_timer: Timer, context: InvocationContext): Promise<void> => {
    const { runOutboxRetry } = await import('../src/pipeline/failurePoll.js');
    const { released, delivery } = await runOutboxRetry(await pipeline());
    if (released + delivery.delivered + delivery.retried + delivery.deadLettered > 0)
      context.info(
        `outbox: ${released} released, ${delivery.delivered} delivered, ${delivery.retried} retried, ${delivery.deadLettered} dead-lettered, ${delivery.pending} pending`,
      );
    for (const e of delivery.errors.slice(0, 20)) context.warn(`outbox: ${e}`);
  };
}

app.timer('outboxRetry', {
  schedule: settingValue(process.env, 'OUTBOX_RETRY_SCHEDULE') ?? '0 */1 * * * *',
  handler: outboxRetryHandler(async () => (await theApp()).pipeline()),
});
