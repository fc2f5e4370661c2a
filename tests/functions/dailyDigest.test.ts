import { HttpRequest } from '@azure/functions';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { dailyDigestHandler } from '../../functions/dailyDigest.js';
import { digestReportHandler } from '../../functions/digestReport.js';
import type { DailyDigestDeps } from '../../src/digest/dailyDigest.js';
import { journalSource } from '../../src/digest/collectDigest.js';
import { workspaceSource } from '../../src/sources/logAnalytics/digestSource.js';
import { DEFAULT_POLICY } from '../../src/notify/policy.js';
import { receiverMap } from '../../src/route/receiverMap.js';
import { createPipeline } from '../../src/pipeline/pipeline.js';
import type { RoutingConfig } from '../../src/route/index.js';
import type { KeyValueStore } from '../../src/state/keyValueStore.js';
import { createMemoryStore } from '../../src/state/memoryStore.js';
import type { OutboxItem } from '../../src/deliver/outbox.js';
import { listOutbox } from '../../src/deliver/outbox.js';
import { cardProblems } from '../render/cardValidator.js';
import { operationFailure } from '../support/enrichedFailures.js';
import { FakeLogAnalytics } from '../support/fakeLogAnalytics.js';
import { WebhookReceiver } from '../support/webhookReceiver.js';
import { repairRow } from '../support/kubeEventRows.js';
import { TIMER, loggingContext } from '../support/functionContext.js';

const HOUR = 3_600_000;
const RID =
  '/subscriptions/3f2c1a9e-7b4d-4c1e-9a8f-2d6e5b4c3a21/resourcegroups/rg-aks/providers/microsoft.containerservice/managedclusters/aks-prod-01';
const WS = '5b0c7e2d-9a41-4f3e-8d6b-2c1a0f9e8d7c';
// The run happens a few minutes after 07:00; the window is the day before 07:00.
const NOW = new Date('2026-11-21T07:03:00.000Z');
const END = '2026-11-21T07:00:00.000Z';

let fake: FakeLogAnalytics;
let receiver: WebhookReceiver;
let store: KeyValueStore;
let logs: string[];

const context = (name: string) => loggingContext(name, logs);

function routing(): RoutingConfig {
  return {
    source: 'test',
    receivers: [
      { name: 'ops', type: 'generic', url: receiver.url },
      { name: 'team', type: 'teams', url: receiver.url },
      { name: 'pager', type: 'pagerduty', url: receiver.url, secret: 'k'.repeat(32) },
    ],
    receiverInfo: [],
    routes: [],
    defaultReceivers: ['ops'],
    digest: { receivers: ['ops', 'team', 'pager'] },
    notify: { grouping: undefined, silences: undefined },
  };
}

function deps(now = NOW, schedule = '0 0 7 * * *', timeZone?: string): DailyDigestDeps {
  const r = routing();
  return {
    store,
    routing: r,
    receivers: receiverMap(r),
    sources: [
      workspaceSource({ client: fake.client({ retryOptions: { maxRetries: 0 } }), workspaceIds: [WS] }),
      journalSource(store),
    ],
    windowMs: 24 * HOUR,
    schedule,
    ...(timeZone ? { timeZone } : {}),
    reportUrl: 'https://func.example.org/api/digestReport',
    now: () => now,
  };
}

/** The run's summary line (warnings follow it). */
function summary(): string | undefined {
  return logs.filter((l) => l.includes(' receiver(s), ')).at(-1);
}

async function pending(): Promise<OutboxItem[]> {
  const out: OutboxItem[] = [];
  for await (const { item } of listOutbox(store, 'pending')) out.push(item);
  return out;
}

beforeEach(async () => {
  fake = await FakeLogAnalytics.start();
  receiver = new WebhookReceiver();
  await receiver.start();
  store = createMemoryStore();
  logs = [];
  const rows = [2, 5, 9, 30].map((h) => {
    const at = new Date(Date.parse(END) - h * HOUR).toISOString();
    return { ingestedAt: at, row: repairRow(RID, `aks-nodepool1-1-vmss00000${String(h % 7)}`, at) };
  });
  fake
    .workspace(WS)
    .result('nodeAutoRepair')
    .add(...rows);
  // A pushed failure (Event Grid / alert) the pipeline journaled.
  const pushed = { ...operationFailure(), occurredAt: '2026-11-21T01:00:00.000Z' };
  await store.put(
    'journal-2026-11-21',
    `${pushed.occurredAt}|${pushed.fingerprint}|${pushed.sourceId}`,
    pushed,
  );
});
afterEach(async () => {
  await fake.close();
  await receiver.stop();
});

