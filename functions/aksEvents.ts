import { app } from '@azure/functions';
import type { InvocationContext } from '@azure/functions';
import { theApp } from '../src/app/lazyApp.js';
import type { AksEventsDeps } from '../src/sources/eventGrid/receiveAksEvents.js';

/**
 * AKS system events, scheduled-maintenance notices and failed ARM writes on AKS resources, from Event
 * Grid (either schema). A throw answers 500 and Event Grid redelivers the whole batch.
 */
export function aksEventsHandler(deps: () => AksEventsDeps | Promise<AksEventsDeps>) {
  return async (event: unknown, context: InvocationContext): Promise<void> => {
    const { receiveAksEvents } = await import('../src/sources/eventGrid/receiveAksEvents.js');
    const r = await receiveAksEvents(event, await deps(), context);
    context.info(
      `aks events: ${r.signals} signal(s), ${r.enqueued} new, ${r.duplicates} duplicate, ${r.ignored} ignored, ${r.malformed} malformed`,
    );
  };
}

app.eventGrid('aksEvents', {
  handler: aksEventsHandler(async () => (await theApp()).aksEventsDeps()),
});
