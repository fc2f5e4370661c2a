import { InvocationContext } from '@azure/functions';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { failurePollHandler } from '../../functions/failurePoll.js';
import { outboxRetryHandler } from '../../functions/outboxRetry.js';
import { DEFAULT_POLICY } from '../../src/notify/policy.js';
import type { FailurePollDeps } from '../../src/pipeline/failurePoll.js';
import type { Pipeline } from '../../src/pipeline/runtime.js';
import { createPipeline } from '../../src/pipeline/runtime.js';
import type { RoutingConfig } from '../../src/sinks/routing/index.js';
import type { KeyValueStore } from '../../src/state/keyValueStore.js';
import { createMemoryStore } from '../../src/state/memoryStore.js';
import { readWatermark } from '../../src/state/watermarks.js';
import { FakeLogAnalytics } from '../support/fakeLogAnalytics.js';
import { WebhookReceiver } from '../support/webhookReceiver.js';
import { TIMER } from '../support/functionContext.js';

const MIN = 60_000;
const RID =
  '/subscriptions/3f2c1a9e-7b4d-4c1e-9a8f-2d6e5b4c3a21/resourcegroups/rg-aks/providers/microsoft.containerservice/managedclusters/aks-prod-01';
const WS = '5b0c7e2d-9a41-4f3e-8d6b-2c1a0f9e8d7c';

function repairRow(node: string, timeGenerated: string) {
  return {
    TimeGenerated: timeGenerated,
    ClusterId: RID,
    ClusterName: 'aks-prod-01',
    _ResourceId: RID,
    ObjectKind: 'Node',
    Name: node,
    Reason: 'NodeReimageError',
    KubeEventType: 'Warning',
    SourceComponent: 'aks-auto-repair',
    Message:
      'Node auto-repair reimage action failed due to an operation failure: ARM ErrorCode: VMRedeploymentFailed',
    FirstSeen: timeGenerated,
    LastSeen: timeGenerated,
    Count: 1,
  };
}

let fake: FakeLogAnalytics;
let receiver: WebhookReceiver;
let store: KeyValueStore;
let logs: string[];

function context(name: string): InvocationContext {
  return new InvocationContext({
    functionName: name,
    logHandler: (level, ...args) => logs.push(`${level}: ${args.map(String).join(' ')}`),
  });
}

function routing(): RoutingConfig {
  return {
    source: 'test',
    receivers: [{ name: 'ops', type: 'generic', url: receiver.url }],
    receiverInfo: [],
    routes: [],
    defaultReceivers: ['ops'],
    digest: { receivers: [] },
    notify: { grouping: undefined, silences: undefined },
  };
}

function pipeline(): Pipeline {
  return createPipeline({ store, routing: routing(), policy: DEFAULT_POLICY });
}

function deps(): FailurePollDeps {
  return {
    pipeline: pipeline(),
    client: fake.client({ retryOptions: { maxRetries: 0 } }),
    workspaceIds: [WS],
    overlapMs: 2 * MIN,
    initialLookbackMs: 60 * MIN,
    maxConcurrency: 2,
  };
}

beforeEach(async () => {
  fake = await FakeLogAnalytics.start();
  receiver = new WebhookReceiver();
  await receiver.start();
  store = createMemoryStore();
  logs = [];
});
afterEach(async () => {
  await fake.close();
  await receiver.stop();
});

describe('failurePoll timer', () => {
  it('polls the workspace, delivers the failures and stores the watermark', async () => {
    const now = Date.now();
    fake
      .workspace(WS)
      .result('nodeAutoRepair')
      .add(
        {
          ingestedAt: new Date(now - 10 * MIN).toISOString(),
          row: repairRow('aks-nodepool1-1-vmss000001', new Date(now - 11 * MIN).toISOString()),
        },
        {
          ingestedAt: new Date(now - 9 * MIN).toISOString(),
          row: repairRow('aks-nodepool2-1-vmss000002', new Date(now - 10 * MIN).toISOString()),
        },
      );
    await failurePollHandler(deps)(TIMER, context('failurePoll'));
    expect(receiver.requests.length).toBeGreaterThanOrEqual(1);
    expect(receiver.requests[0]?.body).toContain('VMRedeploymentFailed');
    expect(await readWatermark(store, WS, 'nodeAutoRepair')).toBeDefined();
    expect(logs.some((l) => /2 failure row\(s\), 2 new/.test(l))).toBe(true);

    // The next run re-reads the overlap and sends nothing twice.
    const before = receiver.requests.length;
    await failurePollHandler(deps)(TIMER, context('failurePoll'));
    expect(receiver.requests.length).toBe(before);
  });

  it('fails the run on a failed query without moving that watermark, after delivering what arrived', async () => {
    fake.workspace(WS);
    fake.script(WS, {
      status: 403,
      body: {
        error: {
          code: 'InsufficientAccessError',
          message: 'The provided credentials have insufficient access',
        },
      },
    });
    await expect(failurePollHandler(deps)(TIMER, context('failurePoll'))).rejects.toThrow(
      /query\(ies\) failed/,
    );
    const marks = await Promise.all(
      ['nodeAutoRepair', 'failedOperations', 'autoscaler'].map((q) => readWatermark(store, WS, q)),
    );
    expect(marks.filter((m) => m === undefined).length).toBeGreaterThanOrEqual(1);
  });

  it('does nothing, loudly, when no workspace is configured', async () => {
    await failurePollHandler(() => ({ ...deps(), workspaceIds: [] }))(TIMER, context('failurePoll'));
    expect(logs.some((l) => l.includes('LOG_ANALYTICS_WORKSPACE_IDS is empty'))).toBe(true);
    expect(fake.requests).toHaveLength(0);
  });
});

describe('outboxRetry timer', () => {
  it('delivers items that waited for a receiver to come back', async () => {
    receiver.fallback = { status: 500 };
    const now = Date.now();
    fake
      .workspace(WS)
      .result('nodeAutoRepair')
      .add({
        ingestedAt: new Date(now - 5 * MIN).toISOString(),
        row: repairRow('aks-nodepool1-1-vmss000003', new Date(now - 6 * MIN).toISOString()),
      });
    await failurePollHandler(deps)(TIMER, context('failurePoll'));
    expect(receiver.acceptedIds().size).toBe(0);
    receiver.fallback = { status: 200 };
    const later = createPipeline({
      store,
      routing: routing(),
      policy: DEFAULT_POLICY,
      now: () => new Date(Date.now() + 10 * MIN),
    });
    await outboxRetryHandler(() => later)(TIMER, context('outboxRetry'));
    expect(receiver.acceptedIds().size).toBe(1);
  });
});
