import { app } from '@azure/functions';
import type { InvocationContext, Timer } from '@azure/functions';
import type { FailurePollDeps } from '../src/pipeline/failurePoll.js';
import { failurePollDepsFromEnv, runFailurePoll } from '../src/pipeline/failurePoll.js';
import { settingValue } from '../src/sources/commonAlert/alertRuntime.js';

/**
 * Polls Log Analytics for new AKS failures and delivers them. A failed query fails the run (after
 * what did arrive was delivered) so the platform retries; a failing webhook does not, its items wait
 * in the outbox.
 */
export function failurePollHandler(deps: () => FailurePollDeps) {
  return async (timer: Timer, context: InvocationContext): Promise<void> => {
    const d = deps();
    if (d.workspaceIds.length === 0) {
      context.warn('failure poll: LOG_ANALYTICS_WORKSPACE_IDS is empty, nothing to poll');
      return;
    }
    if (timer.isPastDue) context.info('failure poll: running late; catching up from the stored watermarks');
    const { poll, delivery } = await runFailurePoll(d);
    context.info(
      `failure poll: ${poll.slices} slice(s), ${poll.received} failure row(s), ${poll.processed} new, ${poll.enqueued} notification(s) queued; delivered ${delivery.delivered}, pending ${delivery.pending}, dead-lettered ${delivery.deadLettered}`,
    );
    for (const e of poll.rowErrors.slice(0, 20)) context.warn(`failure poll: ${e}`);
    for (const e of delivery.errors.slice(0, 20)) context.warn(`failure poll: delivery: ${e}`);
    if (poll.failed.length > 0)
      throw new Error(`failure poll: ${poll.failed.length} query(ies) failed: ${poll.failed.join('; ')}`);
  };
}

app.timer('failurePoll', {
  // Resolved at start-up with the setting's default, so an unset setting cannot break indexing.
  schedule: settingValue(process.env, 'FAILURE_POLL_SCHEDULE') ?? '0 */5 * * * *',
  handler: failurePollHandler(() => failurePollDepsFromEnv(process.env)),
});
