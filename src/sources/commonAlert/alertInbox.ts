import { gunzipSync, gzipSync } from 'node:zlib';
import type { QueueClient } from '@azure/storage-queue';
import { z } from 'zod';
import type { CommonAlert } from './parseCommonAlert.js';
import { parseCommonAlert, toCompactPayload } from './parseCommonAlert.js';

/**
 * The durable inbox between the webhook (which must answer within seconds) and the processor (which
 * queries Log Analytics and delivers). One message per accepted alert delivery.
 */
export interface InboxMessage {
  v: 1;
  /** Idempotency key: alert id + monitor condition. */
  key: string;
  receivedAt: string;
  alert: CommonAlert;
  /** Paths of fields shortened to fit the queue's message size limit. */
  shortened?: string[];
}

export interface InboxReceipt {
  messageId: string;
  popReceipt: string;
}

export interface AlertInbox {
  send(message: InboxMessage): Promise<InboxReceipt>;
  /** Removes a message just sent (a duplicate found after sending). */
  remove(receipt: InboxReceipt): Promise<void>;
}

/** Storage queue messages are at most 64 KiB; the Functions queue trigger reads them base64-encoded. */
export const MAX_QUEUE_MESSAGE_CHARS = 64 * 1024;

const wireSchema = z.object({
  v: z.literal(1),
  key: z.string().min(1),
  receivedAt: z.string(),
  alert: z.unknown().optional(),
  gz: z.string().optional(),
  shortened: z.array(z.string()).optional(),
});

function base64(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64');
}

function wireText(message: InboxMessage, payload: unknown, shortened: string[]): string {
  const head = { v: 1 as const, key: message.key, receivedAt: message.receivedAt };
  const plain = JSON.stringify({ ...head, alert: payload, ...(shortened.length ? { shortened } : {}) });
  if (base64(plain).length <= MAX_QUEUE_MESSAGE_CHARS) return plain;
  const gz = gzipSync(JSON.stringify(payload)).toString('base64');
  return JSON.stringify({ ...head, gz, ...(shortened.length ? { shortened } : {}) });
}

const PROTECTED = [
  /^data\.essentials\.(?!description$)/,
  /\.searchQuery$/,
  /^data\.alertContext\.SearchQuery$/,
  /\.link(To\w*API)$/i,
  /^data\.alertContext\.condition\.window(Start|End)Time$/,
];

interface Leaf {
  path: string;
  at: (string | number)[];
  len: number;
}

/** Every string leaf not on a protected path. */
function stringLeaves(value: unknown, path: string, at: (string | number)[], out: Leaf[]): Leaf[] {
  if (typeof value === 'string') {
    if (!PROTECTED.some((r) => r.test(path))) out.push({ path, at, len: value.length });
  } else if (Array.isArray(value)) {
    value.forEach((item, i) => stringLeaves(item, `${path}[${i}]`, [...at, i], out));
  } else if (typeof value === 'object' && value !== null) {
    for (const [k, v] of Object.entries(value)) stringLeaves(v, path ? `${path}.${k}` : k, [...at, k], out);
  }
  return out;
}

function trimArrays(value: unknown, path: string, maxItems: number, shortened: string[]): void {
  if (Array.isArray(value)) {
    if (value.length > maxItems) {
      value.length = maxItems;
      shortened.push(`${path} (kept ${maxItems} items)`);
    }
    value.forEach((item, i) => trimArrays(item, `${path}[${i}]`, maxItems, shortened));
  } else if (typeof value === 'object' && value !== null) {
    for (const [k, v] of Object.entries(value)) trimArrays(v, path ? `${path}.${k}` : k, maxItems, shortened);
  }
}

export class InboxMessageTooLarge extends Error {
  constructor() {
    super('the alert does not fit a queue message even after shortening its free-text fields');
    this.name = 'InboxMessageTooLarge';
  }
}

/**
 * The queue message text for an inbox message (before the base64 the queue trigger expects).
 * Small alerts are stored as JSON; larger ones gzip-compressed; an alert that still does not fit has
 * its longest free-text fields shortened (never its identity, query or links), and says which.
 */
