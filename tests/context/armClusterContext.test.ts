import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createArmClusterContext } from '../../src/context/armClusterContext.js';
import type { ClusterRef } from '../../src/model.js';
import { parseAksResourceId } from '../../src/azure/armId.js';
import { FakeArm, fixedTokenCredential } from '../support/fakeArm.js';

const SUB = '00000000-0000-0000-0000-000000000000';
const OTHER_SUB = '11111111-1111-1111-1111-111111111111';

function cluster(sub: string, rg: string, name: string): ClusterRef {
  const parsed = parseAksResourceId(
    `/subscriptions/${sub}/resourceGroups/${rg}/providers/Microsoft.ContainerService/managedClusters/${name}`,
  );
  if (!parsed) throw new Error('bad id');
  return parsed.cluster;
}

const PROD = cluster(SUB, 'rg-aks', 'aks-prod');
const DEV = cluster(OTHER_SUB, 'rg-dev', 'aks-dev');

let arm: FakeArm;

beforeAll(async () => {
  arm = await FakeArm.start();
  arm.setCluster(PROD.resourceId, {
    location: 'westeurope',
    tags: { team: 'payments' },
    properties: {
      provisioningState: 'Failed',
      powerState: { code: 'Running' },
      kubernetesVersion: '1.30',
      currentKubernetesVersion: '1.30.4',
      status: {
        provisioningError: {
          code: 'ReconcileVMSSAgentPoolFailed',
          message: 'Agent pool userpool1 failed to reconcile.',
          details: [{ code: 'OverconstrainedAllocationRequest', message: 'Allocation failed.' }],
        },
      },
    },
  });
  arm.setPool(PROD.resourceId, 'userpool1', {
    count: 3,
    vmSize: 'Standard_D4s_v5',
    mode: 'User',
    osType: 'Linux',
    orchestratorVersion: '1.30',
    currentOrchestratorVersion: '1.30.4',
    provisioningState: 'Failed',
    enableAutoScaling: true,
    minCount: 1,
    maxCount: 5,
    status: { provisioningError: { code: 'SubnetIsFull', message: 'Subnet aks-subnet is full.' } },
  });
  arm.setCluster(DEV.resourceId, {
    properties: { provisioningState: 'Succeeded', kubernetesVersion: '1.31.1' },
  });
});

afterAll(async () => {
  await arm.close();
});

const port = (cacheTtlMs?: number, maxRetries = 0) =>
  createArmClusterContext({
    credential: fixedTokenCredential,
    endpoint: arm.endpoint,
    clientOptions: arm.clientOptions(maxRetries),
    ...(cacheTtlMs === undefined ? {} : { cacheTtlMs }),
  });

