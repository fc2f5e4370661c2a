import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PAGERDUTY_EVENTS_URL, pagerDuty } from '../../src/deliver/pagerDuty.js';
import { PAGERDUTY_LIMITS, toPagerDutyEvent } from '../../src/render/toPagerDutyEvent.js';
import type { Receiver } from '../../src/model.js';
import {
  groupNotification,
  hostileFailure,
  notificationOf,
  operationFailure,
  plainAlertFailure,
  resolvedOf,
} from '../support/enrichedFailures.js';
import type { LocalReceiver } from '../support/sinkReceivers.js';
import { NORMAL_ANSWERS, sendOnce, startReceiver } from '../support/sinkReceivers.js';
import { RENDERERS } from '../../src/render/renderers.js';

const ROUTING_KEY = 'R0123456789abcdef0123456789abcde';

/** What the Events API checks before it answers 202. */
function eventProblems(body: string): string[] {
  const e = JSON.parse(body) as Record<string, unknown>;
  const p = e.payload as Record<string, unknown> | undefined;
  const problems: string[] = [];
  if (typeof e.routing_key !== 'string' || e.routing_key.length !== 32) problems.push('routing_key');
  if (!['trigger', 'acknowledge', 'resolve'].includes(String(e.event_action))) problems.push('event_action');
  if (typeof e.dedup_key !== 'string' || e.dedup_key.length > 255) problems.push('dedup_key');
  if (e.event_action === 'trigger') {
    if (!p) problems.push('payload');
    else {
      if (typeof p.summary !== 'string' || p.summary.length === 0 || p.summary.length > 1024)
        problems.push('summary');
      if (typeof p.source !== 'string' || p.source.length === 0) problems.push('source');
      if (!['critical', 'error', 'warning', 'info'].includes(String(p.severity))) problems.push('severity');
    }
  }
  if (Buffer.byteLength(body) > PAGERDUTY_LIMITS.payloadBytes) problems.push('size');
  return problems;
}

let hook: LocalReceiver;
let receiver: Receiver;
beforeAll(async () => {
  hook = await startReceiver(NORMAL_ANSWERS.pagerduty, (req) => {
    const problems = eventProblems(req.body);
    return problems.length > 0
      ? {
          status: 400,
          body: JSON.stringify({
            status: 'invalid event',
            message: 'Event object is invalid',
            errors: problems,
          }),
        }
      : undefined;
  });
  receiver = { name: 'pager', type: 'pagerduty', url: hook.url, secret: ROUTING_KEY };
});
afterAll(() => hook.close());

