import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { outboxRetryHandler } from '../../functions/outboxRetry.js';
import { DEFAULT_POLICY } from '../../src/notify/policy.js';
import { createPipeline } from '../../src/pipeline/pipeline.js';
import { createFileStore } from '../../src/state/fileStore.js';
import type { OutboxState } from '../../src/deliver/outbox.js';
import { enqueueOutgoing, listOutbox } from '../../src/deliver/outbox.js';
import { notificationOf, operationFailure } from '../support/enrichedFailures.js';
import { WebhookReceiver } from '../support/webhookReceiver.js';
import { loggingContext, TIMER } from '../support/functionContext.js';
import { RENDERERS } from '../../src/render/renderers.js';

const SECRET = `whsec_${Buffer.from('outbox-retry-signing-secret').toString('base64')}`;

let dir: string;
let receiver: WebhookReceiver;
let logs: string[];

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'outbox-retry-'));
  receiver = new WebhookReceiver(SECRET);
  await receiver.start();
  logs = [];
});

afterEach(async () => {
  await receiver.stop();
  rmSync(dir, { recursive: true, force: true });
});

const context = () => loggingContext('outboxRetry', logs);

/** A fresh process: a new pipeline over the same state folder, at a given clock. */
function pipelineAt(at: number) {
  return createPipeline(
    {
      store: createFileStore(dir),
      routing: {
        source: 'test',
        receivers: [{ name: 'ops', type: 'generic', url: receiver.url, secret: SECRET }],
        receiverInfo: [],
        routes: [],
        defaultReceivers: ['ops'],
        digest: { receivers: [] },
        notify: { grouping: undefined, silences: undefined },
      },
      policy: DEFAULT_POLICY,
      now: () => new Date(at),
    },
    { maxAttempts: 5, maxAgeMs: 86_400_000, timeoutMs: 2_000 },
  );
}

async function count(state: OutboxState): Promise<number> {
  let n = 0;
  for await (const _ of listOutbox(createFileStore(dir), state)) n++;
  return n;
}

describe('outboxRetry timer', () => {
  it('retries pending deliveries run after run until the receiver is back, then delivers each once', async () => {
    const start = Date.now();
    const items = [0, 1, 2].map((i) => {
      const n = notificationOf([operationFailure({ sourceId: `row-${i}` })], { id: `n-${i}` });
      return {
        receiver: 'ops',
        sinkType: 'generic' as const,
        id: n.id,
        body: RENDERERS.generic.render(n),
        createdAt: new Date(start - 1000 + i).toISOString(),
        summary: `failure ${i}`,
      };
    });
    await enqueueOutgoing(createFileStore(dir), items);
    receiver.fallback = { status: 503 };

    await outboxRetryHandler(() => pipelineAt(start))(TIMER, context());
    expect(await count('pending')).toBe(3);
    // Each notification is tried and backs off on its own (a 503 without Retry-After pauses nothing).
    expect(logs.join('\n')).toMatch(/outbox: 0 released, 0 delivered, 3 retried, 0 dead-lettered, 3 pending/);
    expect(logs.join('\n')).toMatch(/warning: outbox: ops: n-0: HTTP 503/);

    receiver.fallback = { status: 200, body: 'ok' };
    await outboxRetryHandler(() => pipelineAt(start + 10 * 60_000))(TIMER, context());
    expect(await count('pending')).toBe(0);
    expect(await count('delivered')).toBe(3);
    expect(receiver.acceptedIds()).toEqual(new Set(['n-0', 'n-1', 'n-2']));
    expect(receiver.requests.every((r) => r.signatureValid)).toBe(true);

    // Nothing is left to do: a further run sends nothing and stays quiet.
    const before = receiver.requests.length;
    logs = [];
    await outboxRetryHandler(() => pipelineAt(start + 20 * 60_000))(TIMER, context());
    expect(receiver.requests.length).toBe(before);
    expect(logs).toEqual([]);
  });

  it('never logs the receiver URL when the receiver cannot be reached', async () => {
    const n = notificationOf([operationFailure({ sourceId: 'row-x' })], { id: 'n-x' });
    await enqueueOutgoing(createFileStore(dir), [
      {
        receiver: 'ops',
        sinkType: 'generic',
        id: n.id,
        body: RENDERERS.generic.render(n),
        createdAt: new Date().toISOString(),
        summary: 'x',
      },
    ]);
    await receiver.stop();
    await outboxRetryHandler(() => pipelineAt(Date.now()))(TIMER, context());
    const text = logs.join('\n');
    expect(text).toMatch(/warning: outbox: ops: n-x: /);
    expect(text).not.toContain('secret-path-token');
    expect(text).not.toContain(`127.0.0.1:${receiver.port}`);
    await receiver.start();
  });
});
