import type { Notification } from '../model.js';

export const SINK_TYPES = ['generic', 'teams', 'slack', 'pagerduty'] as const;
export type SinkType = (typeof SINK_TYPES)[number];

/**
 * A named destination. `url` and `secret` are secrets (a webhook URL embeds its credential):
 * they are resolved from app settings / Key Vault references at start-up, never stored in the
 * outbox, never logged, never put in error messages.
 */
export interface Receiver {
  name: string;
  type: SinkType;
  url: string;
  /** Standard Webhooks signing secret (generic) or PagerDuty routing key (pagerduty). */
  secret?: string;
  /** Requests per second this receiver accepts (Teams Workflows: 4). */
  maxPerSecond?: number;
}

/** An outbox item as a protocol sees it when sending. */
export interface OutgoingItem {
  /** Stable notification id per receiver: the idempotency key (Standard Webhooks `webhook-id`). */
  id: string;
  /** The body rendered when the item was enqueued (no secrets in it). */
  body: string;
  /** 1 for the first attempt. */
  attempt: number;
}

export interface PreparedRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
}

export interface ReceivedResponse {
  status: number;
  headers: Headers;
  body: string;
}

/** What a response means for delivery. */
export type SendOutcome =
  | { kind: 'delivered' }
  | { kind: 'retry'; reason: string; retryAfterMs?: number }
  | { kind: 'permanent'; reason: string };

/** One sink's wire protocol: a pure formatter plus how to send and how to read the answer. */
export interface SinkProtocol {
  type: SinkType;
  /** Whether the sink can take the notification at all (absent: it takes every one). */
  accepts?: (notification: Notification) => boolean;
  /** Renders a notification to the stored body (pure, deterministic, no secrets). */
  render(notification: Notification): string;
  /** Builds the HTTP request at send time: adds the URL, secrets, signatures. */
  prepare(item: OutgoingItem, receiver: Receiver, now: Date): PreparedRequest;
  /** Classifies the receiver's answer. Network errors and timeouts are retried by the caller. */
  classify(response: ReceivedResponse): SendOutcome;
}

/** Parses Retry-After (seconds or an HTTP date) into milliseconds from now. */
export function retryAfterMs(headers: Headers, now: Date): number | undefined {
  const value = headers.get('retry-after');
  if (value === null) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now.getTime());
}
