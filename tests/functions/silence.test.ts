import { HttpRequest } from '@azure/functions';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silenceHandler } from '../../functions/silence.js';
import { createApp } from '../../src/app/app.js';
import type { App } from '../../src/app/app.js';
import type { FailureSignal } from '../../src/model.js';
import { DEFAULT_POLICY } from '../../src/notify/policy.js';
import { NOTIFY_SCOPES } from '../../src/notify/notifyScopes.js';
import { signSilenceToken } from '../../src/notify/silenceLinks.js';
import { processSignals } from '../../src/pipeline/processSignals.js';
import type { RoutingConfig } from '../../src/route/index.js';
import { readHealth } from '../../src/state/deliveryHealth.js';
import { createMemoryStore } from '../../src/state/memoryStore.js';
import type { KeyValueStore } from '../../src/state/keyValueStore.js';
import { loggingContext } from '../support/functionContext.js';
import type { LocalReceiver } from '../support/sinkReceivers.js';
import { NORMAL_ANSWERS, startReceiver } from '../support/sinkReceivers.js';

const SILENCE_URL = 'https://func-test.example/api/silence';
const CLUSTER = {
  resourceId:
    '/subscriptions/3f2c1a9e-7b4d-4c1e-9a8f-2d6e5b4c3a21/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks-shop-prod',
  subscriptionId: '3f2c1a9e-7b4d-4c1e-9a8f-2d6e5b4c3a21',
  resourceGroup: 'rg',
  name: 'aks-shop-prod',
};

function failure(id: string, over: Partial<FailureSignal> = {}): FailureSignal {
  return {
    source: 'activity-log',
    kind: 'operation-failed',
    sourceId: id,
    occurredAt: '2026-11-21T03:00:00.000Z',
    status: 'firing',
    cluster: CLUSTER,
    nodePool: 'user1',
    reason: 'Microsoft.ContainerService/managedClusters/agentPools/write',
    title: 'Agent pool write failed',
    texts: ['Code="SubnetIsFull" Message="Subnet user-subnet has no free addresses"'],
    errorCodes: ['SubnetIsFull'],
    attributes: {},
    ...over,
  };
}

let teams: LocalReceiver;
let store: KeyValueStore;
let now: Date;
let app: App;

beforeEach(async () => {
  teams = await startReceiver(NORMAL_ANSWERS.teams);
  store = createMemoryStore();
  now = new Date('2026-11-21T03:01:00.000Z');
  const routing: RoutingConfig = {
    source: 'test',
    receivers: [{ name: 'oncall', type: 'teams', url: teams.url, maxPerSecond: 50 }],
    receiverInfo: [],
    routes: [],
    defaultReceivers: ['oncall'],
    digest: { receivers: [] },
    notify: { grouping: undefined, silences: undefined },
  };
  app = createApp(
    { SILENCE_URL },
    { store, routing: { routing, policy: DEFAULT_POLICY }, context: false, now: () => now },
  );
});
afterEach(() => teams.close());

/** The "Silence 4 h" button of the last card Teams received. */
function silenceLinkOfLastCard(): string {
  const body = JSON.parse(teams.requests.at(-1)?.body ?? '{}') as {
    attachments: { content: { actions: { title: string; url: string }[] } }[];
  };
  const action = body.attachments[0]?.content.actions.find((a) => a.title === 'Silence 4 h');
  if (!action) throw new Error('no silence button on the card');
  return action.url;
}

async function click(method: 'GET' | 'POST', url: string, logs: string[] = []) {
  const token = new URL(url).searchParams.get('t') ?? '';
  const request =
    method === 'GET'
      ? new HttpRequest({ method, url })
      : new HttpRequest({
          method,
          url,
          body: { string: new URLSearchParams({ t: token }).toString() },
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
        });
  const answer = await silenceHandler(() => app.silenceDeps())(request, loggingContext('silence', logs));
  return {
    status: answer.status ?? 200,
    html: typeof answer.body === 'string' ? answer.body : '',
    headers: answer.headers,
  };
}

