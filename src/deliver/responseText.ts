import { cleanLine, truncate } from '../text.js';
import type { ReceivedResponse, SendOutcome } from './wireProtocol.js';
import { retryAfterMs } from './wireProtocol.js';

/** A receiver's answer, shortened and cleaned for a delivery reason (bodies hold no secrets we sent). */
export function answerSnippet(status: number, body: string): string {
  const text = truncate(cleanLine(body), 200);
  return text ? `HTTP ${String(status)}: ${text}` : `HTTP ${String(status)}`;
}

/** A retry that honours Retry-After when the receiver sent one. */
export function retryOutcome(response: ReceivedResponse, fallbackMs?: number): SendOutcome {
  const after = retryAfterMs(response.headers, new Date()) ?? fallbackMs;
  return {
    kind: 'retry',
    reason: answerSnippet(response.status, response.body),
    ...(after !== undefined ? { retryAfterMs: after } : {}),
  };
}
