import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QueueClient } from '@azure/storage-queue';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { failurePollHandler } from '../../functions/failurePoll.js';
import { pollWorkerHandler } from '../../functions/pollWorker.js';
import type { PollFanOutDeps } from '../../src/pipeline/fanOut.js';
import { createApp } from '../../src/app/app.js';
import type { Notification } from '../../src/model.js';
import { POLL_WORK_HEALTH_NAME } from '../../src/sources/logAnalytics/enqueuePollWork.js';
import {
  fromPollWorkMessage,
  planPollWork,
  toPollWorkMessage,
} from '../../src/sources/logAnalytics/pollWork.js';
import type { PollItemDeps } from '../../src/pipeline/processPollItem.js';
import type { FailurePollDeps } from '../../src/pipeline/failurePoll.js';
import { readHealth } from '../../src/state/deliveryHealth.js';
import type { KeyValueStore } from '../../src/state/keyValueStore.js';
import { createFileStore } from '../../src/state/fileStore.js';
import { createMemoryStore } from '../../src/state/memoryStore.js';
import { listOutbox } from '../../src/deliver/outbox.js';
import { readWatermark } from '../../src/state/watermarks.js';
import type { Azurite } from '../support/azurite.js';
import { startAzurite } from '../support/azurite.js';
import { FakeLogAnalytics } from '../support/fakeLogAnalytics.js';
import { clusterId, MIN, operationRow, pipelineTo } from '../support/fanout.js';
import { FakeArm } from '../support/fakeArm.js';
import { TIMER, loggingContext } from '../support/functionContext.js';

const WS = '5b0c7e2d-9a41-4f3e-8d6b-2c1a0f9e8d7c';

let azurite: Azurite;
let fake: FakeLogAnalytics;
let store: KeyValueStore;
let logs: string[];

beforeAll(async () => {
  azurite = await startAzurite(['queue']);
  fake = await FakeLogAnalytics.start();
});
afterAll(async () => {
  await fake.close();
  await azurite.stop();
});
beforeEach(() => {
  store = createMemoryStore();
  logs = [];
});

const context = (name: string) => loggingContext(name, logs);

function workerDeps(): PollItemDeps {
  return {
    store,
    pipeline: pipelineTo(store, 'https://127.0.0.1:9/hook').deps,
    client: fake.client({ retryOptions: { maxRetries: 0 } }),
    query: { maxAttempts: 1 },
  };
}

async function oneItem(workspaceId: string) {
  const { items } = await planPollWork(store, {
    workspaceIds: [workspaceId],
    queryNames: ['failedOperations'],
    now: new Date(),
    overlapMs: 2 * MIN,
    initialLookbackMs: 60 * MIN,
  });
  const [item] = items;
  if (!item) throw new Error('expected an item');
  return item;
}

describe('pollWorker (queue trigger)', () => {
  it('processes a work item: failures queued, watermark moved, a summary logged', async () => {
    const at = Date.now() - 10 * MIN;
    fake
      .workspace(WS)
      .result('failedOperations')
      .add({
        ingestedAt: new Date(at).toISOString(),
        row: operationRow(7, 7, new Date(at - MIN).toISOString()),
      });
    const item = await oneItem(WS);
    // The trigger hands over the decoded JSON object.
    await pollWorkerHandler(workerDeps)(JSON.parse(JSON.stringify(item)), context('pollWorker'));
    expect(await readWatermark(store, WS, 'failedOperations')).toBe(item.end);
    expect(logs.some((l) => /1 failure row\(s\), 1 new, 1 notification\(s\) queued; watermark/.test(l))).toBe(
      true,
    );
  });

  it('throws on a failed query so the host redelivers, keeping the watermark', async () => {
    const ws = '5b0c7e2d-9a41-4f3e-8d6b-2c1a0f9e8d7d';
    fake.workspace(ws);
    fake.script(ws, { status: 503, body: { error: { code: 'ServiceUnavailable', message: 'try later' } } });
    const item = await oneItem(ws);
    await expect(pollWorkerHandler(workerDeps)(item, context('pollWorker'))).rejects.toThrow(
      new RegExp(`poll item ${ws}/failedOperations`),
    );
    expect(await readWatermark(store, ws, 'failedOperations')).toBeUndefined();
  });

  it('rejects a malformed message with a clear error', async () => {
    await expect(
      pollWorkerHandler(workerDeps)({ workspaceId: WS, queryName: 'nope' }, context('pollWorker')),
    ).rejects.toThrow(/poll work message rejected: queryName must be one of/);
  });
});

