import type { WireProtocol } from './wireProtocol.js';
import { answerSnippet, retryOutcome } from './responseText.js';

/**
 * PagerDuty Events API v2 on the wire: the stored event gets the receiver's routing key only here,
 * at send time, so the key never sits in the outbox.
 */

export const PAGERDUTY_EVENTS_URL = 'https://events.pagerduty.com/v2/enqueue';
/** About 120 events per minute per integration key. */
export const PAGERDUTY_MAX_PER_SECOND = 2;

export const pagerDuty: WireProtocol = {
  type: 'pagerduty',
  prepare: (item, receiver) => {
    if (!receiver.secret) throw new Error(`receiver '${receiver.name}' has no PagerDuty routing key`);
    const event = JSON.parse(item.body) as Record<string, unknown>;
    return {
      url: receiver.url || PAGERDUTY_EVENTS_URL,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ routing_key: receiver.secret, ...event }),
    };
  },
  classify: (response) => {
    const { status, body } = response;
    if (status >= 200 && status < 300) return { kind: 'delivered' };
    // PagerDuty suggests waiting about 30 s after a 429.
    if (status === 429) return retryOutcome(response, 30_000);
    if (status === 408 || status >= 500) return retryOutcome(response);
    return { kind: 'permanent', reason: answerSnippet(status, body) };
  },
};
