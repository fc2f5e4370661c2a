import type { QueueClient } from '@azure/storage-queue';
import type { EnqueueReport } from '../sources/logAnalytics/enqueuePollWork.js';
import { countPoisonedWork, enqueuePollWork } from '../sources/logAnalytics/enqueuePollWork.js';
import type { KeyValueStore } from '../state/keyValueStore.js';
import type { PlanPollWorkOptions } from '../sources/logAnalytics/pollWork.js';

/** What the failurePoll timer needs to plan a poll into the queue. */
export interface PollFanOutDeps {
  store: KeyValueStore;
  queue: Pick<QueueClient, 'sendMessage'>;
  poison: Pick<QueueClient, 'getProperties'>;
  plan: Omit<PlanPollWorkOptions, 'now'>;
  now: () => Date;
}

export interface PollFanOutReport {
  enqueue: EnqueueReport;
  poison: { count: number; added: number };
}

/** One timer tick in queue mode: count new poison messages, then plan and send the work. */
export async function runPollFanOut(deps: PollFanOutDeps): Promise<PollFanOutReport> {
  const now = deps.now();
  const poison = await countPoisonedWork(deps.store, deps.poison, now);
  const enqueue = await enqueuePollWork(deps.store, deps.queue, { ...deps.plan, now });
  return { enqueue, poison };
}
