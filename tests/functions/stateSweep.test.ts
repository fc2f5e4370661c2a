import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { stateSweepHandler } from '../../functions/stateSweep.js';
import type { FailureSignal } from '../../src/model.js';
import { DEFAULT_POLICY } from '../../src/notify/policy.js';
import { processSignals } from '../../src/pipeline/processSignals.js';
import { createPipeline } from '../../src/pipeline/pipeline.js';
import { createFileStore } from '../../src/state/fileStore.js';
import type { OutboxState } from '../../src/deliver/outbox.js';
import { listOutbox } from '../../src/deliver/outbox.js';
import { WebhookReceiver } from '../support/webhookReceiver.js';
import { loggingContext, TIMER } from '../support/functionContext.js';

const SECRET = `whsec_${Buffer.from('state-sweep-signing-secret').toString('base64')}`;
const T0 = Date.parse('2026-11-01T08:00:00.000Z');
const DAY = 86_400_000;

let dir: string;
let receiver: WebhookReceiver;
let logs: string[];

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'state-sweep-'));
  receiver = new WebhookReceiver(SECRET);
  await receiver.start();
  logs = [];
});

afterEach(async () => {
  await receiver.stop();
  rmSync(dir, { recursive: true, force: true });
});

const context = () => loggingContext('stateSweep', logs);

/** A fresh process over the same state folder at a given clock. */
function pipelineAt(at: number, receivers = ['ops']) {
  return createPipeline({
    store: createFileStore(dir),
    routing: {
      source: 'test',
      receivers: [
        { name: 'ops', type: 'generic', url: receiver.url, secret: SECRET },
        { name: 'later', type: 'generic', url: receiver.url, secret: SECRET },
      ],
      receiverInfo: [],
      routes: [],
      defaultReceivers: receivers,
      digest: { receivers: [] },
      notify: { grouping: undefined, silences: undefined },
    },
    policy: DEFAULT_POLICY,
    now: () => new Date(at),
  });
}

function signal(id: string, at: number, cluster = 'prod'): FailureSignal {
  return {
    source: 'event-grid',
    kind: 'nodepool-rolling',
    sourceId: id,
    occurredAt: new Date(at).toISOString(),
    status: 'firing',
    cluster: {
      resourceId: `/subscriptions/3f2c1a9e-7b4d-4c1e-9a8f-2d6e5b4c3a21/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/${cluster}`,
      subscriptionId: '3f2c1a9e-7b4d-4c1e-9a8f-2d6e5b4c3a21',
      resourceGroup: 'rg',
      name: cluster,
    },
    nodePool: 'user1',
    reason: 'NodePoolRollingFailed',
    title: 'Node pool user1 rolling failed',
    texts: ['Code="SubnetIsFull" Message="Subnet user-subnet has no free addresses"'],
    errorCodes: [],
    attributes: {},
  };
}

async function entries(scope: string): Promise<number> {
  let n = 0;
  for await (const _ of createFileStore(dir).list(scope)) n++;
  return n;
}

async function outbox(state: OutboxState): Promise<number> {
  let n = 0;
  for await (const _ of listOutbox(createFileStore(dir), state)) n++;
  return n;
}

describe('stateSweep timer', () => {
  it('deletes state past its retention, never what still prevents a second notification, never pending items', async () => {
    const first = pipelineAt(T0);
    expect(await processSignals(first.deps, [signal('evt-1', T0)])).toMatchObject({ enqueued: 1 });
    expect((await first.deliver()).delivered).toBe(1);
    // A failure on another cluster whose receiver stays down: its item is pending for the whole test.
    receiver.fallback = { status: 503 };
    const later = pipelineAt(T0 + 60_000, ['later']);
    expect(await processSignals(later.deps, [signal('evt-2', T0 + 60_000, 'staging')])).toMatchObject({
      enqueued: 1,
    });
    expect(await outbox('pending')).toBe(1);

    // A day later nothing has expired, and Event Grid redelivering evt-1 sends nothing.
    await stateSweepHandler(() => pipelineAt(T0 + DAY))(TIMER, context());
    expect(logs.join('\n')).toMatch(/state sweep: \d+ entries read, deleted none$/m);
    const redelivered = pipelineAt(T0 + DAY);
    expect(await processSignals(redelivered.deps, [signal('evt-1', T0)])).toMatchObject({
      duplicates: 1,
      enqueued: 0,
    });
    expect(receiver.requests).toHaveLength(1);

    // Nine days on, the failure records (what marks a failure processed), the decisions and the
    // delivered record of evt-1 are gone; the pending item stays.
    logs = [];
    expect(await entries('notify-decided')).toBe(2);
    expect([await entries('notify-incidents'), await entries('notify-audience')]).toEqual([2, 2]);
    await stateSweepHandler(() => pipelineAt(T0 + 9 * DAY))(TIMER, context());
    expect(logs.join('\n')).toMatch(/state sweep: .*notify-decided 2.*outbox-delivered 1/);
    expect(await entries('notify-decided')).toBe(0);
    expect(await entries('notify-sent')).toBe(0);
    // Incidents whose failures never resolve, and whom they went to, go with them.
    expect(await entries('notify-incidents')).toBe(0);
    expect(await entries('notify-audience')).toBe(0);
    expect(await outbox('delivered')).toBe(0);
    expect(await outbox('pending')).toBe(1);
    // The journal day the digest reads is kept for its retention.
    expect(await entries(`journal-${new Date(T0).toISOString().slice(0, 10)}`)).toBe(2);
  });
});
