import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { describeEventGridError, fromEventGrid } from '../../../src/sources/eventGrid/fromEventGrid.js';

const SAMPLES = join(import.meta.dirname, '..', '..', 'fixtures', 'samples');
const sample = (name: string): unknown => JSON.parse(readFileSync(join(SAMPLES, name), 'utf8'));

const CLUSTER =
  '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-aks/providers/Microsoft.ContainerService/managedClusters/aks-prod';

function eg(eventType: string, data: unknown, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: `id-${eventType}`,
    topic: CLUSTER,
    subject: 'aks-prod',
    eventType,
    eventTime: '2026-08-20T10:14:00.1234567Z',
    data,
    dataVersion: '1',
    metadataVersion: '1',
    ...extra,
  };
}

describe('fromEventGrid: the documented samples in both schemas', () => {
  const pairs = [
    ['nodepool-rolling-failed', 'firing', 'nodepool-rolling'],
    ['nodepool-rolling-started', 'info', 'nodepool-rolling'],
    ['nodepool-rolling-succeeded', 'info', 'nodepool-rolling'],
    ['cluster-support-ending', 'firing', 'cluster-support'],
    ['cluster-support-ended', 'firing', 'cluster-support'],
    ['new-kubernetes-version-available', 'info', 'kubernetes-version'],
    ['scheduled-event-emitted', 'info', 'scheduled-event'],
  ] as const;
  for (const [name, status, kind] of pairs) {
    it(`${name}: Event Grid and CloudEvents give the same signal`, () => {
      const a = fromEventGrid(sample(`eventgrid-aks-${name}.json`));
      const b = fromEventGrid(sample(`cloudevents-aks-${name}.json`));
      expect(a.errors).toEqual([]);
      expect(b.errors).toEqual([]);
      expect(a.signals).toHaveLength(1);
      const [sa] = a.signals;
      const [sb] = b.signals;
      expect(sa).toMatchObject({ source: 'event-grid', status, kind });
      expect(sa?.cluster?.name).toBe(
        name === 'scheduled-event-emitted' ? '{managedcluster-name}' : '{cluster}',
      );
      expect(sb?.status).toBe(sa?.status);
      expect(sb?.kind).toBe(sa?.kind);
      expect(sb?.title).toBe(sa?.title);
      expect(sb?.sourceId).toBe(sa?.sourceId);
      expect(sb?.occurredAt).toBe(sa?.occurredAt);
    });
  }

  it('reads the rolling failure: pool, no error code, seven-digit fraction times', () => {
    const [s] = fromEventGrid(sample('eventgrid-aks-nodepool-rolling-failed.json')).signals;
    expect(s).toMatchObject({
      sourceId: '1234567890abcdef1234567890abcdef12345678',
      occurredAt: '2023-03-29T18:00:00.000Z',
      nodePool: 'nodepool1',
      reason: 'NodePoolRollingFailed',
      errorCodes: [],
      texts: [],
    });
    expect(s?.resourceId).toMatch(/managedClusters\/\{cluster\}\/agentPools\/nodepool1$/);
  });

  it('states the version and what to do for support advisories, with the severity the event implies', () => {
    const [ending] = fromEventGrid(sample('cloudevents-aks-cluster-support-ending.json')).signals;
    const [ended] = fromEventGrid(sample('eventgrid-aks-cluster-support-ended.json')).signals;
    expect(ending?.severityHint).toBe('warning');
    expect(ended?.severityHint).toBe('error');
    expect(ending?.title).toContain('1.24.10');
    expect(ending?.texts[0]).toMatch(/1\.24\.10.*[Uu]pgrade/s);
    expect(ended?.texts[0]).toMatch(/1\.23\.15.*has ended.*[Uu]pgrade/s);
    expect(ended?.attributes.kubernetesVersion).toBe('1.23.15');
  });

  it('accepts specVersion as well as specversion', () => {
    const raw = sample('cloudevents-aks-new-kubernetes-version-available.json') as Record<string, unknown>;
    expect(raw.specVersion).toBe('1.0');
    const r = fromEventGrid(raw);
    expect(r.signals[0]?.attributes.latestSupportedKubernetesVersion).toBe('1.20.7');
    expect(r.signals[0]?.title).toBe('Kubernetes 1.20.7 is available');
  });

  it('turns a failed scheduled event into a failure with its details as text', () => {
    const raw = structuredClone(sample('eventgrid-aks-scheduled-event-emitted.json')) as {
      data: { resourceInfo: { properties: { eventStatus: string; eventDetails: string } } };
    };
    raw.data.resourceInfo.properties.eventStatus = 'Failed';
    raw.data.resourceInfo.properties.eventDetails = 'Upgrade failed: Code="UpgradeFailed"';
    const [s] = fromEventGrid(raw).signals;
    expect(s).toMatchObject({ status: 'firing', reason: 'ScheduledEventFailed' });
    expect(s?.texts).toEqual(['Upgrade failed: Code="UpgradeFailed"']);
    // .NET's zero date means "not started"; it is left out rather than shown as year 1.
    expect(s?.attributes.startTime).toBeUndefined();
    expect(s?.attributes.scheduledTime).toBe('2024-04-16T22:17:12.103Z');
  });
});

