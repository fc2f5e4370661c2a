import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS, createDigestAggregator } from '../../src/digest/aggregate.js';
import { autoRepairFailure, operationFailure } from '../support/enrichedFailures.js';
import { WINDOW, at, clusterRef, sampleDay } from './digestFixtures.js';

describe('createDigestAggregator', () => {
  it('totals, trend and new vs recurring against the previous window', () => {
    const agg = createDigestAggregator(WINDOW);
    for (const f of sampleDay()) agg.add(f);
    agg.add(at('2026-03-16T00:00:00.000Z', operationFailure()));
    const d = agg.finish({ generatedAt: new Date('2026-03-15T07:00:00Z') });
    expect(agg.seen).toEqual({ current: 11, previous: 2, outside: 1 });
    expect(d.totals.failures).toBe(9);
    expect(d.totals.info).toBe(2);
    expect(d.totals.clusters).toBe(2);
    expect(d.totals.previous).toEqual({ failures: 2, clusters: 1 });
    expect(d.totals.trendPercent).toBe(350);
    // cluster A + its op error recurred; cluster B's and the auto-repair error are new.
    expect(d.totals.recurringProblems).toBe(1);
    expect(d.totals.newProblems).toBe(2);
    expect(d.previousWindow).toEqual({ start: '2026-03-13T00:00:00.000Z', end: WINDOW.start });
  });

  it('files errors by catalog code with clusters, first/last seen and mitigation', () => {
    const agg = createDigestAggregator(WINDOW);
    for (const f of sampleDay()) agg.add(f);
    const d = agg.finish();
    const top = d.errors[0];
    const code = operationFailure().matches[0]?.code;
    expect(top?.code).toBe(code);
    expect(top?.count).toBe(7);
    expect(top?.previousCount).toBe(2);
    expect(top?.isNew).toBe(false);
    expect(top?.clusters).toBe(2);
    expect(top?.firstSeen).toBe('2026-03-14T00:10:00.000Z');
    expect(top?.lastSeen).toBe('2026-03-14T05:10:00.000Z');
    expect(top?.mitigation).toBe(operationFailure().matches[0]?.mitigation);
    expect(d.errors[1]?.isNew).toBe(true);
  });

  it('per cluster and node pool, with version and end-of-support state', () => {
    const agg = createDigestAggregator(WINDOW);
    for (const f of sampleDay()) agg.add(f);
    agg.add(
      at(
        '2026-03-14T12:00:00.000Z',
        operationFailure({
          kind: 'cluster-support',
          status: 'info',
          reason: 'Microsoft.ContainerService.ClusterSupportEnded',
          title: 'Kubernetes 1.27.3 is out of support',
          cluster: clusterRef('aks-b'),
          context: { kubernetesVersion: '1.27.3' },
        }),
      ),
    );
    const d = agg.finish();
    const a = d.clusters[0];
    expect(a?.count).toBe(8);
    expect(a?.kubernetesVersion).toBeDefined();
    expect(a?.nodePools.map((p) => p.name)).toContain('nodepool1');
    const b = d.clusters.find((c) => c.name === 'aks-b');
    expect(b?.support).toBe('ended');
    expect(b?.kubernetesVersion).toBe('1.27.3');
  });

  it('auto-repair: actions, failures by error, nodes repaired in separate episodes', () => {
    const agg = createDigestAggregator(WINDOW);
    for (const f of sampleDay()) agg.add(f);
    agg.add(
      at(
        '2026-03-14T10:00:00.000Z',
        autoRepairFailure('other-node', { reason: 'NodeReimageStart', status: 'info' }),
      ),
    );
    const d = agg.finish();
    expect(d.autoRepair.actions).toEqual({ reboot: 2, reimage: 1, redeploy: 0 });
    expect(d.autoRepair.failed).toBe(2);
    expect(d.autoRepair.failedByError[0]).toEqual({ code: autoRepairFailure().matches[0]?.code, count: 2 });
    expect(d.autoRepair.repeatedNodes).toEqual([
      {
        cluster: 'aks-prod-weu-01',
        node: 'aks-nodepool1-38471923-vmss000002',
        actions: 2,
        failures: 2,
        episodes: 2,
      },
    ]);
  });

  it('failures no entry matched: under what the catalog is missing, not top errors', () => {
    const agg = createDigestAggregator(WINDOW);
    agg.add(
      at('2026-03-14T01:00:00.000Z', operationFailure({ matches: [], unrecognised: ['BrandNewError'] })),
    );
    const scaleUp = (cluster: string) =>
      operationFailure({
        kind: 'autoscaler',
        reason: 'NotTriggerScaleUp',
        title: `NotTriggerScaleUp on ${cluster}`,
        matches: [],
        unrecognised: [],
        cluster: clusterRef(cluster),
      });
    agg.add(at('2026-03-14T02:00:00.000Z', scaleUp('aks-a')));
    agg.add(at('2026-03-14T03:00:00.000Z', scaleUp('aks-b')));
    agg.add(
      at(
        '2026-03-14T04:00:00.000Z',
        operationFailure({ kind: 'autoscaler', reason: 'ScaleDownFailed', matches: [], unrecognised: [] }),
      ),
    );
    // A support notice is shown in its cluster's row, not as something the catalog lacks.
    agg.add(
      at(
        '2026-03-14T05:00:00.000Z',
        operationFailure({
          kind: 'cluster-support',
          reason: 'ClusterSupportEnding',
          matches: [],
          unrecognised: [],
        }),
      ),
    );
    agg.add(at('2026-03-14T06:00:00.000Z', operationFailure()));
    const d = agg.finish();
    expect(d.unrecognised).toEqual([
      { code: 'BrandNewError', count: 1, clusters: 1, example: operationFailure().title },
    ]);
    expect(d.uncatalogued).toEqual([
      {
        kind: 'autoscaler',
        reason: 'NotTriggerScaleUp',
        count: 2,
        clusters: 2,
        example: 'NotTriggerScaleUp on aks-a',
      },
      {
        kind: 'autoscaler',
        reason: 'ScaleDownFailed',
        count: 1,
        clusters: 1,
        example: operationFailure().title,
      },
    ]);
    expect(d.errors.map((e) => e.code)).toEqual([operationFailure().matches[0]?.code]);
    // The support notice is a notice, not a failure.
    expect(d.totals.failures).toBe(5);
    expect(d.totals.info).toBe(1);
    expect(d.totals.unmatched).toBe(4);
    // Still counted where they happened.
    expect(d.clusters.find((c) => c.name === 'aks-a')?.topErrors).toEqual([
      { code: 'unmatched:autoscaler', count: 1 },
    ]);
  });

  it('a node whose repair ladder failed twice in one episode is not "repaired repeatedly"', () => {
    const agg = createDigestAggregator(WINDOW);
    const node = 'aks-userpool-1-vmss000003';
    agg.add(
      at('2026-03-14T06:12:00.000Z', autoRepairFailure(node, { reason: 'NodeRebootStart', status: 'info' })),
    );
    agg.add(
      at('2026-03-14T06:22:00.000Z', autoRepairFailure(node, { reason: 'NodeReimageStart', status: 'info' })),
    );
    agg.add(at('2026-03-14T06:31:00.000Z', autoRepairFailure(node, { reason: 'NodeReimageError' })));
    agg.add(
      at(
        '2026-03-14T06:33:00.000Z',
        autoRepairFailure(node, { reason: 'NodeRedeployStart', status: 'info' }),
      ),
    );
    agg.add(at('2026-03-14T06:41:00.000Z', autoRepairFailure(node, { reason: 'NodeRedeployError' })));
    expect(agg.finish().autoRepair.repeatedNodes).toEqual([]);
    // The same node back under repair in the afternoon: a second episode.
    agg.add(
      at('2026-03-14T15:02:00.000Z', autoRepairFailure(node, { reason: 'NodeRebootStart', status: 'info' })),
    );
    expect(agg.finish().autoRepair.repeatedNodes).toEqual([
      { cluster: 'aks-prod-weu-01', node, actions: 4, failures: 2, episodes: 2 },
    ]);
  });

  it('failures per hour by category', () => {
    const agg = createDigestAggregator(WINDOW);
    for (const f of sampleDay()) agg.add(f);
    const d = agg.finish();
    expect(d.hourly.hours).toHaveLength(24);
    const total = d.hourly.series.reduce((s, x) => s + x.counts.reduce((a, b) => a + b, 0), 0);
    expect(total).toBe(d.totals.failures);
    const repair = d.hourly.series.find((s) => s.category === 'auto-repair');
    expect(repair?.counts[2]).toBe(1);
    expect(repair?.counts[9]).toBe(1);
  });

  it('memory is bounded by the limits, not by rows: extra keys are counted and reported', () => {
    const agg = createDigestAggregator(WINDOW, { ...DEFAULT_LIMITS, maxClusters: 3, maxNodes: 5 });
    for (let i = 0; i < 20_000; i++)
      agg.add(
        at(
          new Date(Date.parse(WINDOW.start) + (i % 86_400) * 1000).toISOString(),
          autoRepairFailure(`node-${String(i % 100)}`, { cluster: clusterRef(`aks-${String(i % 10)}`) }),
        ),
      );
    const d = agg.finish();
    expect(d.totals.failures).toBe(20_000);
    expect(d.clusters.length).toBeLessThanOrEqual(3);
    expect(d.totals.nodes).toBe(5);
    expect(d.truncated.join(' ')).toMatch(/clusters: more than 3 tracked/);
    expect(d.truncated.join(' ')).toMatch(/nodes: more than 5 tracked/);
  });

  it('rejects an empty or inverted window', () => {
    expect(() => createDigestAggregator({ start: WINDOW.end, end: WINDOW.start })).toThrow(
      /not a valid time range/,
    );
  });
});
