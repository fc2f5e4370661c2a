import { describe, expect, it } from 'vitest';
import { genericWebhook, signingKey, standardWebhookSignature } from '../../src/deliver/genericWebhook.js';
import { GENERIC_PAYLOAD_TYPE } from '../../src/render/toGenericPayload.js';
import type { Receiver } from '../../src/model.js';
import { notificationOf, operationFailure } from '../support/enrichedFailures.js';
import { RENDERERS } from '../../src/render/renderers.js';

const receiver: Receiver = {
  name: 'ops',
  type: 'generic',
  url: 'https://hooks.example.test/in/secret-token',
  secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
};

const answer = (status: number, headers: Record<string, string> = {}) =>
  genericWebhook.classify({ status, headers: new Headers(headers), body: 'echo https://hooks.example.test' });

describe('genericWebhook', () => {
  it('matches the published Standard Webhooks signature example', () => {
    expect(
      standardWebhookSignature(
        receiver.secret ?? '',
        'msg_p5jXN8AQM9LWM0D4loKWxJek',
        1614265330,
        '{"test": 2432232314}',
      ),
    ).toBe('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
  });

  it('renders a versioned envelope of the whole notification, deterministically', () => {
    const n = notificationOf([operationFailure({ sourceId: 'r1' })], { id: 'n-1' });
    const body = RENDERERS.generic.render(n);
    expect(RENDERERS.generic.render(n)).toBe(body);
    const parsed = JSON.parse(body) as Record<string, unknown>;
    expect(parsed).toMatchObject({ type: GENERIC_PAYLOAD_TYPE, version: 1, id: 'n-1', count: n.count });
    expect(parsed.failures).toEqual(JSON.parse(JSON.stringify(n.failures)));
  });

  it('signs the exact body with the id and the send time, and leaves the URL and secret out of the body', () => {
    const body = '{"text":"ünïcödé ✓"}';
    const now = new Date('2026-11-22T07:00:00.900Z');
    const req = genericWebhook.prepare({ id: 'n-1', body, attempt: 2 }, receiver, now);
    expect(req.url).toBe(receiver.url);
    expect(req.body).toBe(body);
    expect(req.headers).toMatchObject({
      'content-type': 'application/json',
      'webhook-id': 'n-1',
      'webhook-timestamp': '1795330800',
    });
    expect(req.headers['webhook-signature']).toBe(
      standardWebhookSignature(receiver.secret ?? '', 'n-1', 1795330800, body),
    );
    expect(req.body).not.toContain('secret-token');
  });

  it('sends unsigned (but still with id and timestamp) when no secret is configured', () => {
    const req = genericWebhook.prepare(
      { id: 'n-1', body: '{}', attempt: 1 },
      { ...receiver, secret: undefined },
      new Date(),
    );
    expect(req.headers['webhook-signature']).toBeUndefined();
    expect(req.headers['webhook-id']).toBe('n-1');
  });

  it('takes a secret with or without the whsec_ prefix and rejects an empty one', () => {
    expect(signingKey('whsec_AAEC')).toEqual(Buffer.from([0, 1, 2]));
    expect(signingKey('AAEC')).toEqual(Buffer.from([0, 1, 2]));
    expect(() => signingKey('whsec_')).toThrow(/not base64/);
  });

  it('counts any 2xx as delivered', () => {
    for (const status of [200, 201, 202, 204, 299]) expect(answer(status).kind).toBe('delivered');
  });

  it('retries timeouts, rate limits and server errors, honouring Retry-After', () => {
    expect(answer(429, { 'retry-after': '30' })).toEqual({
      kind: 'retry',
      reason: 'HTTP 429',
      retryAfterMs: 30_000,
    });
    for (const status of [408, 500, 502, 503, 504])
      expect(answer(status)).toEqual({ kind: 'retry', reason: `HTTP ${status}` });
  });

  it('gives up on other client errors, without echoing what the receiver answered', () => {
    for (const status of [400, 401, 403, 404, 410, 413, 422]) {
      const outcome = answer(status);
      expect(outcome.kind).toBe('permanent');
      expect(JSON.stringify(outcome)).not.toContain('hooks.example.test');
    }
  });
});
