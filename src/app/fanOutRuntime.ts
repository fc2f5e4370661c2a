import type { QueueClient } from '@azure/storage-queue';
import { parseDurationMs, readSettings } from '../config.js';
import type { AzureAccess } from './runtime.js';
import {
  azureAccessFromSettings,
  clusterPortsFromEnv,
  pipelineFromEnv,
  stateStoreFromSettings,
} from './runtime.js';
import { inboxQueueClient } from './alertRuntime.js';
import { createLogsQueryClient, MAX_CONCURRENT_QUERIES } from '../sources/logAnalytics/poll.js';
import type { KeyValueStore } from '../state/keyValueStore.js';
import type { EnqueueReport } from '../sources/logAnalytics/enqueuePollWork.js';
import {
  countPoisonedWork,
  enqueuePollWork,
  POLL_WORK_POISON_QUEUE,
  POLL_WORK_QUEUE,
} from '../sources/logAnalytics/enqueuePollWork.js';
import type { PlanPollWorkOptions } from '../sources/logAnalytics/pollWork.js';
import type { Gate, PollItemDeps } from '../pipeline/processPollItem.js';
import { createGate } from '../pipeline/processPollItem.js';

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

function workspaceIdsOf(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((id) => id.trim())
    .filter(Boolean);
}

/** The fan-out planner from app settings, or undefined when POLL_FANOUT is not `queue`. */
export function pollFanOutDepsFromEnv(env: NodeJS.ProcessEnv): PollFanOutDeps | undefined {
  const s = readSettings(env);
  if (s.POLL_FANOUT !== 'queue') return undefined;
  return {
    store: stateStoreFromSettings(env),
    queue: inboxQueueClient(env, POLL_WORK_QUEUE),
    poison: inboxQueueClient(env, POLL_WORK_POISON_QUEUE),
    plan: {
      workspaceIds: workspaceIdsOf(s.LOG_ANALYTICS_WORKSPACE_IDS),
      overlapMs: parseDurationMs(s.POLL_OVERLAP ?? '2m') ?? 120_000,
      initialLookbackMs: parseDurationMs(s.POLL_INITIAL_LOOKBACK ?? '1h') ?? 3_600_000,
    },
    now: () => new Date(),
  };
}

// One gate and one set of clients per process: every message this instance runs shares them.
let workerDeps: { env: NodeJS.ProcessEnv; deps: PollItemDeps } | undefined;
let gate: Gate | undefined;

/** The worker's dependencies from app settings, built once per process; `azure` defaults to the app's identity. */
export function pollWorkerDepsFromEnv(env: NodeJS.ProcessEnv, azure?: AzureAccess): PollItemDeps {
  if (workerDeps?.env === env) return workerDeps.deps;
  const s = readSettings(env);
  const access = azure ?? azureAccessFromSettings(s);
  gate ??= createGate(Math.min(MAX_CONCURRENT_QUERIES, Number(s.POLL_MAX_CONCURRENCY ?? 4) || 1));
  const pipeline = pipelineFromEnv(env, clusterPortsFromEnv(env, access));
  const deps: PollItemDeps = {
    store: pipeline.deps.store,
    pipeline: pipeline.deps,
    client: createLogsQueryClient(s.LOG_ANALYTICS_ENDPOINT, access.credential),
    gate,
  };
  workerDeps = { env, deps };
  return deps;
}
