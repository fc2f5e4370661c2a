/**
 * Attacks that were already refused before the security work, kept here so a regression fails CI:
 * KQL injection through alert values, requests to hosts a payload names, markup injection through
 * every sink and the HTML digest (in Chromium), and forged or tampered Standard Webhooks signatures.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../../scripts/chromium.js';
import { createApp } from '../../src/app/app.js';
import { kqlString } from '../../src/azure/kql.js';
import { catalogLookup } from '../../src/catalog/catalogLookup.js';
import { genericWebhook } from '../../src/deliver/genericWebhook.js';
import { computeDigest, signalSource } from '../../src/digest/collectDigest.js';
import { enrichFailure } from '../../src/enrich/enrichFailure.js';
import type { EnrichedFailure, FailureSignal } from '../../src/model.js';
import { toDigestHtml } from '../../src/render/digest/toDigestHtml.js';
import { RENDERERS } from '../../src/render/renderers.js';
import { toConsoleText } from '../../src/render/toConsoleText.js';
import { dimensionFilter } from '../../src/sources/commonAlert/logSearchPlan.js';
import { signalsFromCommonAlert } from '../../src/sources/commonAlert/signalsFromCommonAlert.js';
import { createMemoryStore } from '../../src/state/memoryStore.js';
import { cardProblems, markdownTexts } from '../render/cardValidator.js';
import { kqlShape } from '../infra/kql.js';
import {
  KUBE_ALERT,
  KUBE_RULE_ID,
  KUBE_WORKSPACE,
  kubeRuleProperties,
  namingRule,
  RULE_GROUP,
} from '../support/alertRules.js';
import { alertOf, setAt } from '../support/commonAlertFixtures.js';
import { notificationOf } from '../support/enrichedFailures.js';
import { FakeArm } from '../support/fakeArm.js';
import { FakeLogAnalytics } from '../support/fakeLogAnalytics.js';
import { startReceiver } from '../support/sinkReceivers.js';
import type { LocalReceiver } from '../support/sinkReceivers.js';

/** Values an alert carries (dimension names and values) that try to leave a KQL string literal. */
const HOSTILE_KQL = [
  "'",
  '"',
  '\\',
  "\\'",
  "x' or 1==1 //",
  "x'; ContainerLog | take 100 //",
  "x'\n| union workspace('other').ContainerLog",
  "x'\r\n; set notruncation;",
  "x' | evaluate http_request('https://evil.example')",
  "\\\\'\\\\",
  "x\\' or '1'=='1",
  "@'verbatim'",
  "h'obfuscated'",
  '```multi\nline```',
  '// comment',
  "'; let x = 1; ContainerLog //",
  '\u0000nul',
  '\u2028line separator\u2029',
  'emoji 🚨 and é',
  '\t tab \t',
  "']) | take 1 //",
  "['x'] == 1 or ['y'",
  "$left.x == $right.y'",
  "x' and ingestion_time() > ago(3650d) //",
];

describe('held: KQL injection through alert values (checked with the Kusto parser)', () => {
  it.each(HOSTILE_KQL.map((v) => [JSON.stringify(v), v]))('%s stays a string literal', (_label, value) => {
    const query = `KubeEvents | where Reason == 'NodeRebootError'${dimensionFilter([{ name: value, value }], kqlString)}`;
    const shape = kqlShape(query);
    expect(shape.parses, query).toBe(true);
    expect(shape.statements).toEqual(['ExpressionStatement']);
    expect(shape.calls).toEqual(['tostring']);
  });
});

