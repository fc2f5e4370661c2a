import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fromEventGrid } from '../../../src/sources/eventGrid/fromEventGrid.js';

const DIR = join(import.meta.dirname, '..', '..', 'fixtures', 'realWorld', 'eventGrid');
const load = (name: string): unknown => JSON.parse(readFileSync(join(DIR, name), 'utf8'));

describe('fromEventGrid: real-world delivery variants', () => {
  it('reads a resource failure whose authorization, claims and httpRequest are null, beside a bad event', () => {
    const r = fromEventGrid(load('batch-mixed.json'));
    expect(r.signals.map((s) => [s.kind, s.nodePool, s.status, s.correlationId])).toEqual([
      ['resource-failure', 'userpool1', 'firing', '7d9a1f0e-3c4b-4e59-9a2f-6b1c0d8e2f31'],
      ['nodepool-rolling', 'nodepool1', 'firing', undefined],
    ]);
    expect(r.signals[0]?.attributes).toMatchObject({
      operationName: 'Microsoft.ContainerService/managedClusters/agentPools/write',
      operationStatus: 'Failed',
    });
    expect(r.signals[0]?.attributes.httpMethod).toBeUndefined();
    expect(r.signals[1]?.occurredAt).toBe('2024-05-02T10:13:00.000Z');
    // The malformed event is named with what is wrong, not reported as missing.
    expect(r.errors).toEqual([
      {
        index: 1,
        eventType: 'Microsoft.ContainerService.NodePoolRollingFailed',
        field: 'id',
        message: 'Invalid input: expected string, received number',
      },
    ]);
  });

  it('still reads the HTTP method when httpRequest is an object', () => {
    const [first] = load('batch-mixed.json') as [Record<string, unknown>];
    const data = { ...(first.data as Record<string, unknown>), httpRequest: { method: 'PUT' } };
    const r = fromEventGrid({ ...first, data });
    expect(r.signals[0]?.attributes.httpMethod).toBe('PUT');
  });
});
