import { TableClient } from '@azure/data-tables';
import { QueueClient } from '@azure/storage-queue';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  countPoisonedWork,
  enqueuePollWork,
  POLL_WORK_HEALTH_NAME,
} from '../../src/sources/logAnalytics/enqueuePollWork.js';
import { fromPollWorkMessage } from '../../src/sources/logAnalytics/pollWork.js';
import type { PollWorkItem } from '../../src/sources/logAnalytics/pollWork.js';
import { createGate, processPollItem } from '../../src/pipeline/processPollItem.js';
import type { PollItemDeps } from '../../src/pipeline/processPollItem.js';
import { processSignals } from '../../src/pipeline/processSignals.js';
import { pollSlice } from '../../src/sources/logAnalytics/poll.js';
import { readHealth } from '../../src/state/deliveryHealth.js';
import { createTableStore } from '../../src/state/tableStore.js';
import { readWatermark } from '../../src/state/watermarks.js';
import type { Azurite } from '../support/azurite.js';
import { startAzurite } from '../support/azurite.js';
import { FakeLogAnalytics } from '../support/fakeLogAnalytics.js';
import { WebhookReceiver } from '../support/webhookReceiver.js';
import { MIN, operationRow, pipelineTo } from '../support/fanout.js';

const WORKSPACES = [1, 2, 3, 4].map((n) => `5b0c7e2d-9a41-4f3e-8d6b-00000000000${String(n)}`);
const PER_WORKSPACE = 6;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let azurite: Azurite;
let fake: FakeLogAnalytics;
let receiver: WebhookReceiver;

beforeAll(async () => {
  azurite = await startAzurite(['table', 'queue']);
  fake = await FakeLogAnalytics.start({ latencyMs: 10 });
  receiver = new WebhookReceiver();
  await receiver.start();
});
afterAll(async () => {
  await receiver.stop();
  await fake.close();
  await azurite.stop();
});

/** What one worker did: items completed, and the attempts that failed (left for redelivery). */
interface WorkerLog {
  done: PollWorkItem[];
  failed: string[];
}

/**
 * A queue-triggered worker as the host runs it: receive one message (invisible for 2 s), process it,
 * delete it on success; on failure leave it, so it comes back after the visibility timeout.
 */
async function runWorker(queue: QueueClient, deps: PollItemDeps, stop: () => boolean): Promise<WorkerLog> {
  const log: WorkerLog = { done: [], failed: [] };
  while (!stop()) {
    const { receivedMessageItems } = await queue.receiveMessages({
      numberOfMessages: 1,
      visibilityTimeout: 2,
    });
    const m = receivedMessageItems[0];
    if (!m) {
      await sleep(100);
      continue;
    }
    const item = fromPollWorkMessage(m.messageText);
    try {
      await processPollItem(deps, item);
      await queue.deleteMessage(m.messageId, m.popReceipt);
      log.done.push(item);
    } catch (error) {
      log.failed.push(error instanceof Error ? error.message : String(error));
    }
  }
  return log;
}

