import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AzureAccess } from '../../src/app/azureAccess.js';
import { appFromEnv, createApp } from '../../src/app/app.js';
import { parseAksResourceId } from '../../src/azure/armId.js';
import { ConfigError } from '../../src/config.js';
import type { ClusterRef, FailureSignal } from '../../src/model.js';
import { fromEventGrid } from '../../src/sources/eventGrid/fromEventGrid.js';
import { signalsFromCommonAlert } from '../../src/sources/commonAlert/signalsFromCommonAlert.js';
import {
  KUBE_ALERT,
  KUBE_RULE_ID,
  KUBE_WORKSPACE,
  kubeRuleProperties,
  RULE_GROUP,
} from '../support/alertRules.js';
import { alertOf } from '../support/commonAlertFixtures.js';
import { FakeArm } from '../support/fakeArm.js';
import { FakeLogAnalytics, sampleBody } from '../support/fakeLogAnalytics.js';

const parsed = parseAksResourceId(
  '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-aks/providers/Microsoft.ContainerService/managedClusters/aks-prod',
);
if (!parsed) throw new Error('bad id');
const PROD: ClusterRef = parsed.cluster;
const WS = '5b0c7e2d-9a41-4f3e-8d6b-2c1a0f9e8d7c';

let arm: FakeArm;
let logs: FakeLogAnalytics;
let dir: string;

beforeAll(async () => {
  [arm, logs] = await Promise.all([FakeArm.start(), FakeLogAnalytics.start()]);
  arm.setCluster(PROD.resourceId, {
    location: 'westeurope',
    tags: { env: 'prod' },
    properties: {
      provisioningState: 'Succeeded',
      kubernetesVersion: '1.30',
      currentKubernetesVersion: '1.30.4',
    },
  });
  arm.setPool(PROD.resourceId, 'userpool1', {
    count: 3,
    vmSize: 'Standard_D4s_v5',
    mode: 'User',
    osType: 'Linux',
    provisioningState: 'Succeeded',
  });
});

afterAll(async () => {
  await Promise.all([arm.close(), logs.close()]);
});

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'app-'));
  logs.workspaces.clear();
  return () => rmSync(dir, { recursive: true, force: true });
});

/** The fake Resource Manager and Log Analytics, trusted by the real clients. */
function access(): AzureAccess {
  return { ...arm.azureAccess(), logsClientOptions: logs.clientOptions() };
}

function env(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    STATE_DIR: dir,
    WEBHOOK_URL: 'https://hooks.example.net/aks',
    ARM_ENDPOINT: arm.endpoint,
    LOG_ANALYTICS_ENDPOINT: logs.endpoint,
    ...extra,
  };
}

const VERSION = { kubernetesVersion: '1.30.4', nodePool: { vmSize: 'Standard_D4s_v5' } };

