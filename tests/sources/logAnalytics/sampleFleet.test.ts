import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { packageRoot } from '../../../src/assets.js';
import { readSampleFleet } from '../../../src/sources/logAnalytics/sampleFleet.js';

describe('the bundled sample fleet', () => {
  it('is exactly what the seeded generator writes', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fleet-'));
    try {
      execFileSync(
        process.execPath,
        ['--import', 'tsx', join(packageRoot(), 'scripts', 'generateSampleFleet.ts'), dir],
        {
          cwd: packageRoot(),
          stdio: 'pipe',
        },
      );
      const committed = join(packageRoot(), 'samples', 'fleet');
      const files = (root: string) =>
        readdirSync(root, { recursive: true, withFileTypes: true })
          .filter((f) => f.isFile())
          .map((f) => relative(root, join(f.parentPath, f.name)))
          .sort();
      expect(files(dir)).toEqual(files(committed));
      expect(files(dir)).toContain(join('arm', 'managedClusters.json'));
      for (const f of files(dir))
        expect(readFileSync(join(dir, f), 'utf8')).toBe(readFileSync(join(committed, f), 'utf8'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 30_000);

  it('reads without row errors into the failures it holds, and none of the noise', () => {
    const fleet = readSampleFleet();
    expect(fleet.rowErrors).toEqual([]);
    expect(fleet.skipped).toBeGreaterThan(fleet.signals.length);
    const firing = fleet.signals.filter((s) => s.status === 'firing');
    const codes = new Set(fleet.signals.flatMap((s) => s.errorCodes));
    for (const c of [
      'TooManyVMRedeploymentRequests',
      'PodDrainFailure',
      'QuotaExceeded',
      'SubnetIsFull',
      'SubscriptionRequestsThrottled',
      'ZonalAllocationFailed',
      'K8SAPIServerConnFailVMExtensionError',
    ])
      expect(codes).toContain(c);
    expect(new Set(fleet.signals.map((s) => s.kind))).toEqual(
      new Set(['node-auto-repair', 'operation-failed', 'autoscaler', 'cluster-support']),
    );
    expect(new Set(fleet.signals.map((s) => s.cluster?.subscriptionId)).size).toBe(2);
    expect(new Set(fleet.signals.map((s) => s.cluster?.name)).size).toBe(6);
    // Noise: successful operations, other providers, Normal pod events, informational lines.
    expect(fleet.signals.some((s) => /storage/i.test(s.reason ?? ''))).toBe(false);
    expect(
      fleet.signals.some((s) => ['Pulled', 'Scheduled', 'BackOff', 'NodeNotReady'].includes(s.reason ?? '')),
    ).toBe(false);
    expect(
      fleet.signals.some((s) => s.texts.some((t) => /Starting main loop|apiserver received/.test(t))),
    ).toBe(false);
    expect(firing.length).toBeGreaterThanOrEqual(18);
    expect(new Set(fleet.signals.map((s) => s.sourceId)).size).toBe(fleet.signals.length);
  });

  it('has a day before (for the trend) and a context look-up with every cluster and pool version', async () => {
    const fleet = readSampleFleet();
    const days = new Set(fleet.signals.map((s) => s.occurredAt.slice(0, 10)));
    expect([...days].sort()).toEqual(['2026-11-19', '2026-11-20']);
    const clusters = new Map(fleet.signals.flatMap((s) => (s.cluster ? [[s.cluster.name, s.cluster]] : [])));
    expect(clusters.size).toBe(6);
    for (const c of clusters.values()) {
      const found = await fleet.context.get(c);
      expect(found.ok && found.context.kubernetesVersion, c.name).toMatch(/^1\.\d+\.\d+$/);
    }
    const gpu = fleet.signals.find((s) => s.nodePool === 'gpu');
    const pool = gpu?.cluster ? await fleet.context.get(gpu.cluster, 'gpu') : undefined;
    expect(pool?.ok && pool.context.nodePool).toMatchObject({ name: 'gpu', orchestratorVersion: '1.32.9' });
    const support = fleet.signals.find((s) => s.kind === 'cluster-support');
    expect(support).toMatchObject({ reason: 'ClusterSupportEnding', cluster: { name: 'aks-ml-dev-eus2' } });
  });
});
