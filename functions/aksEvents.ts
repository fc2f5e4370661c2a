import { app } from '@azure/functions';
import type { InvocationContext } from '@azure/functions';
import { aksEventsDepsFromEnv } from '../src/app/eventGridRuntime.js';
import { receiveAksEvents } from '../src/sources/eventGrid/receiveAksEvents.js';
import type { AksEventsDeps } from '../src/sources/eventGrid/receiveAksEvents.js';

/**
 * AKS system events, scheduled-maintenance notices and failed ARM writes on AKS resources, from Event
 * Grid (either schema). A throw answers 500 and Event Grid redelivers the whole batch.
 */
export function aksEventsHandler(deps: () => AksEventsDeps) {
  return async (event: unknown, context: InvocationContext): Promise<void> => {
    const r = await receiveAksEvents(event, deps(), context);
    context.info(
      `aks events: ${r.signals} signal(s), ${r.enqueued} new, ${r.duplicates} duplicate, ${r.ignored} ignored, ${r.malformed} malformed`,
    );
  };
}

app.eventGrid('aksEvents', {
  handler: aksEventsHandler(() => aksEventsDepsFromEnv(process.env)),
});
