import type { RoutingConfig } from '../route/index.js';
import type { Receiver } from '../model.js';
import type { KeyValueStore } from '../state/keyValueStore.js';
import type { OutboxItemInput } from '../deliver/outbox.js';
import { enqueueOutgoing } from '../deliver/outbox.js';
import type { Digest } from '../model.js';
import { toDigestTeamsMessage } from '../render/digest/toDigestCard.js';
import { headline } from '../render/digest/digestText.js';
import { toDigestHtml } from '../render/digest/toDigestHtml.js';
import { toDigestSlackMessage } from '../render/digest/toDigestSlack.js';

export const DIGEST_REPORT_SCOPE = 'digest-report';
export const LATEST_REPORT_KEY = 'latest';

export interface StoredReport {
  windowStart: string;
  windowEnd: string;
  generatedAt: string;
  html: string;
}

/** The outbox id of a window's digest for a receiver: the same on every retry, so it is sent once. */
export function digestId(digest: Digest, receiver: string): string {
  return `digest:${digest.window.end}:${receiver}`;
}

/** The body a receiver of `type` is sent; undefined for sink types that take no digest (PagerDuty). */
export function renderDigestFor(type: Receiver['type'], digest: Digest): string | undefined {
  switch (type) {
    case 'teams':
      return JSON.stringify(toDigestTeamsMessage(digest).message);
    case 'slack':
      return JSON.stringify(toDigestSlackMessage(digest));
    case 'generic':
      return JSON.stringify({ type: 'aks.digest', digest });
    default:
      return undefined;
  }
}

export interface PublishResult {
  added: number;
  existing: number;
  receivers: string[];
  errors: string[];
}

/**
 * Queues the digest for every receiver of the routing config's `digest` route, keyed per window and
 * receiver, so a retried run never queues it twice; delivery then goes through the outbox as for
 * any notification.
 */
export async function enqueueDigest(
  store: KeyValueStore,
  routing: RoutingConfig,
  receivers: ReadonlyMap<string, Receiver>,
  digest: Digest,
  now: Date,
): Promise<PublishResult> {
  const items: OutboxItemInput[] = [];
  const errors: string[] = [];
  for (const name of routing.digest.receivers) {
    const r = receivers.get(name);
    if (!r) {
      errors.push(`digest receiver "${name}" is not configured`);
      continue;
    }
    const body = renderDigestFor(r.type, digest);
    if (body === undefined) {
      errors.push(`digest receiver "${name}" is a ${r.type} receiver, which takes no digest`);
      continue;
    }
    items.push({
      receiver: name,
      sinkType: r.type,
      id: digestId(digest, name),
      body,
      createdAt: now.toISOString(),
      summary: `digest ${digest.window.end}: ${headline(digest)}`.slice(0, 300),
    });
  }
  const { added, existing } =
    items.length > 0 ? await enqueueOutgoing(store, items) : { added: 0, existing: 0 };
  return { added, existing, receivers: items.map((i) => i.receiver), errors };
}

/** Stores the HTML report as the latest one (served by the digestReport function). */
export async function storeReport(store: KeyValueStore, digest: Digest): Promise<StoredReport> {
  const report: StoredReport = {
    windowStart: digest.window.start,
    windowEnd: digest.window.end,
    generatedAt: digest.generatedAt,
    html: toDigestHtml(digest),
  };
  await store.put(DIGEST_REPORT_SCOPE, LATEST_REPORT_KEY, report);
  return report;
}

export async function readLatestReport(store: KeyValueStore): Promise<StoredReport | undefined> {
  const v = await store.get<StoredReport>(DIGEST_REPORT_SCOPE, LATEST_REPORT_KEY);
  return v && typeof v.value.html === 'string' ? v.value : undefined;
}