describe('held: no request goes to a host a payload names', () => {
  let arm: FakeArm;
  let logs: FakeLogAnalytics;
  let evil: LocalReceiver;
  /** The payload's links point at the receiver's host, not at its `/hook` path. */
  let evilOrigin: string;

  beforeAll(async () => {
    [arm, logs] = await Promise.all([FakeArm.start(), FakeLogAnalytics.start()]);
    arm.setWorkspace(KUBE_WORKSPACE.resourceId, KUBE_WORKSPACE.customerId);
    arm.setRule(KUBE_RULE_ID, kubeRuleProperties());
    evil = await startReceiver({
      status: 200,
      body: '{"tables":[]}',
      headers: { 'content-type': 'application/json' },
    });
    evilOrigin = new URL(evil.url).origin;
  });
  afterAll(() => Promise.all([arm.close(), logs.close(), evil.close()]));

  it("every link of the payload points elsewhere; only the app's own endpoints are called", async () => {
    const alert = alertOf(KUBE_ALERT, (b) => {
      namingRule(KUBE_RULE_ID)(b);
      setAt(b, 'data.essentials.investigationLink', `${evilOrigin}/investigate`);
      for (const link of [
        'linkToSearchResultsAPI',
        'linkToFilteredSearchResultsAPI',
        'linkToSearchResultsUI',
      ])
        setAt(
          b,
          `data.alertContext.condition.allOf.0.${link}`,
          `${evilOrigin}/v1/workspaces/${KUBE_WORKSPACE.customerId}/query?query=x`,
        );
    });
    const app = createApp(
      {
        WEBHOOK_URL: 'https://hooks.example.net/aks',
        ARM_ENDPOINT: arm.endpoint,
        LOG_ANALYTICS_ENDPOINT: logs.endpoint,
        LOG_ANALYTICS_WORKSPACE_IDS: KUBE_WORKSPACE.customerId,
        ALERT_RULE_SCOPES: RULE_GROUP,
      },
      {
        azure: { ...arm.azureAccess(), logsClientOptions: logs.clientOptions() },
        store: createMemoryStore(),
        context: false,
      },
    );
    logs.script('*', { status: 200, body: { tables: [] } });
    const deps = await app.alertProcessDeps();
    await signalsFromCommonAlert(alert, deps.signals);
    expect(evil.requests).toEqual([]);
    // The query did run, against the configured endpoint.
    expect(logs.requests).toHaveLength(1);
  });
});

/** Text that tries to become markup, a mention, a link or a terminal command in each sink. */
const INJECTION = [
  '[Open the portal](https://evil.example/phish)',
  '<!channel> <!here> <@U024BE7LH>',
  '<https://evil.example/phish|Azure portal>',
  '<script>globalThis.__pwned=1</script><img src=x onerror="globalThis.__pwned=2">',
  '\u001b[2J\u001b]8;;https://evil.example\u0007click\u001b]8;;\u0007',
  '"}]}, "text": "injected", "x": {"',
].join(' ');

async function hostileFailures(): Promise<EnrichedFailure[]> {
  const alert = alertOf('commonAlert/metric-cluster-node-not-ready.json', (b) => {
    setAt(b, 'data.essentials.description', INJECTION);
    setAt(b, 'data.essentials.alertRule', INJECTION);
    setAt(b, 'data.alertContext.condition.allOf.0.dimensions', [{ name: 'node', value: INJECTION }]);
  });
  const { signals } = await signalsFromCommonAlert(alert, { maxRows: 10, kqlString });
  return signals.map((s) => enrichFailure(s, catalogLookup));
}

describe('held: markup injection through each sink', () => {
  it('Teams: a valid card with no link, mention or script from the alert', async () => {
    const body = JSON.parse(RENDERERS.teams.render(notificationOf(await hostileFailures()))) as {
      attachments: { content: unknown }[];
    };
    const card = body.attachments[0]?.content;
    expect(cardProblems(card)).toEqual([]);
    // Markdown is read only in TextBlocks and facts (TextRuns are shown as typed): no live link there.
    for (const text of markdownTexts(card)) expect(text).not.toMatch(/\]\(https:\/\/evil/);
    // No button or tap target goes where the alert says.
    const urls = [...JSON.stringify(card).matchAll(/"url":"([^"]*)"/g)].map((m) => m[1]);
    expect(urls.length).toBeGreaterThan(0);
    expect(urls.filter((u) => u?.includes('evil'))).toEqual([]);
  });

  it('Slack: no mention, forged link or raw angle bracket from the alert', async () => {
    const text = RENDERERS.slack.render(notificationOf(await hostileFailures()));
    expect(text).not.toMatch(/<!channel>|<!here>|<@U024BE7LH>|<https:\/\/evil/);
    expect(text).toContain('&lt;!channel&gt;');
  });

  it('PagerDuty: a plain summary and no link from the alert', async () => {
    const event = JSON.parse(RENDERERS.pagerduty.render(notificationOf(await hostileFailures()))) as {
      payload: { summary: string };
      links?: { href: string }[];
    };
    // eslint-disable-next-line no-control-regex -- control characters are what is looked for
    expect(event.payload.summary).not.toMatch(/[\u0000-\u001f]/);
    expect((event.links ?? []).map((l) => l.href).join(' ')).not.toContain('evil.example');
  });

  it('generic webhook: the JSON stays one object; the injected text is a value', async () => {
    const text = RENDERERS.generic.render(notificationOf(await hostileFailures()));
    const parsed = JSON.parse(text) as Record<string, unknown>;
    expect(parsed).not.toHaveProperty('text');
  });

  it('terminal: no escape sequence reaches it', async () => {
    // eslint-disable-next-line no-control-regex -- escape and bell characters are what is looked for
    for (const f of await hostileFailures()) expect(toConsoleText(f)).not.toMatch(/\u001b|\u0007/);
  });
});