describe('armClusterContext through the real ContainerServiceClient', () => {
  it('reads the cluster and the node pool into ClusterContext', async () => {
    const r = await port().get(PROD, 'userpool1');
    expect(r).toEqual({
      ok: true,
      context: {
        kubernetesVersion: '1.30.4',
        provisioningState: 'Failed',
        powerState: 'Running',
        location: 'westeurope',
        tags: { team: 'payments' },
        provisioningError: {
          code: 'ReconcileVMSSAgentPoolFailed',
          message:
            'Agent pool userpool1 failed to reconcile. Code="OverconstrainedAllocationRequest" Message="Allocation failed."',
        },
        nodePool: {
          name: 'userpool1',
          vmSize: 'Standard_D4s_v5',
          mode: 'User',
          osType: 'Linux',
          orchestratorVersion: '1.30.4',
          provisioningState: 'Failed',
          provisioningError: { code: 'SubnetIsFull', message: 'Subnet aks-subnet is full.' },
          count: 3,
          autoscaling: { enabled: true, min: 1, max: 5 },
        },
      },
    });
    const sent = arm.requestsFor(`${PROD.resourceId}/agentPools/userpool1`).at(-1);
    expect(sent?.authorization).toBe('Bearer arm-test-token');
    expect(sent?.apiVersion).toMatch(/^\d{4}-\d{2}-\d{2}/);
  });

  it('reads each cluster and pool once per cache window, across subscriptions', async () => {
    const p = port();
    const before = arm.requests.length;
    await Promise.all([
      p.get(PROD, 'userpool1'),
      p.get(PROD, 'userpool1'),
      p.get(PROD),
      p.get(DEV),
      p.get(DEV),
    ]);
    const paths = arm.requests.slice(before).map((r) => r.path);
    expect(paths.sort()).toEqual(
      [PROD.resourceId, `${PROD.resourceId}/agentPools/userpool1`, DEV.resourceId].sort(),
    );
    expect((await p.get(DEV)).ok).toBe(true);
    expect(arm.requests.length - before).toBe(3);
  });

  it('reads again once the cache window has passed', async () => {
    const p = port(0);
    const before = arm.requestsFor(DEV.resourceId).length;
    await p.get(DEV);
    await p.get(DEV);
    expect(arm.requestsFor(DEV.resourceId).length - before).toBe(2);
  });

  it('names the Reader role on 403, permanently', async () => {
    const c = cluster(SUB, 'rg-aks', 'locked');
    arm.fail(c.resourceId, {
      status: 403,
      code: 'AuthorizationFailed',
      message: 'The client does not have authorization.',
    });
    const r = await port().get(c);
    expect(r).toEqual({
      ok: false,
      transient: false,
      error: expect.stringMatching(
        /ARM denied reading cluster locked \(403 AuthorizationFailed\).*Reader role/,
      ) as unknown,
    });
  });

  it('says a cluster is gone on 404, permanently; a gone node pool keeps the cluster part', async () => {
    const gone = await port().get(cluster(SUB, 'rg-aks', 'deleted'));
    expect(gone).toEqual({
      ok: false,
      transient: false,
      error: 'cluster deleted was not found in ARM (deleted?)',
    });
    const pool = await port().get(PROD, 'oldpool');
    expect(pool).toMatchObject({
      ok: true,
      context: { kubernetesVersion: '1.30.4', location: 'westeurope' },
      error: 'node pool oldpool of cluster aks-prod was not found in ARM (deleted?)',
    });
    expect(pool.ok && pool.context.nodePool).toBeUndefined();
  });

  it('keeps the cluster part when the node pool is denied, and names the pool', async () => {
    arm.fail(`${PROD.resourceId}/agentPools/userpool1`, { status: 403, code: 'AuthorizationFailed' });
    const r = await port().get(PROD, 'userpool1');
    expect(r).toMatchObject({
      ok: true,
      context: { kubernetesVersion: '1.30.4', provisioningState: 'Failed', tags: { team: 'payments' } },
      error: expect.stringMatching(
        /^ARM denied reading node pool userpool1 of cluster aks-prod \(403 AuthorizationFailed\).*Reader role/,
      ) as unknown,
    });
    expect(r.ok && r.context.nodePool).toBeUndefined();
  });

  it('returns a transient node-pool failure whole, so a retry reads both again', async () => {
    arm.fail(`${PROD.resourceId}/agentPools/userpool1`, { status: 503, code: 'ServiceUnavailable' });
    expect(await port().get(PROD, 'userpool1')).toEqual({
      ok: false,
      transient: true,
      error: 'ARM answered 503 ServiceUnavailable reading node pool userpool1 of cluster aks-prod',
    });
  });

  it('reports throttling and server errors as transient and does not cache them', async () => {
    const c = cluster(SUB, 'rg-aks', 'busy');
    arm.setCluster(c.resourceId, { properties: { provisioningState: 'Succeeded' } });
    arm.fail(
      c.resourceId,
      { status: 429, code: 'TooManyRequests', headers: { 'retry-after': '0' } },
      { status: 503, code: 'ServiceUnavailable' },
    );
    const p = port();
    expect(await p.get(c)).toEqual({
      ok: false,
      transient: true,
      error: 'ARM throttled reading cluster busy (429)',
    });
    expect(await p.get(c)).toEqual({
      ok: false,
      transient: true,
      error: 'ARM answered 503 ServiceUnavailable reading cluster busy',
    });
    expect(await p.get(c)).toEqual({ ok: true, context: { provisioningState: 'Succeeded' } });
  });

  it('retries through a server error when the client is allowed to', async () => {
    const c = cluster(SUB, 'rg-aks', 'flaky');
    arm.setCluster(c.resourceId, { properties: { provisioningState: 'Succeeded' } });
    arm.fail(c.resourceId, { status: 500, code: 'InternalServerError' });
    expect((await port(undefined, 2).get(c)).ok).toBe(true);
    expect(arm.requestsFor(c.resourceId).map((r) => r.status)).toEqual([500, 200]);
  });

  it('waits out a 429 for its Retry-After and then reads, when the client may retry', async () => {
    const c = cluster(SUB, 'rg-aks', 'throttled');
    arm.setCluster(c.resourceId, { properties: { provisioningState: 'Succeeded' } });
    // A short wait in milliseconds: the client's own throttling policy reads it like Retry-After.
    arm.fail(c.resourceId, { status: 429, code: 'TooManyRequests', headers: { 'retry-after-ms': '150' } });
    expect(await port(undefined, 2).get(c)).toEqual({
      ok: true,
      context: { provisioningState: 'Succeeded' },
    });
    const [throttled, read] = arm.requestsFor(c.resourceId);
    expect([throttled?.status, read?.status]).toEqual([429, 200]);
    // Asked again no sooner than it was told (a lower bound only, so load cannot make it flaky).
    expect((read?.at ?? 0) - (throttled?.at ?? 0)).toBeGreaterThanOrEqual(140);
  });

  it('reports an unreachable Resource Manager as transient', async () => {
    const p = createArmClusterContext({
      credential: fixedTokenCredential,
      endpoint: 'https://127.0.0.1:9',
      clientOptions: arm.clientOptions(),
    });
    const r = await p.get(PROD);
    expect(r.ok).toBe(false);
    expect(r.ok ? undefined : [r.transient, r.error]).toEqual([
      true,
      expect.stringMatching(/^ARM could not be reached reading cluster aks-prod/) as unknown,
    ]);
  });

  it('never puts the token into an error', async () => {
    const c = cluster(SUB, 'rg-aks', 'denied2');
    arm.fail(c.resourceId, { status: 401, code: 'InvalidAuthenticationToken' });
    const r = await port().get(c);
    expect(JSON.stringify(r)).not.toContain('arm-test-token');
    expect(r).toMatchObject({ ok: false, transient: false });
  });
});
