import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Receiver } from '../../src/model.js';
import { TEAMS_MAX_PER_SECOND, teamsWorkflows } from '../../src/deliver/teamsWorkflows.js';
import { TEAMS_MAX_BYTES } from '../../src/render/toAdaptiveCard.js';
import { groupNotification, notificationOf, operationFailure } from '../support/enrichedFailures.js';
import type { LocalReceiver } from '../support/sinkReceivers.js';
import { NORMAL_ANSWERS, sendOnce, startReceiver } from '../support/sinkReceivers.js';
import { cardProblems } from '../render/cardValidator.js';
import { RENDERERS } from '../../src/render/renderers.js';

let hook: LocalReceiver;
let receiver: Receiver;

beforeAll(async () => {
  // Answers like a Workflows trigger: 202 for an adaptive-card message, 400 otherwise, 413 when too big.
  hook = await startReceiver(NORMAL_ANSWERS.teams, (req) => {
    if (Buffer.byteLength(req.body) > 28 * 1024) return { status: 413, body: 'RequestEntityTooLarge' };
    const msg = JSON.parse(req.body) as {
      type?: string;
      attachments?: { contentType?: string; content?: unknown }[];
    };
    const card = msg.attachments?.[0];
    if (msg.type !== 'message' || card?.contentType !== 'application/vnd.microsoft.card.adaptive')
      return { status: 400, body: '{"error":{"code":"InvalidRequestContent"}}' };
    return cardProblems(card.content).length > 0 ? { status: 400, body: 'bad card' } : undefined;
  });
  receiver = { name: 'teams-oncall', type: 'teams', url: hook.url, maxPerSecond: TEAMS_MAX_PER_SECOND };
});
afterAll(() => hook.close());

describe('teamsWorkflows against a local Workflows trigger', () => {
  it('202 Accepted is delivered', async () => {
    const body = RENDERERS.teams.render(notificationOf([operationFailure()]));
    expect(await sendOnce(teamsWorkflows, body, receiver)).toEqual({ kind: 'delivered' });
    expect(hook.requests.at(-1)?.body).toBe(body);
  });

  it('a 500-node group is accepted within the size limit', async () => {
    const body = RENDERERS.teams.render(groupNotification(500));
    expect(Buffer.byteLength(body)).toBeLessThanOrEqual(TEAMS_MAX_BYTES);
    expect(await sendOnce(teamsWorkflows, body, receiver)).toEqual({ kind: 'delivered' });
  });

  it('429 is retried after Retry-After; 5xx retried; other 4xx permanent', async () => {
    const body = RENDERERS.teams.render(notificationOf([operationFailure()]));
    hook.script.push({ status: 429, headers: { 'retry-after': '12' } });
    expect(await sendOnce(teamsWorkflows, body, receiver)).toEqual({
      kind: 'retry',
      reason: 'HTTP 429',
      retryAfterMs: 12_000,
    });
    hook.script.push({ status: 502 });
    expect((await sendOnce(teamsWorkflows, body, receiver)).kind).toBe('retry');
    hook.script.push({ status: 404, body: 'flow not found' });
    expect(await sendOnce(teamsWorkflows, body, receiver)).toEqual({
      kind: 'permanent',
      reason: 'HTTP 404: flow not found',
    });
    expect((await sendOnce(teamsWorkflows, '{"text":"legacy"}', receiver)).kind).toBe('permanent');
  });

  it('throttling reported in a 200 body (legacy connector) is retried', async () => {
    hook.script.push({
      status: 200,
      body: 'Microsoft Teams endpoint returned HTTP error 429 with ContextId ...',
    });
    const outcome = await sendOnce(teamsWorkflows, '{}', receiver);
    expect(outcome.kind).toBe('retry');
  });

  it('prepare puts the URL only in the request, never in the body', () => {
    const req = teamsWorkflows.prepare(
      { id: 'a', body: '{"type":"message"}', attempt: 1 },
      receiver,
      new Date(),
    );
    expect(req).toEqual({
      url: hook.url,
      headers: { 'content-type': 'application/json' },
      body: '{"type":"message"}',
    });
  });
});