describe('toPagerDutyEvent', () => {
  it('triggers with the fingerprint as dedup key and the catalog match in custom_details', () => {
    const failure = operationFailure();
    const e = toPagerDutyEvent(notificationOf([failure]));
    expect(e).toMatchObject({
      event_action: 'trigger',
      dedup_key: failure.fingerprint,
      payload: {
        summary: 'Agent pool write failed on aks-prod-weu-01 › nodepool1 (VMExtensionProvisioningError)',
        source: 'aks-prod-weu-01',
        severity: 'error',
        component: 'nodepool1',
        group: 'rg-aks-prod-weu',
        class: 'VMExtensionProvisioningError',
        timestamp: failure.occurredAt,
      },
      client: 'aks-alert-enricher',
    });
    const details = e.payload?.custom_details as { catalog_matches: { code: string; mitigation: string }[] };
    expect(details.catalog_matches[0]?.code).toBe('VMExtensionProvisioningError');
    expect(details.catalog_matches[0]?.mitigation).toContain('Fix egress');
    expect(e.links?.[0]?.href).toContain('error-code-vmextensionprovisioningerror');
    expect(e).not.toHaveProperty('routing_key');
  });

  it('resolves with the same dedup key', () => {
    const failure = operationFailure();
    expect(toPagerDutyEvent(notificationOf([resolvedOf(failure)]))).toEqual({
      event_action: 'resolve',
      dedup_key: failure.fingerprint,
      client: 'aks-alert-enricher',
    });
  });

  it('sends a group update under the key of the first notification, saying when that went out', () => {
    const update = groupNotification(40, {
      fingerprint: 'first-failure-fingerprint',
      update: { firstId: 'first', firstSentAt: '2026-03-14T03:00:07.000Z', alreadySent: 1 },
    });
    const e = toPagerDutyEvent(update);
    expect(e.dedup_key).toBe('first-failure-fingerprint');
    expect(e.payload?.custom_details).toMatchObject({ count: 40, first_sent_at: '2026-03-14T03:00:07.000Z' });
  });

  it('takes a resolve only when it closes the whole group', () => {
    const resolved = notificationOf([resolvedOf(operationFailure())]);
    expect(RENDERERS.pagerduty.accepts?.(resolved)).toBe(true);
    expect(RENDERERS.pagerduty.accepts?.({ ...resolved, stillFiring: 3 })).toBe(false);
    expect(RENDERERS.pagerduty.accepts?.(groupNotification(2))).toBe(true);
  });

  it('maps every severity and names a source without a cluster', () => {
    for (const severity of ['critical', 'error', 'warning', 'info'] as const)
      expect(toPagerDutyEvent(notificationOf([operationFailure({ severity })])).payload?.severity).toBe(
        severity,
      );
    expect(toPagerDutyEvent(notificationOf([plainAlertFailure()])).payload?.source).toContain('stlogsweu01');
  });

  it('stays within 1024-character summaries and 512 KB for huge inputs', () => {
    const big = 'x'.repeat(100_000);
    const n = groupNotification(2000);
    const e = toPagerDutyEvent(
      notificationOf([hostileFailure(big), ...n.failures.slice(1)], { nodes: n.nodes }),
    );
    expect(e.payload?.summary.length).toBeLessThanOrEqual(1024);
    expect(Buffer.byteLength(JSON.stringify(e))).toBeLessThanOrEqual(PAGERDUTY_LIMITS.payloadBytes);
  });
});

describe('pagerDuty protocol against a local Events API', () => {
  it('adds the routing key only at send time, and 202 is delivered', async () => {
    const body = RENDERERS.pagerduty.render(notificationOf([operationFailure()]));
    expect(body).not.toContain(ROUTING_KEY);
    expect(await sendOnce(pagerDuty, body, receiver)).toEqual({ kind: 'delivered' });
    const sent = JSON.parse(hook.requests.at(-1)?.body ?? '{}') as Record<string, unknown>;
    expect(sent.routing_key).toBe(ROUTING_KEY);
  });

  it('400 is permanent, 429 and 5xx are retried', async () => {
    const body = RENDERERS.pagerduty.render(notificationOf([operationFailure()]));
    expect((await sendOnce(pagerDuty, body, { ...receiver, secret: 'short' })).kind).toBe('permanent');
    hook.script.push({ status: 429 });
    expect(await sendOnce(pagerDuty, body, receiver)).toEqual({
      kind: 'retry',
      reason: 'HTTP 429',
      retryAfterMs: 30_000,
    });
    hook.script.push({ status: 429, headers: { 'retry-after': '5' } });
    expect(await sendOnce(pagerDuty, body, receiver)).toMatchObject({ kind: 'retry', retryAfterMs: 5000 });
    hook.script.push({ status: 500 });
    expect((await sendOnce(pagerDuty, body, receiver)).kind).toBe('retry');
  });

  it('refuses to send without a routing key and defaults to the public endpoint', () => {
    expect(() =>
      pagerDuty.prepare({ id: 'a', body: '{}', attempt: 1 }, { ...receiver, secret: undefined }, new Date()),
    ).toThrow("receiver 'pager' has no PagerDuty routing key");
    expect(
      pagerDuty.prepare({ id: 'a', body: '{}', attempt: 1 }, { ...receiver, url: '' }, new Date()).url,
    ).toBe(PAGERDUTY_EVENTS_URL);
  });
});
