import type { QueueClient } from '@azure/storage-queue';
import { recordHealth } from '../../state/deliveryHealth.js';
import type { KeyValueStore } from '../../state/keyValueStore.js';
import type { PlanPollWorkOptions, PollWorkPlan } from './pollWork.js';
import { planPollWork, POLL_WORK_SCOPE, toPollWorkMessage } from './pollWork.js';

/** The name poisoned work items are counted under in delivery health. */
export const POLL_WORK_HEALTH_NAME = 'poll-work';

export interface EnqueueReport {
  plan: PollWorkPlan;
  sent: number;
  /** Items that could not be sent, named; their ranges are planned again once their lease runs out. */
  failed: string[];
}

/**
 * Plans the poll and sends one message per item (base64 JSON, as the queue trigger expects). A send
 * that fails loses nothing: the range stays in the plan record and is planned again after its lease.
 */
export async function enqueuePollWork(
  store: KeyValueStore,
  queue: Pick<QueueClient, 'sendMessage'>,
  options: PlanPollWorkOptions,
  concurrency = 16,
): Promise<EnqueueReport> {
  const plan = await planPollWork(store, options);
  const report: EnqueueReport = { plan, sent: 0, failed: [] };
  let next = 0;
  const worker = async () => {
    while (next < plan.items.length) {
      const item = plan.items[next++];
      if (!item) return;
      try {
        await queue.sendMessage(toPollWorkMessage(item));
        report.sent++;
      } catch (error) {
        const why = error instanceof Error ? error.message.split('\n')[0] : String(error);
        report.failed.push(`${item.workspaceId}/${item.queryName} ${item.start}..${item.end}: ${why ?? ''}`);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, worker));
  return report;
}

interface PoisonMark {
  count: number;
}

/**
 * Counts messages that reached the poison queue since the last look into delivery health (counter
 * `poisoned`, name `poll-work`), from the queue's approximate message count: the increase since the
 * count stored last time. Messages removed from the poison queue lower the baseline, they are not
 * counted again. Returns the current count and how many were added.
 */
export async function countPoisonedWork(
  store: KeyValueStore,
  poison: Pick<QueueClient, 'getProperties'>,
  at: Date,
): Promise<{ count: number; added: number }> {
  let count: number;
  try {
    count = (await poison.getProperties()).approximateMessagesCount ?? 0;
  } catch (error) {
    // The host creates the poison queue on the first poisoned message; absent means none yet.
    if ((error as { statusCode?: number }).statusCode === 404) count = 0;
    else throw error;
  }
  for (let attempt = 0; attempt < 20; attempt++) {
    const current = await store.get<PoisonMark>(POLL_WORK_SCOPE, 'poison-count');
    const added = Math.max(0, count - (current?.value.count ?? 0));
    const written = current
      ? await store.put(POLL_WORK_SCOPE, 'poison-count', { count }, current.version)
      : await store.create(POLL_WORK_SCOPE, 'poison-count', { count });
    if (written === undefined) continue;
    await recordHealth(store, at, POLL_WORK_HEALTH_NAME, 'poisoned', added);
    return { count, added };
  }
  throw new Error('could not store the poison queue count: too much contention');
}