export function encodeInboxMessage(message: InboxMessage, maxChars = MAX_QUEUE_MESSAGE_CHARS): string {
  const payload = toCompactPayload(message.alert);
  const shortened = [...(message.shortened ?? [])];
  const text = wireText(message, payload, shortened);
  if (base64(text).length <= maxChars) return base64(text);

  const trimmed = structuredClone(payload) as unknown;
  trimArrays(trimmed, '', 100, shortened);
  const leaves = stringLeaves(trimmed, '', [], []);
  // Cap every free-text field at `limit` characters; find the largest limit that fits by bisection
  // (about a dozen encodings, each a few milliseconds, rather than one per shortened field).
  const attempt = (limit: number): string | undefined => {
    const copy = structuredClone(trimmed);
    const cut = leaves.filter((l) => l.len > limit);
    for (const l of cut) shortenAt(copy, l.at, limit);
    const t = wireText(message, copy, [...shortened, ...cut.map((l) => l.path)]);
    return base64(t).length <= maxChars ? base64(t) : undefined;
  };
  const fitsAsIs = attempt(Number.MAX_SAFE_INTEGER);
  if (fitsAsIs) return fitsAsIs;
  let lo = MIN_KEPT_CHARS;
  let best = attempt(lo);
  if (!best) throw new InboxMessageTooLarge();
  let hi = Math.max(...leaves.map((l) => l.len), lo);
  while (hi - lo > 64) {
    const mid = Math.floor((lo + hi) / 2);
    const got = attempt(mid);
    if (got) {
      lo = mid;
      best = got;
    } else hi = mid;
  }
  return best;
}

/** Characters kept of a shortened field at least. */
const MIN_KEPT_CHARS = 100;

function shortenAt(root: unknown, at: readonly (string | number)[], keep: number): void {
  let node = root as Record<string | number, unknown>;
  for (const seg of at.slice(0, -1)) node = node[seg] as Record<string | number, unknown>;
  const last = at[at.length - 1];
  if (last === undefined) return;
  const value = node[last];
  if (typeof value === 'string') node[last] = `${value.slice(0, keep)}… [shortened]`;
}

export type InboxDecode = { ok: true; message: InboxMessage } | { ok: false; reason: string };

/**
 * Reads a queue message as the trigger hands it over (already base64-decoded; a JSON object when
 * the text parses, else the text). The alert is validated again: storage is an edge too.
 */
export function decodeInboxMessage(entry: unknown): InboxDecode {
  let value = entry;
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value);
    } catch {
      return { ok: false, reason: 'the inbox message is not JSON' };
    }
  }
  const wire = wireSchema.safeParse(value);
  if (!wire.success) return { ok: false, reason: 'the inbox message is not an inbox envelope' };
  let payload: unknown = wire.data.alert;
  if (wire.data.gz !== undefined) {
    try {
      payload = JSON.parse(gunzipSync(Buffer.from(wire.data.gz, 'base64')).toString('utf8'));
    } catch {
      return { ok: false, reason: 'the inbox message holds a corrupt compressed alert' };
    }
  }
  const parsed = parseCommonAlert(payload);
  if (parsed.kind !== 'alert') return { ok: false, reason: 'the inbox message holds no valid alert' };
  const message: InboxMessage = {
    v: 1,
    key: wire.data.key,
    receivedAt: wire.data.receivedAt,
    alert: parsed.alert,
  };
  if (wire.data.shortened?.length) message.shortened = wire.data.shortened;
  return { ok: true, message };
}

/** The inbox on an Azure Storage queue (the one the alertProcess function is triggered by). */
export class QueueAlertInbox implements AlertInbox {
  private ready: Promise<unknown> | undefined;

  constructor(private readonly queue: QueueClient) {}

  /** Creates the queue on first use (once per process; again after a failure). */
  private ensureQueue(): Promise<unknown> {
    this.ready ??= this.queue.createIfNotExists().catch((err: unknown) => {
      this.ready = undefined;
      throw err;
    });
    return this.ready;
  }

  async send(message: InboxMessage): Promise<InboxReceipt> {
    const text = encodeInboxMessage(message);
    await this.ensureQueue();
    const r = await this.queue.sendMessage(text);
    return { messageId: r.messageId, popReceipt: r.popReceipt };
  }

  async remove(receipt: InboxReceipt): Promise<void> {
    await this.queue.deleteMessage(receipt.messageId, receipt.popReceipt);
  }
}
