import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pollWorkerDepsFromEnv } from '../../src/app/fanOutRuntime.js';
import type { ClusterRef } from '../../src/model.js';
import { failurePollDepsFromEnv } from '../../src/pipeline/failurePoll.js';
import { clusterPortsFromEnv } from '../../src/app/runtime.js';
import { parseAksResourceId } from '../../src/azure/armId.js';
import { FakeArm } from '../support/fakeArm.js';

const parsed = parseAksResourceId(
  '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-aks/providers/Microsoft.ContainerService/managedClusters/aks-prod',
);
if (!parsed) throw new Error('bad id');
const PROD: ClusterRef = parsed.cluster;

const dir = mkdtempSync(join(tmpdir(), 'pipeline-runtime-'));
let arm: FakeArm;

beforeAll(async () => {
  arm = await FakeArm.start();
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
  await arm.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('clusterPortsFromEnv', () => {
  it('reads cluster context from ARM_ENDPOINT and keeps rolling upgrades in the state store', async () => {
    const env = { ARM_ENDPOINT: arm.endpoint, STATE_DIR: dir };
    const ports = clusterPortsFromEnv(env, arm.azureAccess());
    const found = await ports.context.get(PROD, 'userpool1');
    expect(found.ok && found.context).toMatchObject({
      kubernetesVersion: '1.30.4',
      tags: { env: 'prod' },
      nodePool: { vmSize: 'Standard_D4s_v5' },
    });

    const at = new Date('2026-11-20T10:00:00Z');
    expect(await ports.rolling.isRolling(PROD, 'userpool1', at)).toBe(false);
    await ports.rolling.record(PROD, 'userpool1', { phase: 'Started', at: at.toISOString(), id: 'evt-1' });
    // A second reader of the same settings sees the record: it lives in the store, not the process.
    const again = clusterPortsFromEnv(env, arm.azureAccess());
    expect(await again.rolling.isRolling(PROD, 'userpool1', new Date(at.getTime() + 60_000))).toBe(true);
  });
});

describe('every path that turns failures into notifications has cluster context and rolling records', () => {
  const env = { STATE_DIR: dir, WEBHOOK_URL: 'https://hooks.example.net/aks' };

  it('the failurePoll timer', () => {
    const deps = failurePollDepsFromEnv(env).pipeline.deps;
    expect(deps.context).toBeDefined();
    expect(deps.rolling).toBeDefined();
  });

  it('the pollWorker queue function', () => {
    const deps = pollWorkerDepsFromEnv(env).pipeline;
    expect(deps.context).toBeDefined();
    expect(deps.rolling).toBeDefined();
  });
});
