import type { EnrichedFailure } from '../../src/model.js';
import { autoRepairFailure, operationFailure } from '../support/enrichedFailures.js';

export const WINDOW = { start: '2026-03-14T00:00:00.000Z', end: '2026-03-15T00:00:00.000Z' };

export function at(iso: string, f: EnrichedFailure): EnrichedFailure {
  return { ...f, occurredAt: iso };
}

export function clusterRef(name: string, sub = '3f2c1a9e-7b4d-4c1e-9a8f-2d6e5b4c3a21') {
  return {
    resourceId: `/subscriptions/${sub}/resourceGroups/rg-${name}/providers/Microsoft.ContainerService/managedClusters/${name}`,
    subscriptionId: sub,
    resourceGroup: `rg-${name}`,
    name,
  };
}

/** A day of failures across a few clusters, with a previous day for the trend. */
export function sampleDay(): EnrichedFailure[] {
  const out: EnrichedFailure[] = [];
  for (let i = 0; i < 6; i++) out.push(at(`2026-03-14T0${String(i)}:10:00.000Z`, operationFailure()));
  out.push(at('2026-03-14T05:00:00.000Z', operationFailure({ cluster: clusterRef('aks-b') })));
  out.push(at('2026-03-13T05:00:00.000Z', operationFailure()));
  out.push(at('2026-03-13T06:00:00.000Z', operationFailure()));
  const node = 'aks-nodepool1-38471923-vmss000002';
  out.push(
    at('2026-03-14T02:00:00.000Z', autoRepairFailure(node, { reason: 'NodeRebootStart', status: 'info' })),
    at('2026-03-14T02:20:00.000Z', autoRepairFailure(node)),
    at('2026-03-14T09:00:00.000Z', autoRepairFailure(node, { reason: 'NodeRebootStart', status: 'info' })),
    at('2026-03-14T09:20:00.000Z', autoRepairFailure(node)),
  );
  return out;
}