describe('createApp', () => {
  it('reads cluster context from ARM_ENDPOINT and keeps rolling upgrades in the state store', async () => {
    const app = createApp(env(), { azure: access() });
    const ports = await app.clusterPorts();
    const found = await ports.context?.get(PROD, 'userpool1');
    expect(found?.ok && found.context).toMatchObject({ ...VERSION, tags: { env: 'prod' } });

    const at = new Date('2026-11-20T10:00:00Z');
    expect(await ports.rolling.isRolling(PROD, 'userpool1', at)).toBe(false);
    await ports.rolling.record(PROD, 'userpool1', { phase: 'Started', at: at.toISOString(), id: 'evt-1' });
    // Another process with the same settings sees the record: it lives in the store, not the process.
    const other = await createApp(env(), { azure: access() }).clusterPorts();
    expect(await other.rolling.isRolling(PROD, 'userpool1', new Date(at.getTime() + 60_000))).toBe(true);
  });

  it('gives the poll timer, the poll worker and the alert processor one pipeline with cluster context', async () => {
    const app = createApp(env(), { azure: access() });
    const poll = await app.failurePollDeps();
    const worker = await app.pollWorkerDeps();
    const answer = await poll.pipeline.deps.context?.get(PROD, 'userpool1');
    expect(answer?.ok && answer.context).toMatchObject(VERSION);
    expect(worker.pipeline).toBe(poll.pipeline.deps);
    expect(worker.client).toBe(poll.client);
    expect(await app.pipeline()).toBe(poll.pipeline);
  });

  it('builds each dependency once per process and shares the store', async () => {
    const app = createApp(env({ AzureWebJobsStorage: 'UseDevelopmentStorage=true', ALERT_DEDUP_TTL: '2d' }));
    const a = await app.alertWebhookDeps();
    expect(await app.alertWebhookDeps()).toBe(a);
    expect(a.claimTtlMs).toBe(2 * 86_400_000);
    expect(a.verifyBearer).toBeUndefined();
    // One claim store: a delivery claimed once is refused the second time.
    expect(await a.claims?.claim('alert-1|Fired', 60_000)).toBe(true);
    expect(await a.claims?.claim('alert-1|Fired', 60_000)).toBe(false);
    expect(await app.store()).toBe(await app.store());
  });

  it('fills in Event Grid failures from the activity log only when workspaces are configured', async () => {
    logs
      .workspace(WS)
      .result('failedOperations')
      .add({
        ingestedAt: new Date('2026-08-20T10:16:50Z'),
        row: {
          TimeGenerated: '2026-08-20T10:14:50Z',
          EventDataId: 'ev-1',
          OperationNameValue: 'MICROSOFT.CONTAINERSERVICE/MANAGEDCLUSTERS/AGENTPOOLS/WRITE',
          ActivityStatusValue: 'Failure',
          StatusCode: 'Conflict',
          CorrelationId: '44444444-4444-4444-4444-444444444444',
          _ResourceId: `${PROD.resourceId}/agentPools/userpool1`.toLowerCase(),
          StatusMessage: JSON.stringify({
            error: { code: 'SubnetIsFull', message: 'Subnet aks-subnet is full.' },
          }),
        },
      });
    const signals: FailureSignal[] = fromEventGrid(
      sampleBody('CONSTRUCTED-eventgrid-resource-write-failure-aks-agentpool.json'),
    ).signals;
    const withWorkspace = await createApp(env({ LOG_ANALYTICS_WORKSPACE_IDS: WS }), {
      azure: access(),
    }).aksEventsDeps();
    const [filled] = (await withWorkspace.fillIn?.(signals)) ?? [];
    expect(filled?.errorCodes).toContain('SubnetIsFull');

    const without = await createApp(env(), { azure: access() }).aksEventsDeps();
    expect(without.fillIn).toBeUndefined();
  });

  it('gives the alert processor the log search rule from Resource Manager, found by name in ALERT_RULE_SCOPES', async () => {
    const other = '/subscriptions/3f1c2b7e-5a4d-4e8f-9c21-7d0b6a9e4c11/resourceGroups/rg-elsewhere';
    arm.setRule(KUBE_RULE_ID, kubeRuleProperties());
    arm.setWorkspace(KUBE_WORKSPACE.resourceId, KUBE_WORKSPACE.customerId);
    logs.script('*', { status: 200, body: { tables: [] } });
    const deps = await createApp(
      env({
        LOG_ANALYTICS_WORKSPACE_IDS: KUBE_WORKSPACE.customerId,
        ALERT_RULE_SCOPES: `${other},${RULE_GROUP}`,
      }),
      { azure: access() },
    ).alertProcessDeps();
    const out = await signalsFromCommonAlert(alertOf(KUBE_ALERT), deps.signals);
    expect(out.notes).toEqual(['the alert query returned no rows in the alert window']);
    expect(logs.requests.at(-1)?.workspaceId).toBe(KUBE_WORKSPACE.customerId);
  });

  it('reports a configuration problem every time rather than keeping it', async () => {
    const app = createApp(env({ STATE_STORE: 'table' }));
    await expect(app.aksEventsDeps()).rejects.toThrow(/STATE_STORE=table needs/);
    await expect(app.aksEventsDeps()).rejects.toThrow(/STATE_STORE=table needs/);
    expect(() => createApp(env({ ALERT_DEDUP_TTL: 'soon' }))).toThrow(ConfigError);
    expect(() => appFromEnv(env({ ALERT_DEDUP_TTL: 'soon' }))).toThrow(ConfigError);
  });

  it('is one app per process environment', () => {
    const e = env();
    expect(appFromEnv(e)).toBe(appFromEnv(e));
    expect(appFromEnv(env())).not.toBe(appFromEnv(e));
  });
});
