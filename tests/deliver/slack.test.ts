import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { slack } from '../../src/deliver/slack.js';
import type { Receiver } from '../../src/model.js';
import { notificationOf, operationFailure } from '../support/enrichedFailures.js';
import type { LocalReceiver } from '../support/sinkReceivers.js';
import { NORMAL_ANSWERS, sendOnce, startReceiver } from '../support/sinkReceivers.js';
import { slackViolations } from '../render/slackValidator.js';
import { RENDERERS } from '../../src/render/renderers.js';

let hook: LocalReceiver;
let receiver: Receiver;

beforeAll(async () => {
  // Answers like Slack: `invalid_payload` for bodies that are not a message with text or blocks.
  hook = await startReceiver(NORMAL_ANSWERS.slack, (req) => {
    try {
      const msg = JSON.parse(req.body) as { text?: unknown; blocks?: unknown };
      if (typeof msg.text !== 'string' || !Array.isArray(msg.blocks))
        return { status: 400, body: 'invalid_payload' };
      return slackViolations(msg as never).length > 0 ? { status: 400, body: 'invalid_blocks' } : undefined;
    } catch {
      return { status: 400, body: 'invalid_payload' };
    }
  });
  receiver = { name: 'slack-oncall', type: 'slack', url: hook.url };
});
afterAll(() => hook.close());

describe('slack protocol against a local Slack webhook', () => {
  const body = RENDERERS.slack.render(notificationOf([operationFailure()]));

  it('posts the stored body as JSON and reads `ok` as delivered', async () => {
    expect(await sendOnce(slack, body, receiver)).toEqual({ kind: 'delivered' });
    const req = hook.requests.at(-1);
    expect(req?.headers['content-type']).toBe('application/json');
    expect(req?.body).toBe(body);
  });

  it('retries a 429 after Retry-After', async () => {
    hook.script.push({ status: 429, body: 'rate_limited', headers: { 'retry-after': '7' } });
    expect(await sendOnce(slack, body, receiver)).toEqual({
      kind: 'retry',
      reason: 'HTTP 429: rate_limited',
      retryAfterMs: 7000,
    });
  });

  it('gives up on invalid payloads and gone channels; retries 5xx', async () => {
    expect(await sendOnce(slack, '{"nope":1}', receiver)).toEqual({
      kind: 'permanent',
      reason: 'HTTP 400: invalid_payload',
    });
    hook.script.push({ status: 404, body: 'no_service' });
    expect((await sendOnce(slack, body, receiver)).kind).toBe('permanent');
    hook.script.push({ status: 410, body: 'channel_is_archived' });
    expect((await sendOnce(slack, body, receiver)).kind).toBe('permanent');
    hook.script.push({ status: 503, body: 'service unavailable' });
    expect((await sendOnce(slack, body, receiver)).kind).toBe('retry');
  });

  it('does not take a 200 that is not Slack for delivery', async () => {
    hook.script.push({ status: 200, body: '<html>captive portal</html>' });
    expect((await sendOnce(slack, body, receiver)).kind).toBe('retry');
  });
});
