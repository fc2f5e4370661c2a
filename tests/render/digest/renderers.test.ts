import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { createDigestAggregator } from '../../../src/digest/aggregate.js';
import type { Digest } from '../../../src/model.js';
import { digestQuery, withLogsLinks } from '../../../src/digest/logsDeepLink.js';
import { toDigestTeamsMessage } from '../../../src/render/digest/toDigestCard.js';
import { breakable, toDigestHtml } from '../../../src/render/digest/toDigestHtml.js';
import { toDigestMarkdown } from '../../../src/render/digest/toDigestMarkdown.js';
import { toDigestSlackMessage } from '../../../src/render/digest/toDigestSlack.js';
import { SLACK_LIMITS, blockTextLength } from '../../../src/render/toSlackBlocks.js';
import { cardProblems, markdownTexts } from '../cardValidator.js';
import { autoRepairFailure, hostileFailure, operationFailure } from '../../support/enrichedFailures.js';
import { WINDOW, at, clusterRef, sampleDay } from '../../digest/digestFixtures.js';

const HOSTILE =
  '<script>alert(1)</script> <img src=x onerror=alert(2)> [x](javascript:alert(3)) @channel <!here> *b* `c`';

function digestOf(extra: ReturnType<typeof operationFailure>[] = []): Digest {
  const agg = createDigestAggregator(WINDOW);
  for (const f of [...sampleDay(), ...extra]) agg.add(f);
  return withLogsLinks(
    agg.finish({
      delivery: {
        teams: {
          delivered: 5,
          retried: 1,
          deadLettered: 0,
          held: 2,
          suppressed: 4,
          silenced: 3,
          poisoned: 0,
        },
      },
      generatedAt: new Date('2026-03-15T07:00:00Z'),
    }),
  );
}

function hostileDigest(): Digest {
  return digestOf([
    at(
      '2026-03-14T03:00:00.000Z',
      hostileFailure(HOSTILE, {
        cluster: { ...clusterRef('aks-evil'), name: HOSTILE },
        node: HOSTILE,
        matches: [],
        unrecognised: [HOSTILE],
      }),
    ),
  ]);
}

/** A fleet far bigger than any card: hundreds of clusters and long titles. */
function hugeDigest(): Digest {
  const agg = createDigestAggregator(WINDOW, {
    maxClusters: 5000,
    maxNodes: 10000,
    maxErrors: 2000,
    maxUnrecognised: 1000,
    maxPoolsPerCluster: 100,
    maxCodesPerCluster: 200,
    topK: 60,
  });
  for (let i = 0; i < 3000; i++) {
    const base = operationFailure();
    const m = base.matches[0];
    if (!m) throw new Error('fixture has no match');
    agg.add(
      at(
        '2026-03-14T04:00:00.000Z',
        operationFailure({
          cluster: clusterRef(`aks-${String(i % 400)}-${'x'.repeat(60)}`),
          matches: [
            { ...m, code: `Code${String(i % 80)}`, title: 'T'.repeat(150), mitigation: 'M'.repeat(600) },
          ],
          unrecognised: [`U${String(i % 70)}`],
        }),
      ),
    );
  }
  const counts = {
    delivered: 99999,
    retried: 9999,
    deadLettered: 999,
    held: 999,
    suppressed: 9999,
    silenced: 999,
    poisoned: 0,
  };
  const delivery = Object.fromEntries(
    Array.from({ length: 60 }, (_, i) => [`receiver-${String(i)}-${'r'.repeat(60)}`, counts]),
  );
  return agg.finish({ delivery });
}