describe('dailyDigest timer', () => {
  it('reads Log Analytics and the journal, queues one digest per receiver, and a retry queues nothing more', async () => {
    await dailyDigestHandler(deps)(TIMER, context('dailyDigest'));
    const items = await pending();
    expect(items.map((i) => i.id).sort()).toEqual([`digest:${END}:ops`, `digest:${END}:team`]);
    const generic = JSON.parse(items.find((i) => i.receiver === 'ops')?.body ?? '{}') as {
      digest: { totals: { failures: number; previous: { failures: number } }; window: { end: string } };
    };
    expect(generic.digest.window.end).toBe(END);
    expect(generic.digest.totals.failures).toBe(4); // 3 auto-repair rows + the journaled failure
    expect(generic.digest.totals.previous.failures).toBe(1);
    const teams = JSON.parse(items.find((i) => i.receiver === 'team')?.body ?? '{}') as {
      attachments: { content: { actions: { url: string }[] } }[];
    };
    const card = teams.attachments[0]?.content;
    expect(cardProblems(card)).toEqual([]);
    expect(card?.actions[0]?.url).toBe('https://func.example.org/api/digestReport');
    expect(logs.some((l) => /pagerduty receiver, which takes no digest/.test(l))).toBe(true);
    expect(logs.some((l) => /4 failures on 2 clusters; queued for 2 receiver/.test(l))).toBe(true);

    // A retry of the same run (same hour) finds the items already queued.
    await dailyDigestHandler(deps)(TIMER, context('dailyDigest'));
    expect(await pending()).toHaveLength(2);
    expect(logs.some((l) => /queued for 0 receiver\(s\), 2 already queued/.test(l))).toBe(true);

    // Delivery through the outbox sends the digest once.
    const pipeline = createPipeline({ store, routing: routing(), policy: DEFAULT_POLICY, now: () => NOW });
    await pipeline.deliver({ dueNow: true });
    await dailyDigestHandler(deps)(TIMER, context('dailyDigest'));
    await pipeline.deliver({ dueNow: true });
    const digests = receiver.requests.filter((r) => r.body.includes('aks.digest'));
    expect(digests).toHaveLength(1);
  });

  it('a retry 70 minutes late (past the hour) covers the same window and sends nothing new', async () => {
    const pipeline = createPipeline({ store, routing: routing(), policy: DEFAULT_POLICY, now: () => NOW });
    await dailyDigestHandler(() => deps())(TIMER, context('dailyDigest'));
    await pipeline.deliver({ dueNow: true });
    const late = new Date(NOW.getTime() + 70 * 60_000);
    await dailyDigestHandler(() => deps(late))(TIMER, context('dailyDigest'));
    expect(summary()).toMatch(new RegExp(`\\.\\.${END}: .*queued for 0 receiver\\(s\\), 2 already queued`));
    await pipeline.deliver({ dueNow: true });
    expect(receiver.requests.filter((r) => r.body.includes('aks.digest'))).toHaveLength(1);
    expect(await pending()).toEqual([]);
  });

  it('ends the window at the scheduled time: 06:30, and 07:00 in Asia/Kolkata (UTC+05:30)', async () => {
    await dailyDigestHandler(() => deps(NOW, '0 30 6 * * *'))(TIMER, context('dailyDigest'));
    expect(summary()).toContain('..2026-11-21T06:30:00.000Z:');
    // 07:00 in Kolkata is 01:30 UTC; the run retried at 02:40 UTC still ends there.
    const retried = new Date('2026-11-21T02:40:00.000Z');
    await dailyDigestHandler(() => deps(retried, '0 0 7 * * *', 'Asia/Kolkata'))(
      TIMER,
      context('dailyDigest'),
    );
    expect(summary()).toContain('2026-11-20T01:30:00.000Z..2026-11-21T01:30:00.000Z:');
  });

  it('fails the run, naming the setting, when the time zone is not one Intl knows', async () => {
    await expect(
      dailyDigestHandler(() => deps(NOW, '0 0 7 * * *', 'W. Europe Standard Time'))(
        TIMER,
        context('dailyDigest'),
      ),
    ).rejects.toThrow(/WEBSITE_TIME_ZONE 'W\. Europe Standard Time' is not an IANA time zone/);
    expect(await pending()).toEqual([]);
  });

  it('digestReport serves the latest HTML report, 404 before there is one', async () => {
    const get = () =>
      digestReportHandler(() => store)(
        new HttpRequest({ method: 'GET', url: 'https://func.example.org/api/digestReport' }),
        context('digestReport'),
      );
    expect((await get()).status).toBe(404);
    await dailyDigestHandler(deps)(TIMER, context('dailyDigest'));
    const res = await get();
    expect(res.status).toBe(200);
    expect((res.headers as Record<string, string>)['Content-Type']).toMatch(/text\/html/);
    expect((res.headers as Record<string, string>)['Content-Security-Policy']).toMatch(/default-src 'none'/);
    expect(typeof res.body).toBe('string');
    const html = res.body as string;
    expect(html).toContain('<h1>AKS failure digest <span class="date">');
    expect(html).toContain('aks-prod-01');
  });
});
