import { QueueClient } from '@azure/storage-queue';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countPoisonedWork, enqueuePollWork } from '../../../src/sources/logAnalytics/enqueuePollWork.js';
import { fromPollWorkMessage, planPollWork } from '../../../src/sources/logAnalytics/pollWork.js';
import { readHealth } from '../../../src/state/deliveryHealth.js';
import { createMemoryStore } from '../../../src/state/memoryStore.js';
import type { Azurite } from '../../support/azurite.js';
import { startAzurite } from '../../support/azurite.js';
import { MIN } from '../../support/fanout.js';

const WS = '5b0c7e2d-9a41-4f3e-8d6b-2c1a0f9e8d7c';
const T0 = Date.parse('2026-11-22T12:00:00.000Z');
const plan = (now: number) => ({
  workspaceIds: [WS],
  now: new Date(now),
  overlapMs: 2 * MIN,
  initialLookbackMs: 60 * MIN,
  leaseMs: 10 * MIN,
});

let azurite: Azurite;
beforeAll(async () => {
  azurite = await startAzurite(['queue']);
});
afterAll(async () => {
  await azurite.stop();
});

describe('enqueuePollWork', () => {
  it('sends one base64 JSON message per item', async () => {
    const store = createMemoryStore();
    const queue = new QueueClient(azurite.connectionString, 'poll-work-send');
    await queue.create();
    const report = await enqueuePollWork(store, queue, plan(T0));
    expect(report).toMatchObject({ sent: 3, failed: [] });
    const { receivedMessageItems } = await queue.receiveMessages({ numberOfMessages: 10 });
    expect(receivedMessageItems.map((m) => fromPollWorkMessage(m.messageText))).toEqual(
      expect.arrayContaining(report.plan.items),
    );
    expect(receivedMessageItems).toHaveLength(3);
  });

  it('names the items it could not send, and they are planned again after their lease', async () => {
    const store = createMemoryStore();
    // A queue that does not exist: every send fails with the service's answer.
    const queue = new QueueClient(azurite.connectionString, 'no-such-queue', {
      retryOptions: { maxTries: 1 },
    });
    const report = await enqueuePollWork(store, queue, plan(T0));
    expect(report.sent).toBe(0);
    expect(report.failed).toHaveLength(3);
    expect(report.failed[0]).toMatch(
      new RegExp(`^${WS}/\\w+ 2026-11-22T11:00:00.000Z..2026-11-22T12:00:00.000Z: .+`),
    );
    const later = await planPollWork(store, plan(T0 + 11 * MIN));
    expect(later.items.filter((i) => i.attempt === 2)).toHaveLength(3);
  });
});

describe('countPoisonedWork', () => {
  it('counts none while the poison queue does not exist, then only the increase', async () => {
    const store = createMemoryStore();
    const poison = new QueueClient(azurite.connectionString, 'count-poison');
    const at = new Date(T0);
    expect(await countPoisonedWork(store, poison, at)).toEqual({ count: 0, added: 0 });
    await poison.create();
    await poison.sendMessage('e30=');
    await poison.sendMessage('e30=');
    expect(await countPoisonedWork(store, poison, at)).toEqual({ count: 2, added: 2 });
    // Someone clears one message; then one more arrives: counted once.
    const { receivedMessageItems } = await poison.receiveMessages();
    const m = receivedMessageItems[0];
    if (!m) throw new Error('expected a message');
    await poison.deleteMessage(m.messageId, m.popReceipt);
    expect(await countPoisonedWork(store, poison, at)).toEqual({ count: 1, added: 0 });
    await poison.sendMessage('e30=');
    expect(await countPoisonedWork(store, poison, at)).toEqual({ count: 2, added: 1 });
    expect((await readHealth(store, at, at))['poll-work']?.poisoned).toBe(3);
  });
});