describe('fromEventGrid: resource failures', () => {
  it('turns a failed agent pool write into a failure with its correlation id', () => {
    const r = fromEventGrid(sample('CONSTRUCTED-eventgrid-resource-write-failure-aks-agentpool.json'));
    expect(r.errors).toEqual([]);
    expect(r.signals).toHaveLength(1);
    expect(r.signals[0]).toMatchObject({
      kind: 'resource-failure',
      status: 'firing',
      nodePool: 'userpool1',
      correlationId: '44444444-4444-4444-4444-444444444444',
      reason: 'Microsoft.ContainerService/managedClusters/agentPools/write',
      title: 'Write on agent pool userpool1 failed',
      sourceId: '7f0f7b7e-2c6d-4a57-8d1e-3b1a7b5b9c11',
    });
    expect(r.signals[0]?.cluster?.resourceId).toBe(CLUSTER);
  });

  it('ignores resource failures on resources that are not AKS clusters or pools', () => {
    for (const name of ['eventgrid-resource-write-failure.json', 'eventgrid-resource-action-failure.json']) {
      const r = fromEventGrid(sample(name));
      expect(r.signals).toEqual([]);
      expect(r.errors).toEqual([]);
      expect(r.ignored[0]?.reason).toBe('not an AKS cluster or agent pool');
    }
    const cred = fromEventGrid(
      eg('Microsoft.Resources.ResourceActionFailure', {
        resourceUri: `${CLUSTER}/listClusterAdminCredential`,
        operationName: 'Microsoft.ContainerService/managedClusters/listClusterAdminCredential/action',
      }),
    );
    expect(cred.signals).toEqual([]);
    expect(cred.ignored).toHaveLength(1);
    const onCluster = fromEventGrid(
      eg('Microsoft.Resources.ResourceActionFailure', {
        resourceUri: CLUSTER,
        operationName: 'Microsoft.ContainerService/managedClusters/listClusterUserCredential/action',
      }),
    );
    expect(onCluster.ignored[0]?.reason).toBe('a credential listing, not a cluster failure');
  });

  it('reads delete and action failures on the cluster', () => {
    const r = fromEventGrid([
      eg(
        'Microsoft.Resources.ResourceDeleteFailure',
        { resourceUri: CLUSTER, correlationId: 'c-1' },
        { id: 'd' },
      ),
      eg(
        'Microsoft.Resources.ResourceActionFailure',
        { resourceUri: CLUSTER, operationName: 'Microsoft.ContainerService/managedClusters/stop/action' },
        { id: 'a' },
      ),
    ]);
    expect(r.signals.map((s) => s.title)).toEqual([
      'Delete on cluster aks-prod failed',
      'Action on cluster aks-prod failed',
    ]);
    expect(r.signals[0]?.nodePool).toBeUndefined();
  });
});

