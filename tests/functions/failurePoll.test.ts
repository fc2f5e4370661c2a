import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { failurePollHandler } from '../../functions/failurePoll.js';
import { outboxRetryHandler } from '../../functions/outboxRetry.js';
import type { Notification } from '../../src/model.js';
import { DEFAULT_POLICY } from '../../src/notify/policy.js';
import type { FailurePollDeps } from '../../src/pipeline/failurePoll.js';
import { createApp } from '../../src/app/app.js';
import type { Pipeline } from '../../src/pipeline/pipeline.js';
import { createPipeline } from '../../src/pipeline/pipeline.js';
import { parseAksResourceId } from '../../src/azure/armId.js';
import type { RoutingConfig } from '../../src/route/index.js';
import { createFileStore } from '../../src/state/fileStore.js';
import type { KeyValueStore } from '../../src/state/keyValueStore.js';
import { createMemoryStore } from '../../src/state/memoryStore.js';
import { createRollingUpgrades } from '../../src/state/rollingUpgrades.js';
import { readWatermark } from '../../src/state/watermarks.js';
import { FakeArm } from '../support/fakeArm.js';
import { FakeLogAnalytics } from '../support/fakeLogAnalytics.js';
import { WebhookReceiver } from '../support/webhookReceiver.js';
import { repairRow } from '../support/kubeEventRows.js';
import { TIMER, loggingContext } from '../support/functionContext.js';

const MIN = 60_000;
const RID =
  '/subscriptions/3f2c1a9e-7b4d-4c1e-9a8f-2d6e5b4c3a21/resourcegroups/rg-aks/providers/microsoft.containerservice/managedclusters/aks-prod-01';
const WS = '5b0c7e2d-9a41-4f3e-8d6b-2c1a0f9e8d7c';

let fake: FakeLogAnalytics;
let receiver: WebhookReceiver;
let store: KeyValueStore;
let logs: string[];

const context = (name: string) => loggingContext(name, logs);

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
          row: repairRow(RID, 'aks-nodepool1-1-vmss000001', new Date(now - 11 * MIN).toISOString()),
        },
        {
          ingestedAt: new Date(now - 9 * MIN).toISOString(),
          row: repairRow(RID, 'aks-nodepool2-1-vmss000002', new Date(now - 10 * MIN).toISOString()),
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
        row: repairRow(RID, 'aks-nodepool1-1-vmss000003', new Date(now - 6 * MIN).toISOString()),
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

describe('failurePoll timer built from app settings', () => {
  // A node name that carries its pool, as AKS names them, so the pool is looked up too.
  const NODE = 'aks-nodepool1-12345678-vmss000001';
  const cluster = parseAksResourceId(RID)?.cluster;
  if (!cluster) throw new Error('bad id');
  let arm: FakeArm;
  let dir: string;

  beforeAll(async () => {
    arm = await FakeArm.start();
    arm.setCluster(RID, {
      location: 'westeurope',
      tags: { team: 'payments' },
      properties: { provisioningState: 'Succeeded', currentKubernetesVersion: '1.30.4' },
    });
    arm.setPool(RID, 'nodepool1', {
      vmSize: 'Standard_D4s_v5',
      mode: 'User',
      osType: 'Linux',
      enableAutoScaling: true,
      minCount: 1,
      maxCount: 5,
    });
  });
  afterAll(async () => {
    await arm.close();
  });
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'failure-poll-env-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  /** The deps the deployed timer builds, reaching the local ARM; only the query client is the fake's. */
  function depsFromEnv(): Promise<FailurePollDeps> {
    const env = {
      STATE_DIR: dir,
      WEBHOOK_URL: receiver.url,
      ARM_ENDPOINT: arm.endpoint,
      LOG_ANALYTICS_ENDPOINT: fake.endpoint,
      LOG_ANALYTICS_WORKSPACE_IDS: WS,
    };
    return createApp(env, {
      azure: { ...arm.azureAccess(), logsClientOptions: fake.clientOptions() },
    }).failurePollDeps();
  }

  function oneRepairFailure(at: number): void {
    fake
      .workspace(WS)
      .result('nodeAutoRepair')
      .add({
        ingestedAt: new Date(at + MIN).toISOString(),
        row: repairRow(RID, NODE, new Date(at).toISOString()),
      });
  }

  function delivered(): Notification['failures'] {
    return receiver.requests.flatMap((r) => (JSON.parse(r.body) as Notification).failures);
  }

  it('delivers failures with the cluster context and marks those during a node-pool upgrade', async () => {
    const at = Date.now() - 10 * MIN;
    await createRollingUpgrades(createFileStore(dir)).record(cluster, 'nodepool1', {
      phase: 'Started',
      at: new Date(at - 5 * MIN).toISOString(),
      id: 'rolling-1',
    });
    oneRepairFailure(at);
    await failurePollHandler(depsFromEnv)(TIMER, context('failurePoll'));
    const [failure] = delivered();
    expect(failure?.context).toMatchObject({
      kubernetesVersion: '1.30.4',
      location: 'westeurope',
      tags: { team: 'payments' },
      nodePool: { name: 'nodepool1', vmSize: 'Standard_D4s_v5', autoscaling: { min: 1, max: 5 } },
    });
    expect(failure?.contextError).toBeUndefined();
    expect(failure?.duringUpgrade).toBe(true);
  });

  it('delivers a failure without context when ARM denies access, and says why', async () => {
    arm.fail(RID, { status: 403, code: 'AuthorizationFailed' });
    oneRepairFailure(Date.now() - 10 * MIN);
    await failurePollHandler(depsFromEnv)(TIMER, context('failurePoll'));
    const [failure] = delivered();
    expect(failure?.context).toBeUndefined();
    expect(failure?.contextError).toMatch(/ARM denied reading cluster aks-prod-01 \(403.*Reader role/);
    expect(failure?.duringUpgrade).toBeUndefined();
  });
});
