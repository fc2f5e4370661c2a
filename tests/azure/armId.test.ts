import { describe, expect, it } from 'vitest';
import { armIdProblem, clusterKey, parseAksResourceId, parseResourceScope } from '../../src/azure/armId.js';

const SUB = '00000000-0000-0000-0000-000000000000';

describe('parseAksResourceId', () => {
  it('parses a cluster id and keeps its case', () => {
    const id = `/subscriptions/${SUB}/resourceGroups/rg-AKS/providers/Microsoft.ContainerService/managedClusters/aks-Prod`;
    expect(parseAksResourceId(id)).toEqual({
      cluster: { resourceId: id, subscriptionId: SUB, resourceGroup: 'rg-AKS', name: 'aks-Prod' },
    });
  });

  it('parses an agent pool id in lower case (as Log Analytics writes it)', () => {
    const id = `/subscriptions/${SUB}/resourcegroups/rg/providers/microsoft.containerservice/managedclusters/c1/agentpools/np1`;
    const parts = parseAksResourceId(id);
    expect(parts?.agentPool).toBe('np1');
    expect(parts?.cluster.resourceId).toBe(
      `/subscriptions/${SUB}/resourcegroups/rg/providers/microsoft.containerservice/managedclusters/c1`,
    );
  });

  it('accepts an id without the leading slash and ids of deeper children', () => {
    const parts = parseAksResourceId(
      `subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/c1/agentPools/np1/machines/m0`,
    );
    expect(parts?.cluster.name).toBe('c1');
    expect(parts?.agentPool).toBe('np1');
  });

  it.each([
    undefined,
    '',
    `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/sa`,
    `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.ContainerService/managedClustersX/c1`,
    `/subscriptions/${SUB}/resourceGroups/rg`,
  ])('returns undefined for %s', (id) => expect(parseAksResourceId(id)).toBeUndefined());
});

describe('clusterKey / parseResourceScope', () => {
  it('compares cluster ids case-insensitively', () => {
    expect(clusterKey({ resourceId: '/Subscriptions/A/X' })).toBe(
      clusterKey({ resourceId: '/subscriptions/a/x' }),
    );
  });

  it('reads subscription and resource group from any id', () => {
    expect(parseResourceScope(`/subscriptions/${SUB}/resourceGroups/rg/providers/X/y/z`)).toEqual({
      subscriptionId: SUB,
      resourceGroup: 'rg',
    });
    expect(parseResourceScope(`/subscriptions/${SUB}`)).toEqual({ subscriptionId: SUB });
    expect(parseResourceScope('nonsense')).toBeUndefined();
  });
});

describe('armIdProblem', () => {
  const CLUSTER = `/subscriptions/${SUB}/resourceGroups/rg.with.dots/providers/Microsoft.ContainerService/managedClusters/aks`;
  it('accepts real ids, dots inside names included', () => {
    expect(armIdProblem(CLUSTER)).toBeUndefined();
    expect(armIdProblem(`${CLUSTER}/`)).toBeUndefined();
  });

  it.each([
    [`${CLUSTER}/..`, /'\.' or '\.\.' segment/],
    [`${CLUSTER}/./agentPools/np`, /'\.' or '\.\.' segment/],
    [`${CLUSTER}%2F..%2Fother`, /'%'/],
    [`${CLUSTER}\\..\\other`, /'\\'/],
    [`${CLUSTER}?api-version=1`, /'\?'/],
    [`${CLUSTER}//agentPools`, /empty segment/],
    [`${CLUSTER}\u0000`, /control/],
    [CLUSTER.slice(1), /start with/],
  ])('refuses %j', (id, reason) => {
    expect(armIdProblem(id)).toMatch(reason);
    // An AKS id that fails the check names no cluster either.
    if (id.startsWith('/')) expect(parseAksResourceId(id)).toBeUndefined();
  });
});
