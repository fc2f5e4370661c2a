import type { WireProtocol } from './wireProtocol.js';
import { answerSnippet, retryOutcome } from './responseText.js';

/** Slack sustains about one message per second per channel. */
export const SLACK_MAX_PER_SECOND = 1;

/** Slack incoming webhooks: 200 with the body `ok` is success; 429 carries Retry-After. */
export const slack: WireProtocol = {
  type: 'slack',
  prepare: (item, receiver) => ({
    url: receiver.url,
    headers: { 'content-type': 'application/json' },
    body: item.body,
  }),
  classify: (response) => {
    const { status, body } = response;
    if (status >= 200 && status < 300) {
      // Anything but Slack's `ok` is not Slack (a proxy or captive page): try again later.
      return body.trim() === 'ok'
        ? { kind: 'delivered' }
        : { kind: 'retry', reason: `unexpected answer, ${answerSnippet(status, body)}` };
    }
    if (status === 429 || status === 408 || status >= 500) return retryOutcome(response);
    return { kind: 'permanent', reason: answerSnippet(status, body) };
  },
};
