import type { Receiver, SinkType } from '../model.js';

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

/** One sink's wire protocol: how to send a stored body and how to read the answer. */
export interface WireProtocol {
  type: SinkType;
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
