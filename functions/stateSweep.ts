import { app } from '@azure/functions';
import type { InvocationContext, Timer } from '@azure/functions';
import { theApp } from '../src/app/lazyApp.js';
import type { Pipeline } from '../src/pipeline/pipeline.js';

/**
 * Hourly housekeeping: deletes seen markers, decision records, delivered and dead-lettered items,
 * fired-alert memory and journal days past their retention (src/pipeline/stateRetention.ts).
 * Its own timer so a large sweep never delays delivery.
 */
export function stateSweepHandler(pipeline: () => Pipeline | Promise<Pipeline>) {
  return async (_timer: Timer, context: InvocationContext): Promise<void> => {
    const sweep = await (await pipeline()).sweep();
    const deleted = Object.entries(sweep.deleted).map(([scope, n]) => `${scope} ${String(n)}`);
    context.info(
      `state sweep: ${String(sweep.scanned)} entries read, deleted ${deleted.join(', ') || 'none'}${sweep.complete ? '' : '; the rest next hour'}`,
    );
    for (const e of sweep.errors) context.warn(`state sweep: ${e}`);
  };
}

app.timer('stateSweep', {
  schedule: '0 17 * * * *',
  handler: stateSweepHandler(async () => (await theApp()).pipeline()),
});
