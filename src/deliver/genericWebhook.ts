import { createHmac } from 'node:crypto';
import type {
  OutgoingItem,
  PreparedRequest,
  ReceivedResponse,
  SendOutcome,
  WireProtocol,
} from './wireProtocol.js';
import type { Receiver } from '../model.js';
import { retryAfterMs } from './wireProtocol.js';

/** The HMAC key of a Standard Webhooks secret: base64 after an optional `whsec_` prefix. */
export function signingKey(secret: string): Buffer {
  const raw = secret.startsWith('whsec_') ? secret.slice('whsec_'.length) : secret;
  const key = Buffer.from(raw, 'base64');
  if (key.length === 0) throw new Error('the webhook signing secret is not base64');
  return key;
}

/** `v1,<base64 HMAC-SHA256 of "id.timestamp.body">`, per the Standard Webhooks convention. */
export function standardWebhookSignature(
  secret: string,
  id: string,
  timestamp: number,
  body: string,
): string {
  const mac = createHmac('sha256', signingKey(secret)).update(`${id}.${timestamp}.${body}`).digest('base64');
  return `v1,${mac}`;
}

/** Statuses a receiver may recover from: timeouts, conflicts, rate limits and server errors. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 409 || status === 425 || status === 429 || status >= 500;
}

/** The generic signed webhook: the stored JSON body, signed (Standard Webhooks) when a secret is set. */
export const genericWebhook: WireProtocol = {
  type: 'generic',
  prepare(item: OutgoingItem, receiver: Receiver, now: Date): PreparedRequest {
    const timestamp = Math.floor(now.getTime() / 1000);
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'user-agent': 'aks-alert-enricher',
      'webhook-id': item.id,
      'webhook-timestamp': String(timestamp),
    };
    if (receiver.secret)
      headers['webhook-signature'] = standardWebhookSignature(receiver.secret, item.id, timestamp, item.body);
    return { url: receiver.url, headers, body: item.body };
  },
  classify(response: ReceivedResponse): SendOutcome {
    if (response.status >= 200 && response.status < 300) return { kind: 'delivered' };
    if (isRetryableStatus(response.status)) {
      const after = retryAfterMs(response.headers, new Date());
      return {
        kind: 'retry',
        reason: `HTTP ${response.status}`,
        ...(after !== undefined ? { retryAfterMs: after } : {}),
      };
    }
    return { kind: 'permanent', reason: `HTTP ${response.status}` };
  },
};
