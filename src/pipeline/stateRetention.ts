import { NOTIFY_SCOPES } from '../notify/planNotifications.js';
import type { NotifyPolicy } from '../notify/policy.js';
import { ALERT_DELIVERY_CLAIMS } from '../sources/commonAlert/deliveryClaims.js';
import { MEMORY_SCOPE } from '../sources/commonAlert/logAnalyticsRowFetcher.js';
import { claimScope } from '../state/dedup.js';
import { OUTBOX_SCOPES } from '../deliver/outbox.js';
import type { RetentionRule } from '../state/sweepState.js';
import { expiredDayScopes, keepAfter, timeField } from '../state/sweepState.js';
import { JOURNAL_PREFIX, SEEN_SCOPE } from './processSignals.js';

const DAY_MS = 86_400_000;

/** How long each kind of state is kept (days) past the time it records. */
export const RETENTION_DAYS = {
  /**
   * Decided and delivered records outlive the 7-day seen markers by a day: a failure processed
   * again is then still recognised and its notification still found delivered, never sent twice.
   */
  decided: 8,
  delivered: 8,
  /** Dead letters wait a month for someone to read or replay them. */
  dead: 30,
  /** A fired log search alert whose resolve never came. */
  alertMemory: 30,
  /** The push-source journal the digest reads (a window and the one before it, with room to spare). */
  journal: 35,
} as const;

/**
 * The retention of every growing scope. The repeat-interval records (notify-sent) are kept at least as
 * long as the repeat interval, so deleting them never lets a repeat through early; a resolve after
 * that finds nothing it pairs with and is counted, not sent.
 */
export function stateRetention(policy: NotifyPolicy, now: Date): RetentionRule[] {
  const notified = Math.max(policy.repeatIntervalMs, RETENTION_DAYS.decided * DAY_MS);
  return [
    { scope: SEEN_SCOPE, expiresAt: (v) => timeField(v, 'expiresAt') },
    { scope: claimScope(ALERT_DELIVERY_CLAIMS), expiresAt: (v) => timeField(v, 'expiresAt') },
    keepAfter(NOTIFY_SCOPES.decided, 'at', RETENTION_DAYS.decided * DAY_MS),
    keepAfter(NOTIFY_SCOPES.sent, 'at', notified),
    // An incident whose failures never resolve (most sources send no resolve) would stay for ever.
    keepAfter(NOTIFY_SCOPES.incidents, 'at', notified),
    keepAfter(NOTIFY_SCOPES.audience, 'at', notified),
    // A silence from a link is kept a day past its end, for whoever asks what was silenced.
    keepAfter(NOTIFY_SCOPES.silences, 'endsAt', DAY_MS),
    keepAfter(OUTBOX_SCOPES.delivered, 'finishedAt', RETENTION_DAYS.delivered * DAY_MS),
    keepAfter(OUTBOX_SCOPES.dead, 'finishedAt', RETENTION_DAYS.dead * DAY_MS),
    {
      scope: MEMORY_SCOPE,
      expiresAt: (v) => {
        if (!Array.isArray(v)) return undefined;
        const times = v.map((s) => timeField(s, 'occurredAt')).filter((t) => t !== undefined);
        return times.length === 0 ? undefined : Math.max(...times) + RETENTION_DAYS.alertMemory * DAY_MS;
      },
    },
    ...expiredDayScopes(JOURNAL_PREFIX, now, RETENTION_DAYS.journal),
  ];
}
