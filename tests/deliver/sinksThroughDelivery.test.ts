import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Notification } from '../../src/model.js';
import { deliverDue } from '../../src/deliver/delivery.js';
import { PROTOCOLS } from '../../src/deliver/protocols.js';
import { parseRoutingConfig, receiversOf, routeNotification } from '../../src/route/index.js';
import type { RoutingConfig } from '../../src/route/index.js';
import { createMemoryStore } from '../../src/state/memoryStore.js';
import { enqueueOutgoing, listOutbox } from '../../src/deliver/outbox.js';
import {
  groupNotification,
  notificationOf,
  operationFailure,
  resolvedOf,
} from '../support/enrichedFailures.js';
import type { LocalReceiver } from '../support/sinkReceivers.js';
import { NORMAL_ANSWERS, startReceiver } from '../support/sinkReceivers.js';
import { cardProblems } from '../render/cardValidator.js';
import { slackViolations } from '../render/slackValidator.js';
import { RENDERERS } from '../../src/render/renderers.js';

const ROUTING_KEY = 'R0123456789abcdef0123456789abcde';
let teams: LocalReceiver;
let slackHook: LocalReceiver;
let pd: LocalReceiver;
let routing: RoutingConfig;

beforeAll(async () => {
  teams = await startReceiver(NORMAL_ANSWERS.teams);
  slackHook = await startReceiver(NORMAL_ANSWERS.slack);
  pd = await startReceiver(NORMAL_ANSWERS.pagerduty);
  const r = parseRoutingConfig(
    `
receivers:
  - { name: teams-oncall, type: teams, url: { setting: TEAMS_URL }, maxPerSecond: 20 }
  - { name: slack-platform, type: slack, url: { setting: SLACK_URL }, maxPerSecond: 20 }
  - { name: pager, type: pagerduty, url: { setting: PD_URL }, secret: { setting: PD_KEY } }
routes:
  - { name: page, match: { severity: '>= error', cluster: 'aks-prod-*' }, receivers: [pager], continue: true }
  - { name: chat, receivers: [teams-oncall, slack-platform] }
`,
    'routing.yaml',
    { TEAMS_URL: teams.url, SLACK_URL: slackHook.url, PD_URL: pd.url, PD_KEY: ROUTING_KEY },
  );
  if (!r.ok) throw new Error(r.errors.join('\n'));
  routing = r.config;
});
afterAll(async () => {
  await Promise.all([teams.close(), slackHook.close(), pd.close()]);
});

describe('chat and paging sinks through routing, the outbox and delivery', () => {
  it('delivers each notification once per routed receiver, honouring 429 Retry-After', async () => {
    const store = createMemoryStore();
    const failure = operationFailure();
    const notifications: Notification[] = [
      notificationOf([failure]),
      groupNotification(30),
      notificationOf([resolvedOf(failure)], { id: 'resolve-1' }),
    ];
    const items = notifications.flatMap((n) =>
      routeNotification(routing, n).map((receiver) => {
        const type = receiversOf(routing).get(receiver)?.type ?? 'generic';
        return {
          receiver,
          sinkType: type,
          id: n.id,
          body: RENDERERS[type].render(n),
          createdAt: '2026-03-14T06:00:00.000Z',
          summary: `${n.severity} ${n.fingerprint}`,
        };
      }),
    );
    expect(items.map((i) => i.receiver)).toEqual([
      'pager',
      'teams-oncall',
      'slack-platform',
      'pager',
      'teams-oncall',
      'slack-platform',
      'pager',
      'teams-oncall',
      'slack-platform',
    ]);
    expect(await enqueueOutgoing(store, items)).toMatchObject({ added: 9, existing: 0 });
    for await (const { item } of listOutbox(store, 'pending')) expect(item.body).not.toContain(ROUTING_KEY);

    teams.script.push({ status: 429, headers: { 'retry-after': '2' } });
    slackHook.script.push({ status: 429, body: 'rate_limited', headers: { 'retry-after': '3' } });
    let now = new Date('2026-03-14T06:00:01.000Z');
    const options = {
      store,
      receivers: receiversOf(routing),
      protocols: PROTOCOLS,
      now: () => now,
      maxAttempts: 5,
      maxAgeMs: 86_400_000,
      timeoutMs: 5_000,
      random: () => 0.5,
    };
    const first = await deliverDue(options);
    expect(first.perReceiver.pager?.delivered).toBe(3);
    expect(first.perReceiver['teams-oncall']?.delivered).toBe(0);
    expect(first.perReceiver['slack-platform']?.delivered).toBe(0);

    now = new Date('2026-03-14T06:10:00.000Z');
    const second = await deliverDue(options);
    expect(second.perReceiver['teams-oncall']?.delivered).toBe(3);
    expect(second.perReceiver['slack-platform']?.delivered).toBe(3);
    expect(second.errors).toEqual([]);

    // Once each (the 429s were retried), in order, and every body is what the service accepts.
    expect(pd.requests).toHaveLength(3);
    expect(teams.requests).toHaveLength(4);
    expect(slackHook.requests).toHaveLength(4);
    const events = pd.requests.map(
      (r) => JSON.parse(r.body) as { routing_key: string; event_action: string; dedup_key: string },
    );
    expect(events.map((e) => [e.routing_key, e.event_action])).toEqual([
      [ROUTING_KEY, 'trigger'],
      [ROUTING_KEY, 'trigger'],
      [ROUTING_KEY, 'resolve'],
    ]);
    expect(events[2]?.dedup_key).toBe(events[0]?.dedup_key);
    for (const r of teams.requests) {
      const msg = JSON.parse(r.body) as { attachments: [{ content: unknown }] };
      expect(cardProblems(msg.attachments[0].content)).toEqual([]);
    }
    for (const r of slackHook.requests) expect(slackViolations(JSON.parse(r.body) as never)).toEqual([]);
    expect(await deliverDue(options)).toMatchObject({ delivered: 0, pending: 0 });
  });

  it('retries connection resets and timeouts, then delivers once', async () => {
    const store = createMemoryStore();
    const n = notificationOf([operationFailure()], { id: 'faults-1' });
    await enqueueOutgoing(store, [
      {
        receiver: 'teams-oncall',
        sinkType: 'teams',
        id: n.id,
        body: RENDERERS.teams.render(n),
        createdAt: '2026-03-14T07:00:00.000Z',
        summary: 'faults',
      },
    ]);
    const before = teams.requests.length;
    teams.script.push({ status: 0, fault: 'reset' }, { status: 0, fault: 'hang' }, { status: 500 });
    let now = new Date('2026-03-14T07:00:00.000Z');
    const options = {
      store,
      receivers: receiversOf(routing),
      protocols: PROTOCOLS,
      now: () => now,
      maxAttempts: 6,
      maxAgeMs: 86_400_000,
      timeoutMs: 300,
      random: () => 0.5,
    };
    for (let pass = 0; pass < 3; pass++) {
      const r = await deliverDue(options);
      expect(r.delivered).toBe(0);
      expect(r.retried).toBe(1);
      now = new Date(now.getTime() + 3_600_000);
    }
    const last = await deliverDue(options);
    expect(last.delivered).toBe(1);
    expect(teams.requests.length - before).toBe(4);
    expect(await deliverDue(options)).toMatchObject({ delivered: 0, pending: 0 });
  });
});
