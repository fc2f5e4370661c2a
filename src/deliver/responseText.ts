import { redactStructure } from '../redact.js';
import { cleanLine, truncate } from '../text.js';
import type { ReceivedResponse, SendOutcome } from './wireProtocol.js';
import { retryAfterMs } from './wireProtocol.js';

/**
 * A receiver's answer for a delivery reason: credential shapes removed from the whole answer first,
 * then cleaned and shortened (a receiver may echo its URL, token or routing key; cut first, a secret
 * could survive as a fragment no redaction recognises).
 */
export function answerSnippet(status: number, body: string): string {
  const text = truncate(cleanLine(redactStructure(body)), 200);
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