describe('poll fan-out over Azurite queues and tables', () => {
  it('three workers and one that dies mid-item (after processing, before completing): every failure notified once, every watermark moved', async () => {
    const store = createTableStore(
      TableClient.fromConnectionString(azurite.connectionString, 'fanoutstate', {
        allowInsecureConnection: true,
      }),
    );
    const work = new QueueClient(azurite.connectionString, 'poll-work');
    const poison = new QueueClient(azurite.connectionString, 'poll-work-poison');
    await work.create();

    const now = Date.now();
    let event = 0;
    WORKSPACES.forEach((ws, w) => {
      const rows = Array.from({ length: PER_WORKSPACE }, (_, i) => {
        const at = now - (55 - i * 9) * MIN;
        return {
          ingestedAt: new Date(at).toISOString(),
          row: operationRow(w * 100 + i, ++event, new Date(at - MIN).toISOString()),
        };
      });
      fake
        .workspace(ws)
        .result('failedOperations')
        .add(...rows);
    });
    // The first query to one workspace fails: that item is redelivered after its visibility timeout.
    fake.script(WORKSPACES[2] ?? '', {
      status: 500,
      body: { error: { code: 'InternalServerError', message: 'boom' } },
    });

    const plan = await enqueuePollWork(store, work, {
      workspaceIds: WORKSPACES,
      queryNames: ['failedOperations', 'nodeAutoRepair'],
      now: new Date(now),
      overlapMs: 2 * MIN,
      initialLookbackMs: 60 * MIN,
      maxSliceMs: 10 * MIN,
    });
    expect(plan.failed).toEqual([]);
    expect(plan.sent).toBe(WORKSPACES.length * 2 * 6);

    // The dying worker takes a message, queries its window and puts its failures through the
    // pipeline, then dies: no completion record, no delete. The message comes back after 1 s.
    const pipeline = pipelineTo(store, receiver.url);
    const lost = (await work.receiveMessages({ numberOfMessages: 1, visibilityTimeout: 1 }))
      .receivedMessageItems[0];
    expect(lost).toBeDefined();
    const lostItem = fromPollWorkMessage(lost?.messageText);
    const half = await pollSlice(fake.client({ retryOptions: { maxRetries: 0 } }), lostItem);
    expect(half.signals.length).toBeGreaterThan(0);
    expect((await processSignals(pipeline.deps, half.signals)).processed).toBe(half.signals.length);

    const deps: PollItemDeps = {
      store,
      pipeline: pipeline.deps,
      client: fake.client({ retryOptions: { maxRetries: 0 } }),
      gate: createGate(5),
      query: { maxAttempts: 1 },
    };
    const ends = new Map(plan.plan.items.map((i) => [`${i.workspaceId}/${i.queryName}`, i.end]));
    let finished = false;
    // Generous: the machine may be busy with other test files; the test's own timeout is above it.
    const deadline = Date.now() + 75_000;
    const watch = (async () => {
      while (!finished && Date.now() < deadline) {
        const marks = await Promise.all(
          [...ends].map(async ([key, end]) => {
            const [ws, q] = key.split('/');
            return (await readWatermark(store, ws ?? '', q ?? '')) === end;
          }),
        );
        const { approximateMessagesCount } = await work.getProperties();
        if (marks.every(Boolean) && approximateMessagesCount === 0) finished = true;
        else await sleep(200);
      }
      finished = true;
    })();
    const logs = await Promise.all([1, 2, 3].map(() => runWorker(work, deps, () => finished)));
    await watch;

    for (const [key, end] of ends) {
      const [ws, q] = key.split('/');
      expect(await readWatermark(store, ws ?? '', q ?? ''), key).toBe(end);
    }
    const done = logs.flatMap((l) => l.done);
    expect(done).toHaveLength(plan.sent);
    // The lost item came back after its visibility timeout and was done by another worker.
    expect(
      done.filter(
        (i) =>
          i.start === lostItem.start &&
          i.workspaceId === lostItem.workspaceId &&
          i.queryName === lostItem.queryName,
      ),
    ).toHaveLength(1);
    expect(logs.flatMap((l) => l.failed).some((e) => e.includes(WORKSPACES[2] ?? '-'))).toBe(true);
    expect(logs.filter((l) => l.done.length > 0).length).toBeGreaterThanOrEqual(2);

    const delivery = await pipeline.deliver();
    expect(delivery.errors).toEqual([]);
    const total = WORKSPACES.length * PER_WORKSPACE;
    expect(receiver.requests).toHaveLength(total);
    for (let n = 1; n <= total; n++) {
      const id = `a1b2c3d4-0000-4000-8000-${String(n).padStart(12, '0')}`;
      expect(
        receiver.requests.filter((r) => r.body.toLowerCase().includes(id)),
        id,
      ).toHaveLength(1);
    }

    // Nothing reached the poison queue; one poisoned message later is counted once.
    await poison.create();
    expect(await countPoisonedWork(store, poison, new Date())).toEqual({ count: 0, added: 0 });
    await poison.sendMessage('e30=');
    expect(await countPoisonedWork(store, poison, new Date())).toEqual({ count: 1, added: 1 });
    expect(await countPoisonedWork(store, poison, new Date())).toEqual({ count: 1, added: 0 });
    const health = await readHealth(store, new Date(), new Date());
    expect(health[POLL_WORK_HEALTH_NAME]?.poisoned).toBe(1);
  }, 120_000);
});
