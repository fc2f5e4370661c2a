import { claimOnce } from '../../state/dedup.js';
import type { KeyValueStore } from '../../state/keyValueStore.js';
import type { DeliveryClaims } from './receiveAlertWebhook.js';

/** Claims live in the state store under this namespace (swept after their time to live). */
export const ALERT_DELIVERY_CLAIMS = 'alert-delivery';

/**
 * Delivery claims in the state store: an action group's redelivery of an alert already accepted is
 * recognised at the door, so a log search alert's query is not run twice (rows that arrived late in
 * between would otherwise become notifications of their own).
 */
export function deliveryClaims(store: KeyValueStore, now: () => Date = () => new Date()): DeliveryClaims {
  return { claim: (key, ttlMs) => claimOnce(store, ALERT_DELIVERY_CLAIMS, key, ttlMs, now()) };
}
