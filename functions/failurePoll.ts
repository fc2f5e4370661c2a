import { app } from '@azure/functions';
import type { InvocationContext, Timer } from '@azure/functions';
import { theApp } from '../src/app/lazyApp.js';
import { settingValue } from '../src/config.js';
import type { FailurePollDeps } from '../src/pipeline/failurePoll.js';
import type { PollFanOutDeps } from '../src/pipeline/fanOut.js';

type Deps<T> = () => T | Promise<T>;

/**
 * Polls Log Analytics for new AKS failures and delivers them. A failed query fails the run (after
 * what did arrive was delivered) so the platform retries; a failing webhook does not, its items wait
 * in the outbox.
 */
export function failurePollHandler(
  deps: Deps<FailurePollDeps>,
  fanOut: Deps<PollFanOutDeps | undefined> = () => undefined,
) {
  return async (timer: Timer, context: InvocationContext): Promise<void> => {
    const f = await fanOut();
    if (f) return planIntoQueue(f, context);
    const d = await deps();
    if (d.workspaceIds.length === 0) {
      context.warn('failure poll: LOG_ANALYTICS_WORKSPACE_IDS is empty, nothing to poll');
      return;
    }
    if (timer.isPastDue) context.info('failure poll: running late; catching up from the stored watermarks');
    const [{ runFailurePoll }, { pollCountsText }] = await Promise.all([
      import('../src/pipeline/failurePoll.js'),
      import('../src/pipeline/processSignals.js'),
    ]);
    const { poll, delivery } = await runFailurePoll(d);
    context.info(
      `failure poll: ${poll.slices} slice(s), ${pollCountsText(poll)}; delivered ${delivery.delivered}, pending ${delivery.pending}, dead-lettered ${delivery.deadLettered}`,
    );
    for (const e of poll.rowErrors.slice(0, 20)) context.warn(`failure poll: ${e}`);
    for (const e of delivery.errors.slice(0, 20)) context.warn(`failure poll: delivery: ${e}`);
    if (poll.failed.length > 0)
      throw new Error(`failure poll: ${poll.failed.length} query(ies) failed: ${poll.failed.join('; ')}`);
  };
}

/** POLL_FANOUT=queue: the work goes to the `poll-work` queue for the pollWorker function. */
async function planIntoQueue(f: PollFanOutDeps, context: InvocationContext): Promise<void> {
  const { runPollFanOut } = await import('../src/pipeline/fanOut.js');
  const { enqueue, poison } = await runPollFanOut(f);
  if (poison.added > 0)
    context.error(
      `failure poll: ${poison.added} work item(s) reached poll-work-poison (${poison.count} there now)`,
    );
  if (f.plan.workspaceIds.length === 0)
    context.warn('failure poll: LOG_ANALYTICS_WORKSPACE_IDS is empty, nothing to poll');
  const again = enqueue.plan.items.filter((i) => i.attempt > 1).length;
  context.info(
    `failure poll: ${enqueue.sent} work item(s) queued (${again} planned again after their lease ran out)`,
  );
  for (const h of enqueue.plan.held)
    context.warn(`failure poll: ${h} holds too many open ranges; no new range planned`);
  if (enqueue.failed.length > 0)
    throw new Error(
      `failure poll: ${enqueue.failed.length} work item(s) not queued: ${enqueue.failed.slice(0, 5).join('; ')}`,
    );
}

app.timer('failurePoll', {
  // Resolved at start-up with the setting's default, so an unset setting cannot break indexing.
  schedule: settingValue(process.env, 'FAILURE_POLL_SCHEDULE') ?? '0 */5 * * * *',
  handler: failurePollHandler(
    async () => (await theApp()).failurePollDeps(),
    async () => (await theApp()).pollFanOutDeps(),
  ),
});
