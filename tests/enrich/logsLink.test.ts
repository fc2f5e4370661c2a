import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { logsDeepLink, logsLinkFor } from '../../src/enrich/logsLink.js';
import type { FailureSignal } from '../../src/model.js';

const cluster = {
  resourceId: '/subscriptions/s1/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/prod',
  subscriptionId: 's1',
  resourceGroup: 'rg',
  name: 'prod',
};

function queryOf(url: string): { scope: string; query: string; span: string } {
  const m =
    /resourceId\/([^/]+)\/source\/LogsBlade\.AnalyticsShareLinkToQuery\/q\/([^/]+)\/timespan\/([^/]+)$/.exec(
      url,
    );
  if (!m?.[1] || !m[2] || !m[3]) throw new Error(`not a logs link: ${url}`);
  return {
    scope: decodeURIComponent(m[1]),
    query: gunzipSync(Buffer.from(decodeURIComponent(m[2]), 'base64')).toString('utf8'),
    span: decodeURIComponent(m[3]),
  };
}

describe('logs deep links', () => {
  it('carries the query gzip+base64 with the scope and time span', () => {
    const url = logsDeepLink(
      cluster.resourceId,
      'KubeEvents | take 1',
      new Date('2026-01-01T00:00:00Z'),
      new Date('2026-01-01T01:00:00Z'),
    );
    expect(url.startsWith('https://portal.azure.com/')).toBe(true);
    expect(queryOf(url)).toEqual({
      scope: cluster.resourceId,
      query: 'KubeEvents | take 1',
      span: '2026-01-01T00:00:00.000Z/2026-01-01T01:00:00.000Z',
    });
  });

  it('carries a log search rule query far longer than the compression window whole', () => {
    const lines = Array.from(
      { length: 400 },
      (_, i) => `| extend c${String(i)} = strcat(Computer, '-${String(i * 7919)}')`,
    );
    const query = ['ContainerLogV2', ...lines, '| take 10'].join('\n');
    expect(query.length).toBeGreaterThan(16_384);
    const url = logsDeepLink(cluster.resourceId, query, new Date(0), new Date(3_600_000));
    expect(queryOf(url).query).toBe(query);
    // Compressed all the same: the portal link stays well under the query's own length.
    expect(url.length).toBeLessThan(query.length / 2);
  });

  it('finds an auto-repair row by node and reason, with hostile values quoted', () => {
    const signal: FailureSignal = {
      source: 'kube-events',
      kind: 'node-auto-repair',
      sourceId: 'x',
      occurredAt: '2026-01-01T03:00:00Z',
      status: 'firing',
      cluster,
      node: "aks-node' | take 0 //",
      reason: 'NodeRebootError',
      title: 't',
      texts: [],
      errorCodes: [],
      attributes: {},
    };
    const link = logsLinkFor(signal);
    const { query, span } = queryOf(link?.url ?? '');
    expect(query).toContain("| where Name == 'aks-node\\' | take 0 //'");
    expect(query).toContain("| where Reason == 'NodeRebootError'");
    expect(span).toBe('2026-01-01T02:45:00.000Z/2026-01-01T03:15:00.000Z');
  });

  it('gives no link without a cluster to scope it to', () => {
    expect(
      logsLinkFor({
        source: 'event-grid',
        kind: 'alert',
        sourceId: 'x',
        occurredAt: '2026-01-01T00:00:00Z',
        status: 'firing',
        title: 't',
        texts: [],
        errorCodes: [],
        attributes: {},
      }),
    ).toBeUndefined();
  });
});
