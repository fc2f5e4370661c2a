import type { Digest } from '../model.js';
import type { PublishResult } from '../digest/publishDigest.js';
import { enqueueDigest } from '../digest/publishDigest.js';
import { DEFAULT_POLICY } from '../notify/policy.js';
import { appConfigFromEnv } from '../app/appConfig.js';
import { createPipeline } from '../pipeline/pipeline.js';
import type { DeliveryReport } from '../deliver/delivery.js';
import type { RoutingConfig } from '../route/index.js';
import type { KeyValueStore } from '../state/keyValueStore.js';

export interface DigestSendResult {
  publish: PublishResult;
  delivery: DeliveryReport;
}

/**
 * Queues the digest for the routing's digest receivers and delivers what is due, through the outbox
 * `run --webhook` uses: the outbox id is per window and receiver, so with the same state a second
 * send of a window's digest finds it already sent (or still waiting) and sends nothing new.
 */
export async function sendDigest(
  digest: Digest,
  routing: RoutingConfig,
  store: KeyValueStore,
  env: NodeJS.ProcessEnv,
  now = new Date(),
): Promise<DigestSendResult> {
  // The digest goes straight to the outbox: no grouping, repeat or silence applies to it.
  const pipeline = createPipeline({ store, routing, policy: DEFAULT_POLICY }, appConfigFromEnv(env).delivery);
  const publish = await enqueueDigest(store, routing, pipeline.receivers, digest, now);
  // Started by hand: pending items are retried now rather than after their backoff.
  const delivery = await pipeline.deliver({ dueNow: true });
  return { publish, delivery };
}