describe('digest renderers', () => {
  it('Markdown names every section and escapes untrusted text', () => {
    const md = toDigestMarkdown(hostileDigest());
    for (const h of [
      '## Top errors',
      '## Clusters',
      '## Node auto-repair',
      '## What the catalog is missing',
      '## Delivery health',
    ])
      expect(md).toContain(h);
    expect(md).not.toContain('<script>');
    expect(md).not.toContain('[x](javascript');
    expect(md).toContain('| Receiver | Delivered | Retried | Dead-lettered | Held | Suppressed | Silenced |');
    expect(md).toContain('| teams | 5 | 1 | 0 | 2 | 4 | 3 |');
  });

  it('counts read as English, and failures without a catalog entry are listed as what the catalog lacks', () => {
    const d = digestOf([
      at(
        '2026-03-14T08:00:00.000Z',
        operationFailure({
          kind: 'autoscaler',
          reason: 'NotTriggerScaleUp',
          title: 'pod did not trigger scale-up',
          matches: [],
          unrecognised: [],
        }),
      ),
    ]);
    const md = toDigestMarkdown(d);
    expect(md).toMatch(/\*\* \(rg-aks-b\): 1 failure \(0 before\)/);
    expect(md).not.toMatch(/\b1 (failures|episodes|clusters)\b/);
    expect(md).toContain('2 episodes, 2 actions, 2 failed');
    expect(md).not.toContain('Unmatched');
    expect(md).toContain('1 failure matched no catalog entry and is not listed here');
    expect(md).toContain(
      '- autoscaler NotTriggerScaleUp: 1 on 1 cluster (e.g. pod did not trigger scale-up)',
    );
    expect(md).toContain('- none: the catalog knew every code');
    expect(md).toContain('(+400% vs 2 in the previous window)**');
    const html = toDigestHtml(d);
    expect(html).toContain('<h2>What the catalog is missing</h2>');
    // Headers break between words only ('Failure s' in a narrow column read badly).
    expect(html).toMatch(/th\{[^}]*overflow-wrap:normal/);
    expect(html).toContain('<td>autoscaler NotTriggerScaleUp</td>');
    const slack = JSON.stringify(toDigestSlackMessage(d).blocks);
    expect(slack).not.toContain('cluster(s)');
    expect(slack).toContain('No entry: autoscaler NotTriggerScaleUp ×1');
    const card = JSON.stringify(toDigestTeamsMessage(d).message);
    expect(card).toContain('No entry: autoscaler NotTriggerScaleUp');
    expect(card).toContain('1 failure matched no catalog entry');
  });

  it('totals show notices (repair progress, support) apart from failures', () => {
    const plain = digestOf();
    const d = digestOf([
      at(
        '2026-03-14T09:00:00.000Z',
        operationFailure({
          kind: 'cluster-support',
          reason: 'ClusterSupportEnded',
          matches: [],
          unrecognised: [],
        }),
      ),
      at(
        '2026-03-14T09:30:00.000Z',
        autoRepairFailure(undefined, {
          status: 'info',
          reason: 'NodeAutoRepairStarted',
          matches: [],
          unrecognised: [],
        }),
      ),
    ]);
    expect(d.totals.failures).toBe(plain.totals.failures);
    expect(d.totals.info).toBe(plain.totals.info + 2);
    expect(toDigestMarkdown(d)).toContain(
      `- Notices (auto-repair, upgrades, new versions, support; not failures): ${String(d.totals.info)};`,
    );
    expect(toDigestHtml(d)).toContain(`${String(d.totals.info)} notices not counted`);
  });

  it('HTML is self-contained, has the charts and escapes untrusted text', () => {
    const html = toDigestHtml(hostileDigest());
    expect(html).not.toMatch(/<script|<img|<link|@import|url\(/i);
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    for (const id of ['hourly', 'errors', 'clusters']) expect(html).toContain(`data-chart="${id}"`);
    for (const id of ['totals', 'errors', 'clusters', 'auto-repair', 'unrecognised', 'delivery'])
      expect(html).toContain(`id="${id}"`);
    expect(html).not.toMatch(/href="(?!https:)/);
  });

  it('the Teams card is a valid 1.4 card, untrusted text only in literal runs, within 28 KB', () => {
    const { message, bytes } = toDigestTeamsMessage({
      ...hostileDigest(),
      reportUrl: 'https://example.org/api/digestReport',
    });
    const card = message.attachments[0].content;
    expect(cardProblems(card)).toEqual([]);
    expect(markdownTexts(card).join('\n')).not.toMatch(/script|onerror|channel/);
    expect(bytes).toBeLessThanOrEqual(27_000);
    expect(card.actions).toContainEqual({
      type: 'Action.OpenUrl',
      title: 'Full report',
      url: 'https://example.org/api/digestReport',
    });
  });

  it('the chat digests show what was held, suppressed and silenced beside what was sent', () => {
    const line = '5 sent · 1 retried · 0 dead-lettered · 2 held · 4 suppressed · 3 silenced';
    const card = toDigestTeamsMessage(digestOf()).message.attachments[0].content;
    expect(JSON.stringify(card)).toContain(line);
    expect(cardProblems(card)).toEqual([]);
    expect(JSON.stringify(toDigestSlackMessage(digestOf()).blocks)).toContain(`• teams: ${line}`);
  });

  it('a huge fleet still fits the card and Slack limits', () => {
    const d = hugeDigest();
    const { message, bytes } = toDigestTeamsMessage(d);
    expect(bytes).toBeLessThanOrEqual(27_000);
    expect(cardProblems(message.attachments[0].content)).toEqual([]);
    const slack = toDigestSlackMessage(d);
    expect(slack.blocks.length).toBeLessThanOrEqual(SLACK_LIMITS.blocks);
    expect(blockTextLength(slack.blocks)).toBeLessThanOrEqual(SLACK_LIMITS.totalText);
    for (const b of slack.blocks) {
      const t = (b as { text?: { text?: string } }).text?.text ?? '';
      expect(t.length).toBeLessThanOrEqual(SLACK_LIMITS.sectionText);
    }
  });

  it('Slack text is escaped (no links, mentions or broadcasts from data)', () => {
    const slack = toDigestSlackMessage(hostileDigest());
    const all = JSON.stringify(slack.blocks);
    expect(all).not.toContain('<script>');
    expect(all).not.toContain('<!here>');
    expect(all).not.toMatch(/@channel/);
  });
});

describe('production first, what to do first, and a quiet window', () => {
  /** A busy development cluster and a production one with fewer but as severe failures. */
  function mixedFleet(rules: { productionClusters?: string[] } = {}): Digest {
    const agg = createDigestAggregator(WINDOW, undefined, rules);
    const dev = clusterRef('aks-ml-dev-eus2');
    const prod = clusterRef('payments-weu');
    for (let i = 0; i < 5; i++)
      agg.add(
        at(`2026-03-14T0${String(i)}:00:00.000Z`, operationFailure({ cluster: dev, context: undefined })),
      );
    agg.add(
      at(
        '2026-03-14T06:00:00.000Z',
        autoRepairFailure('aks-n-1', { cluster: prod, context: { tags: { environment: 'Production' } } }),
      ),
    );
    return agg.finish({ generatedAt: new Date('2026-03-15T07:00:00Z') });
  }

  it('ranks production clusters first, from tags or from names, and says so', () => {
    const d = mixedFleet();
    expect(d.clusters.map((c) => [c.name, c.environment])).toEqual([
      ['payments-weu', 'production'],
      ['aks-ml-dev-eus2', 'non-production'],
    ]);
    // The production failure's fix comes first although the development error is more frequent.
    expect(d.doFirst?.map((a) => [a.code, a.productionClusters])).toEqual([
      ['NodeRebootError', 1],
      ['VMExtensionProvisioningError', 0],
    ]);
    const html = toDigestHtml(d);
    expect(html.indexOf('payments-weu')).toBeLessThan(html.indexOf('aks-ml-dev-eus2'));
    expect(html).toContain('<section id="first"><h2>Do these first</h2>');
    expect(html).toContain('<span class="sev sev-error">error</span>');
    expect(toDigestMarkdown(d)).toContain(
      '## Do these first\n\n1. **NodeRebootError** (error, ×1 on 1 cluster (1 production))',
    );
    // PRODUCTION_CLUSTERS names production by glob, over the words of a name.
    const byGlob = mixedFleet({ productionClusters: ['aks-ml-*'] });
    expect(byGlob.clusters.find((c) => c.name === 'aks-ml-dev-eus2')?.environment).toBe('production');
  });

  it('lets a code wrap only between its words', () => {
    expect(breakable('OutboundConnectivityNotEnabledOnVMSS')).toBe(
      'Outbound<wbr>Connectivity<wbr>Not<wbr>Enabled<wbr>On<wbr>VMSS',
    );
    expect(breakable('NodeAutoRepair/VMExtensionProvisioningError')).toBe(
      'Node<wbr>Auto<wbr>Repair/<wbr>VM<wbr>Extension<wbr>Provisioning<wbr>Error',
    );
    expect(breakable('<b>x</b>')).not.toContain('<b>');
  });

  it('an empty window is one line, dated by its start, in HTML and Markdown', () => {
    const d = createDigestAggregator(WINDOW).finish({ generatedAt: new Date('2026-03-15T07:00:00Z') });
    const html = toDigestHtml(d);
    expect(html).toContain('<title>AKS failure digest 2026-03-14</title>');
    expect(html).toContain('All quiet: no AKS failures from 2026-03-14 00:00 UTC to 2026-03-15 00:00 UTC.');
    expect(html).not.toContain('id="hourly"');
    expect(toDigestMarkdown(d)).toBe(
      '# AKS failure digest 2026-03-14\n\n2026-03-14 00:00 UTC to 2026-03-15 00:00 UTC\n\nAll quiet: no AKS failures from 2026-03-14 00:00 UTC to 2026-03-15 00:00 UTC.\n',
    );
  });

  it('a window with only a support notice is quiet, and still names the cluster out of support', () => {
    const agg = createDigestAggregator(WINDOW);
    agg.add(
      at(
        '2026-03-14T09:00:00.000Z',
        operationFailure({
          kind: 'cluster-support',
          reason: 'ClusterSupportEnded',
          matches: [],
          unrecognised: [],
        }),
      ),
    );
    const d = agg.finish({ generatedAt: new Date('2026-03-15T07:00:00Z') });
    // A notice, not a failure: the window is quiet, and the notice is said once under it.
    expect(d.totals).toMatchObject({ failures: 0, resolved: 0, info: 1 });
    const line = 'aks-prod-weu-01 (production): Kubernetes 1.30.6 out of support';
    const md = toDigestMarkdown(d);
    expect(md).toContain('All quiet');
    expect(md).toContain(`- ${line}`);
    const html = toDigestHtml(d);
    expect(html).toContain('All quiet');
    expect(html).toContain(`<li>${line}</li>`);
  });
});

describe('digest Log Analytics links', () => {
  it('each cluster and section links to its query, gzip+base64 in the portal URL, window as timespan', () => {
    const d = digestOf();
    const url = d.clusters[0]?.logsUrl ?? '';
    const m =
      /\/resourceId\/([^/]+)\/source\/LogsBlade\.AnalyticsShareLinkToQuery\/q\/([^/]+)\/timespan\/(.+)$/.exec(
        url,
      );
    expect(m).not.toBeNull();
    expect(decodeURIComponent(m?.[1] ?? '')).toBe(d.clusters[0]?.resourceId);
    const query = gunzipSync(Buffer.from(decodeURIComponent(m?.[2] ?? ''), 'base64')).toString('utf8');
    expect(query).toBe(digestQuery('failuresByHour', new Date(WINDOW.start), new Date(WINDOW.end)));
    expect(query).toContain('let windowStart = datetime(2026-03-14T00:00:00.000Z);');
    expect(decodeURIComponent(m?.[3] ?? '')).toBe(`${WINDOW.start}/${WINDOW.end}`);
    // One subscription: fleet links scoped to it.
    expect(d.logsUrl).toContain(encodeURIComponent('/subscriptions/3f2c1a9e-7b4d-4c1e-9a8f-2d6e5b4c3a21'));
    expect(d.autoRepair.logsUrl).toBeDefined();
    expect(d.errors.find((e) => e.category === 'auto-repair')?.logsUrl).toBe(d.autoRepair.logsUrl);
  });

  it('no fleet link when clusters span subscriptions and no scope is configured', () => {
    const agg = createDigestAggregator(WINDOW);
    agg.add(at('2026-03-14T01:00:00.000Z', operationFailure()));
    agg.add(
      at(
        '2026-03-14T01:00:00.000Z',
        autoRepairFailure('n', { cluster: clusterRef('other', '11111111-2222-3333-4444-555555555555') }),
      ),
    );
    const d = withLogsLinks(agg.finish());
    expect(d.logsUrl).toBeUndefined();
    expect(withLogsLinks(agg.finish(), '/subscriptions/abc').logsUrl).toContain('%2Fsubscriptions%2Fabc');
  });
});