describe('pollWorker built from app settings', () => {
  it('queues the failures of a work item with their cluster and node-pool context', async () => {
    const arm = await FakeArm.start();
    const dir = mkdtempSync(join(tmpdir(), 'poll-worker-env-'));
    try {
      arm.setCluster(clusterId(7), { properties: { currentKubernetesVersion: '1.29.9' } });
      arm.setPool(clusterId(7), 'userpool', { vmSize: 'Standard_E8s_v5', mode: 'User' });
      const ws = '5b0c7e2d-9a41-4f3e-8d6b-2c1a0f9e8d70';
      const at = Date.now() - 10 * MIN;
      fake
        .workspace(ws)
        .result('failedOperations')
        .add({
          ingestedAt: new Date(at).toISOString(),
          row: operationRow(7, 1, new Date(at - MIN).toISOString()),
        });
      const env = {
        STATE_DIR: dir,
        WEBHOOK_URL: 'https://127.0.0.1:9/hook',
        ARM_ENDPOINT: arm.endpoint,
        LOG_ANALYTICS_ENDPOINT: fake.endpoint,
      };
      const app = createApp(env, {
        azure: { ...arm.azureAccess(), logsClientOptions: fake.clientOptions() },
      });
      const deps = async (): Promise<PollItemDeps> => ({
        ...(await app.pollWorkerDeps()),
        query: { maxAttempts: 1 },
      });
      await pollWorkerHandler(deps)(await oneItem(ws), context('pollWorker'));
      const queued: Notification[] = [];
      for await (const { item } of listOutbox(createFileStore(dir), 'pending'))
        queued.push(JSON.parse(item.body) as Notification);
      expect(queued).toHaveLength(1);
      expect(queued[0]?.failures[0]?.context).toMatchObject({
        kubernetesVersion: '1.29.9',
        nodePool: { name: 'userpool', vmSize: 'Standard_E8s_v5' },
      });
    } finally {
      await arm.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('failurePoll timer with POLL_FANOUT=queue', () => {
  it('queues one message per workspace, query and slice, and counts poisoned messages in delivery health', async () => {
    const work = new QueueClient(azurite.connectionString, 'poll-work');
    const poison = new QueueClient(azurite.connectionString, 'poll-work-poison');
    await work.create();
    await poison.create();
    await poison.sendMessage(
      toPollWorkMessage({
        workspaceId: WS,
        queryName: 'autoscaler',
        start: '2026-01-01T00:00:00Z',
        end: '2026-01-01T00:05:00Z',
        attempt: 1,
      }),
    );
    const fanOut: PollFanOutDeps = {
      store,
      queue: work,
      poison,
      plan: {
        workspaceIds: [WS, '5b0c7e2d-9a41-4f3e-8d6b-2c1a0f9e8d7e'],
        overlapMs: 2 * MIN,
        initialLookbackMs: 60 * MIN,
      },
      now: () => new Date(),
    };
    const inline = (): FailurePollDeps => {
      throw new Error('the inline poll must not run in queue mode');
    };
    await failurePollHandler(inline, () => fanOut)(TIMER, context('failurePoll'));
    const { receivedMessageItems } = await work.receiveMessages({ numberOfMessages: 32 });
    expect(receivedMessageItems).toHaveLength(6);
    const items = receivedMessageItems.map((m) => fromPollWorkMessage(m.messageText));
    expect(new Set(items.map((i) => `${i.workspaceId}/${i.queryName}`)).size).toBe(6);
    expect(logs.some((l) => l.includes('6 work item(s) queued'))).toBe(true);
    expect(logs.some((l) => /^error: .*1 work item\(s\) reached poll-work-poison/.test(l))).toBe(true);
    expect((await readHealth(store, new Date(), new Date()))[POLL_WORK_HEALTH_NAME]?.poisoned).toBe(1);

    // The next tick: nothing new in the poison queue, in-flight ranges not queued again.
    logs = [];
    await failurePollHandler(inline, () => fanOut)(TIMER, context('failurePoll'));
    expect((await readHealth(store, new Date(), new Date()))[POLL_WORK_HEALTH_NAME]?.poisoned).toBe(1);
    expect(logs.some((l) => /^error:/.test(l))).toBe(false);
  });
});