describe('Silence 4 h, end to end', () => {
  it('click -> confirm -> silence stored -> the next matching failure is silenced and counted', async () => {
    const pipeline = await app.pipeline();
    const first = await processSignals(pipeline.deps, [failure('row-1')], { keepEnriched: true });
    expect(first.enqueued).toBe(1);
    expect((await pipeline.deliver({ dueNow: true })).delivered).toBe(1);
    const link = silenceLinkOfLastCard();
    expect(link.startsWith(`${SILENCE_URL}?t=v1.`)).toBe(true);
    // The token is the only thing in the link: no function key, nothing else.
    expect([...new URL(link).searchParams.keys()]).toEqual(['t']);
    const fingerprint = first.enriched[0]?.fingerprint ?? '';
    expect(link).toContain(fingerprint);

    // Opening the link only asks (a link scanner fetching it silences nothing).
    const logs: string[] = [];
    const opened = await click('GET', link, logs);
    expect(opened.status).toBe(200);
    expect(opened.html).toContain('Silence this failure for 4 hours?');
    expect(opened.html).toContain('<form method="post">');
    expect(await store.get(NOTIFY_SCOPES.silences, fingerprint)).toBeUndefined();

    const confirmed = await click('POST', link, logs);
    expect(confirmed.status).toBe(200);
    expect(confirmed.html).toContain('Silenced until 2026-11-21 07:01 UTC');
    expect(confirmed.headers).toMatchObject({
      'Cache-Control': 'no-store',
      'Referrer-Policy': 'no-referrer',
    });
    const stored = await store.get<{ endsAt: string }>(NOTIFY_SCOPES.silences, fingerprint);
    expect(stored?.value.endsAt).toBe('2026-11-21T07:01:00.000Z');
    // Logged with the fingerprint, never with the token.
    expect(logs.join('\n')).toContain(`silence: ${fingerprint} silenced until 2026-11-21T07:01:00.000Z`);
    const token = new URL(link).searchParams.get('t') ?? '';
    expect(logs.join('\n')).not.toContain(token.split('.')[3] ?? token);

    // The same failure again: silenced, counted for the receiver, nothing sent.
    now = new Date('2026-11-21T03:30:00.000Z');
    const again = await processSignals(pipeline.deps, [
      failure('row-2', { occurredAt: '2026-11-21T03:29:00.000Z' }),
    ]);
    expect(again).toMatchObject({ silenced: 1, notifications: 0, enqueued: 0 });
    const health = await readHealth(
      store,
      new Date('2026-11-21T00:00:00Z'),
      new Date('2026-11-21T23:59:59Z'),
    );
    expect(health.oncall?.silenced).toBe(1);
    expect((await pipeline.deliver({ dueNow: true })).delivered).toBe(0);

    // Another failure on the same cluster is not silenced: the link named one fingerprint.
    const other = await processSignals(pipeline.deps, [
      failure('row-3', { nodePool: 'user2', occurredAt: '2026-11-21T03:29:30.000Z' }),
    ]);
    expect(other).toMatchObject({ silenced: 0, notifications: 1 });

    // Four hours later the silence has run out.
    now = new Date('2026-11-21T07:02:00.000Z');
    const later = await processSignals(pipeline.deps, [
      failure('row-4', { occurredAt: '2026-11-21T07:01:30.000Z' }),
    ]);
    expect(later.silenced).toBe(0);
  });

  it('refuses a link changed to another fingerprint, a made-up one, and an expired one', async () => {
    const pipeline = await app.pipeline();
    await processSignals(pipeline.deps, [failure('row-1')]);
    await pipeline.deliver({ dueNow: true });
    const link = new URL(silenceLinkOfLastCard());
    const [v, fp, exp, sig] = (link.searchParams.get('t') ?? '').split('.');
    const logs: string[] = [];

    const other = new URL(link);
    other.searchParams.set('t', [v, 'f'.repeat(32), exp, sig].join('.'));
    expect((await click('POST', other.href, logs)).status).toBe(403);
    const later = new URL(link);
    later.searchParams.set('t', [v, fp, String(Number(exp) + 86_400), sig].join('.'));
    expect((await click('POST', later.href, logs)).status).toBe(403);
    // Signed with another key: no key but the app's makes a link it accepts.
    const forged = new URL(link);
    forged.searchParams.set(
      't',
      signSilenceToken(Buffer.from('x'.repeat(32)), {
        fingerprint: fp ?? '',
        expiresAt: Date.parse('2026-11-22T00:00:00Z'),
      }),
    );
    expect((await click('POST', forged.href, logs)).status).toBe(403);
    expect((await click('GET', `${SILENCE_URL}?t=%3Cscript%3E`, logs)).status).toBe(403);

    now = new Date('2026-11-22T03:02:00.000Z');
    const expired = await click('POST', link.href, logs);
    expect(expired.status).toBe(410);
    expect(expired.html).toContain('This link has expired');

    let count = 0;
    for await (const _ of store.list(NOTIFY_SCOPES.silences)) count++;
    expect(count).toBe(0);
    expect(logs.filter((l) => l.startsWith('warning: silence: link refused'))).toHaveLength(5);
    expect(logs.join('\n')).not.toContain(sig ?? 'x');
  });

  it('does not read a confirm body larger than a token form, whatever valid token it starts with', async () => {
    const pipeline = await app.pipeline();
    await processSignals(pipeline.deps, [failure('row-1')]);
    await pipeline.deliver({ dueNow: true });
    const token = new URL(silenceLinkOfLastCard()).searchParams.get('t') ?? '';
    // An anonymous endpoint: a body of any size would otherwise be held whole before being cut.
    const oversized = new HttpRequest({
      method: 'POST',
      url: SILENCE_URL,
      body: { string: `${new URLSearchParams({ t: token }).toString()}&pad=${'x'.repeat(4096)}` },
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    const answer = await silenceHandler(() => app.silenceDeps())(oversized, loggingContext('silence', []));
    expect(answer.status).toBe(403);
    let count = 0;
    for await (const _ of store.list(NOTIFY_SCOPES.silences)) count++;
    expect(count).toBe(0);
  });

  it('cards carry no silence button when the app has no public silence address', async () => {
    const plain = createApp(
      {},
      {
        store,
        routing: { routing: app.routing().routing, policy: DEFAULT_POLICY },
        context: false,
        now: () => now,
      },
    );
    const pipeline = await plain.pipeline();
    await processSignals(pipeline.deps, [failure('row-1')]);
    await pipeline.deliver({ dueNow: true });
    expect(teams.requests.at(-1)?.body).not.toContain('Silence 4 h');
  });

  it('a resolve still goes out for a silenced failure, so what was sent closes', async () => {
    const pipeline = await app.pipeline();
    await processSignals(pipeline.deps, [failure('row-1')]);
    await pipeline.deliver({ dueNow: true });
    await click('POST', silenceLinkOfLastCard());
    now = new Date('2026-11-21T03:20:00.000Z');
    const resolved = await processSignals(pipeline.deps, [
      failure('row-1-resolved', { status: 'resolved', occurredAt: '2026-11-21T03:19:00.000Z' }),
    ]);
    expect(resolved.silenced).toBe(0);
  });
});
