import type { KeyValueStore } from '../state/keyValueStore.js';
import { updateEntry } from '../state/updateEntry.js';
import { NOTIFY_SCOPES } from './notifyScopes.js';

/**
 * The receivers an incident's firing notifications were routed to, by the key its messages share
 * (Notification.fingerprint), so its resolve goes to them only. Kept where routing happens.
 */
interface Audience {
  /** Last firing notification (for retention). */
  at: string;
  receivers: string[];
}

export function recordAudience(
  store: KeyValueStore,
  key: string,
  receivers: readonly string[],
  now: Date,
  options: { likelyAbsent?: boolean } = {},
): Promise<void> {
  return updateEntry<Audience, undefined>(
    store,
    NOTIFY_SCOPES.audience,
    key,
    (cur) => ({
      next: { at: now.toISOString(), receivers: [...new Set([...(cur?.receivers ?? []), ...receivers])] },
      result: undefined,
    }),
    options,
  );
}

/** Undefined when nothing was recorded (an incident notified before audiences were kept). */
export async function audienceOf(store: KeyValueStore, key: string): Promise<string[] | undefined> {
  return (await store.get<Audience>(NOTIFY_SCOPES.audience, key))?.value.receivers;
}
