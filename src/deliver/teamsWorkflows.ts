import type { WireProtocol } from './wireProtocol.js';
import { answerSnippet, retryOutcome } from './responseText.js';

/** Teams allows about 4 requests per second per incoming webhook. */
export const TEAMS_MAX_PER_SECOND = 4;

// Legacy connectors answer throttling with 200 and this text in the body.
const THROTTLED_TEXT = /HTTP error 429/i;

/**
 * Microsoft Teams through a Workflows (Power Automate) webhook. The flow answers 202 Accepted;
 * any 2xx is success.
 */
export const teamsWorkflows: WireProtocol = {
  type: 'teams',
  prepare: (item, receiver) => ({
    url: receiver.url,
    headers: { 'content-type': 'application/json' },
    body: item.body,
  }),
  classify: (response) => {
    const { status, body } = response;
    if (status >= 200 && status < 300) {
      if (THROTTLED_TEXT.test(body))
        return { kind: 'retry', reason: 'throttled by Teams (429 in the answer body)', retryAfterMs: 30_000 };
      return { kind: 'delivered' };
    }
    if (status === 429 || status === 408 || status >= 500) return retryOutcome(response);
    return { kind: 'permanent', reason: answerSnippet(status, body) };
  },
};