describe('fromEventGrid: batches, unknown and malformed events', () => {
  it('parses the documented batch delivery', () => {
    const r = fromEventGrid(sample('CONSTRUCTED-eventgrid-webhook-delivery-aks-batch.json'));
    expect(r.signals.map((s) => [s.reason, s.status, s.nodePool])).toEqual([
      ['NodePoolRollingStarted', 'info', 'userpool1'],
      ['NodePoolRollingFailed', 'firing', 'userpool1'],
    ]);
  });

  it('ignores other event types and the validation handshake, never as errors', () => {
    const r = fromEventGrid([
      ...(sample('eventgrid-subscription-validation-request.json') as unknown[]),
      eg('Microsoft.Storage.BlobCreated', { url: 'x' }),
      eg('Microsoft.ContainerService.NodePoolRollingProgress', { nodePoolName: 'a' }),
      eg('Microsoft.Resources.ResourceWriteSuccess', { resourceUri: CLUSTER }),
    ]);
    expect(r.errors).toEqual([]);
    expect(r.signals).toEqual([]);
    expect(r.ignored.map((i) => i.index)).toEqual([0, 1, 2, 3]);
  });

  it('names the event and the field of each malformed event, and keeps the good ones', () => {
    const r = fromEventGrid([
      eg('Microsoft.ContainerService.NodePoolRollingFailed', { nodePoolName: 'good' }, { id: 'good' }),
      eg('Microsoft.ContainerService.NodePoolRollingFailed', {}, { id: 'no-pool' }),
      eg(
        'Microsoft.ContainerService.NodePoolRollingFailed',
        { nodePoolName: 'p' },
        { id: 'bad-time', eventTime: 'soon' },
      ),
      eg('Microsoft.ContainerService.ClusterSupportEnding', { kubernetesVersion: 1.29 }, { id: 'num' }),
      eg(
        'Microsoft.ContainerService.NodePoolRollingStarted',
        { nodePoolName: 'p' },
        { id: 'no-topic', topic: undefined },
      ),
      {
        type: 'Microsoft.ContainerService.NodePoolRollingFailed',
        source: CLUSTER,
        id: 'ce',
        specversion: '1.0',
        data: { nodePoolName: 'p' },
      },
      'not an event',
      { eventType: 'Microsoft.ContainerService.NodePoolRollingFailed', eventTime: '2026-01-01T00:00:00Z' },
      { id: 'x', type: 'Microsoft.ContainerService.NodePoolRollingFailed', time: '2026-01-01T00:00:00Z' },
      { specversion: '0.3', id: 'old', type: 't', source: 's' },
    ]);
    expect(r.signals.map((s) => s.sourceId)).toEqual(['good']);
    expect(r.errors.map(describeEventGridError)).toEqual([
      'event no-pool (Microsoft.ContainerService.NodePoolRollingFailed): data.nodePoolName: is required',
      'event bad-time (Microsoft.ContainerService.NodePoolRollingFailed): eventTime: is not a date-time',
      expect.stringMatching(
        /^event num \(Microsoft\.ContainerService\.ClusterSupportEnding\): data\.kubernetesVersion: /,
      ),
      'event no-topic (Microsoft.ContainerService.NodePoolRollingStarted): topic: is required',
      'event ce (Microsoft.ContainerService.NodePoolRollingFailed): time: is required',
      'event #6: (event): is not a JSON object',
      'event #7 (Microsoft.ContainerService.NodePoolRollingFailed): id: is required',
      'event x (Microsoft.ContainerService.NodePoolRollingFailed): specversion: is required for a CloudEvents event',
      'event old (t): specversion: unsupported CloudEvents version "0.3"',
    ]);
  });

  it('rejects a topic that is not an AKS cluster for AKS event types', () => {
    const r = fromEventGrid(
      eg(
        'Microsoft.ContainerService.NodePoolRollingFailed',
        { nodePoolName: 'p' },
        { topic: '/subscriptions/s/resourceGroups/rg' },
      ),
    );
    expect(r.errors[0]).toMatchObject({
      field: 'topic',
      message: 'is not the resource id of an AKS managed cluster',
    });
  });

  it('reads CloudEvents data sent as a JSON string or base64', () => {
    const ce = {
      specversion: '1.0',
      id: 'ce1',
      source: CLUSTER,
      type: 'Microsoft.ContainerService.NodePoolRollingFailed',
      time: '2026-08-20T10:14:00Z',
    };
    const r = fromEventGrid([
      { ...ce, data: '{"nodePoolName":"fromstring"}' },
      { ...ce, id: 'ce2', data_base64: Buffer.from('{"nodePoolName":"frombase64"}').toString('base64') },
      { ...ce, id: 'ce3', data: '{not json' },
    ]);
    expect(r.signals.map((s) => s.nodePool)).toEqual(['fromstring', 'frombase64']);
    expect(r.errors[0]).toMatchObject({ eventId: 'ce3', field: 'data' });
  });

  it('parses every Event Grid and CloudEvents sample without throwing', () => {
    const names = readdirSync(SAMPLES).filter((n) => /^(CONSTRUCTED-)?(eventgrid|cloudevents)-/.test(n));
    expect(names.length).toBeGreaterThanOrEqual(20);
    for (const n of names) {
      const r = fromEventGrid(sample(n));
      expect(r.signals.length + r.ignored.length + r.errors.length, n).toBeGreaterThan(0);
    }
  });
});

describe('fromEventGrid: any input', () => {
  const aksSamples = readdirSync(SAMPLES)
    .filter((n) => /^(eventgrid|cloudevents)-aks-/.test(n))
    .map((n) => sample(n) as Record<string, unknown>);

  it('never throws, and accounts for every event exactly once', () => {
    fc.assert(
      fc.property(fc.oneof(fc.anything(), fc.array(fc.anything(), { maxLength: 6 })), (payload) => {
        const r = fromEventGrid(payload);
        const n = Array.isArray(payload) ? payload.length : 1;
        expect(r.signals.length + r.ignored.length + r.errors.length).toBe(n);
      }),
    );
  });

  it('turns a sample with any field replaced or removed into a signal, an ignored event or a named error', () => {
    const mutated = fc
      .tuple(
        fc.constantFrom(...aksSamples),
        fc.constantFrom(
          'id',
          'eventType',
          'type',
          'eventTime',
          'time',
          'topic',
          'source',
          'data',
          'specversion',
        ),
        fc.oneof(fc.constant(undefined), fc.anything()),
      )
      .map(([event, key, value]) => ({ ...event, [key]: value }));
    fc.assert(
      fc.property(fc.array(mutated, { minLength: 1, maxLength: 4 }), (batch) => {
        const r = fromEventGrid(batch);
        expect(r.signals.length + r.ignored.length + r.errors.length).toBe(batch.length);
        for (const e of r.errors) expect(e.field).not.toBe('');
        for (const s of r.signals) {
          expect(s.sourceId).not.toBe('');
          expect(Number.isNaN(Date.parse(s.occurredAt))).toBe(false);
        }
      }),
    );
  });
});