describe('held: markup injection through the HTML digest, in Chromium', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium();
  }, 60_000);
  afterAll(() => browser.close());

  it('runs no script and loads nothing, and shows the hostile text as text', async () => {
    const failures = await hostileFailures();
    const signals: FailureSignal[] = failures.map((f) => ({
      source: 'common-alert',
      sourceId: f.sourceId,
      kind: f.kind,
      status: 'firing',
      occurredAt: '2026-11-20T10:00:00.000Z',
      title: INJECTION,
      texts: [INJECTION],
      errorCodes: [],
      attributes: {},
      cluster: {
        resourceId: `/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/x`,
        subscriptionId: 's',
        resourceGroup: 'rg',
        name: INJECTION.slice(0, 60),
      },
    }));
    const digest = await computeDigest({
      window: { start: '2026-11-20T00:00:00.000Z', end: '2026-11-21T00:00:00.000Z' },
      sources: [signalSource('forged', signals)],
      now: new Date('2026-11-21T07:00:00.000Z'),
    });
    const page = await browser.newPage();
    const requests: string[] = [];
    const dialogs: string[] = [];
    page.on('request', (r) => {
      if (!r.url().startsWith('data:') && r.url() !== 'about:blank') requests.push(r.url());
    });
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    await page.setContent(toDigestHtml(digest), { waitUntil: 'load' });
    const pwned = await page.evaluate(() => (globalThis as { __pwned?: unknown }).__pwned);
    expect(pwned).toBeUndefined();
    expect(dialogs).toEqual([]);
    expect(requests).toEqual([]);
    expect(await page.locator('script').count()).toBe(0);
    expect(await page.locator('body').innerText()).toContain('<script>');
    await page.close();
  }, 60_000);
});

/** The Standard Webhooks check as its specification writes it, independent of the app's code. */
function verifyStandardWebhook(secret: string, headers: Record<string, string>, body: string): boolean {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  const content = `${headers['webhook-id'] ?? ''}.${headers['webhook-timestamp'] ?? ''}.${body}`;
  const expected = createHmac('sha256', key).update(content).digest();
  return (headers['webhook-signature'] ?? '').split(' ').some((part) => {
    const [version, sig] = part.split(',');
    const given = Buffer.from(sig ?? '', 'base64');
    return version === 'v1' && given.length === expected.length && timingSafeEqual(given, expected);
  });
}

describe('held: Standard Webhooks signatures', () => {
  const secret = `whsec_${Buffer.from('a-signing-secret-of-32-bytes!!!!').toString('base64')}`;
  const request = genericWebhook.prepare(
    { id: 'msg_2KWPBgLlAfxdpx2AI54pPJ85f4W', body: '{"failures":[]}', attempt: 1 },
    { name: 'archive', type: 'generic', url: 'https://hooks.example.net/aks', secret },
    new Date('2026-11-21T07:00:00Z'),
  );

  it('verify with an independent implementation of the specification', () => {
    expect(verifyStandardWebhook(secret, request.headers, request.body)).toBe(true);
  });

  it.each([
    ['a changed body', { body: '{"failures":[{"injected":true}]}' }],
    ['a replayed id', { headers: { 'webhook-id': 'msg_other' } }],
    ['a moved timestamp', { headers: { 'webhook-timestamp': '1900000000' } }],
    [
      'another secret',
      { secret: `whsec_${Buffer.from('someone-elses-secret-32-bytes!!!').toString('base64')}` },
    ],
  ])(
    'fail with %s',
    (_label, change: { body?: string; headers?: Record<string, string>; secret?: string }) => {
      expect(
        verifyStandardWebhook(
          change.secret ?? secret,
          { ...request.headers, ...change.headers },
          change.body ?? request.body,
        ),
      ).toBe(false);
    },
  );
});
