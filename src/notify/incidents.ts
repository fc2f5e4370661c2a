import type { Severity } from '../model.js';
import type { KeyValueStore } from '../state/keyValueStore.js';
import { updateEntry } from '../state/updateEntry.js';
import { distinct, NOTIFY_SCOPES } from './notifyScopes.js';

/**
 * What was notified, for the repeat interval and for pairing resolves. An incident is a notified
 * group under the key its messages share (Notification.fingerprint): the first notification, the
 * update and the resolve. It lists the fingerprints still firing in it (sent, or waiting in the
 * group window for the update), so a group is resolved only once all of them have resolved.
 */

/** Per fingerprint. `incidents` is absent in records stored by earlier versions. */
export interface SentRecord {
  at: string;
  severity: Severity;
  incidents?: string[];
  /** What sent it last (a failure's key, or an update's id): a replay of that failure is no repeat. */
  by?: string;
}

export interface Incident {
  key: string;
  groupKey: string;
  /** Last change (for retention). */
  at: string;
  open: string[];
}

export interface Member {
  fingerprint: string;
  severity: Severity;
}

/** Beyond this a group's fingerprints are not tracked one by one (an entity holds about 480,000 characters). */
export const MAX_OPEN = 5000;
/** Incidents a fingerprint is remembered open in (a repeat after the interval may open another). */
const MAX_INCIDENTS_PER_FINGERPRINT = 4;

export interface Incidents {
  lastSent(fingerprint: string): Promise<SentRecord | undefined>;
  /** Fingerprints waiting in the incident's group window: open, not yet sent. */
  join(key: string, groupKey: string, fingerprints: readonly string[], now: Date): Promise<void>;
  /**
   * Members were sent under the incident, by `by` (a failure's key or an update's id). `fresh`: a
   * new group's first notification, whose records most likely do not exist yet.
   */
  notified(
    key: string,
    groupKey: string,
    members: readonly Member[],
    now: Date,
    by: string,
    fresh?: boolean,
  ): Promise<void>;
  /** A fingerprint left the incident without being sent (it recovered in the group window). */
  leave(key: string, fingerprint: string, now: Date): Promise<void>;
  /** The incidents a fingerprint was sent under (empty when it was not sent). */
  sentUnder(fingerprint: string): Promise<string[]>;
  /**
   * A fingerprint resolved: no longer notified or open. Called once its resolve is recorded, so a
   * crash in between finds it still sent and records the resolve again (idempotently).
   */
  forget(fingerprint: string, now: Date): Promise<void>;
  /** How many are still firing in an incident; one with none left is forgotten. */
  settle(key: string): Promise<number>;
}

export function createIncidents(store: KeyValueStore): Incidents {
  const join = (
    key: string,
    groupKey: string,
    fingerprints: readonly string[],
    now: Date,
    likelyAbsent = false,
  ) =>
    updateEntry<Incident, undefined>(
      store,
      NOTIFY_SCOPES.incidents,
      key,
      (cur) => ({
        next: {
          key,
          groupKey: cur?.groupKey ?? groupKey,
          at: now.toISOString(),
          open: distinct([...(cur?.open ?? []), ...fingerprints]).slice(0, MAX_OPEN),
        },
        result: undefined,
      }),
      { likelyAbsent },
    );

  const leave = (key: string, fingerprint: string, now: Date) =>
    updateEntry<Incident, undefined>(store, NOTIFY_SCOPES.incidents, key, (cur) =>
      cur?.open.includes(fingerprint)
        ? {
            next: { ...cur, at: now.toISOString(), open: cur.open.filter((x) => x !== fingerprint) },
            result: undefined,
          }
        : { result: undefined },
    );

  return {
    lastSent: async (fingerprint) => (await store.get<SentRecord>(NOTIFY_SCOPES.sent, fingerprint))?.value,

    join,
    leave,

    async notified(key, groupKey, members, now, by, fresh = false) {
      await Promise.all([
        join(
          key,
          groupKey,
          members.map((m) => m.fingerprint),
          now,
          fresh,
        ),
        ...members.map((m) =>
          updateEntry<SentRecord, undefined>(
            store,
            NOTIFY_SCOPES.sent,
            m.fingerprint,
            (cur) => ({
              next: {
                at: now.toISOString(),
                severity: m.severity,
                incidents: distinct([...(cur?.incidents ?? []), key]).slice(-MAX_INCIDENTS_PER_FINGERPRINT),
                by,
              },
              result: undefined,
            }),
            { likelyAbsent: fresh },
          ),
        ),
      ]);
    },

    async sentUnder(fingerprint) {
      const sent = await store.get<SentRecord>(NOTIFY_SCOPES.sent, fingerprint);
      // A record from before incidents existed: its notification carried its own fingerprint.
      return sent ? (sent.value.incidents ?? [fingerprint]) : [];
    },

    async forget(fingerprint, now) {
      const sent = await store.get<SentRecord>(NOTIFY_SCOPES.sent, fingerprint);
      if (!sent) return;
      const keys = sent.value.incidents ?? [fingerprint];
      // Leave the incidents first: the sent record is what a replay finds them by.
      for (const key of keys) await leave(key, fingerprint, now);
      await store.delete(NOTIFY_SCOPES.sent, fingerprint, sent.version);
    },

    settle: (key) =>
      updateEntry<Incident, number>(store, NOTIFY_SCOPES.incidents, key, (cur) => {
        if (!cur) return { result: 0 };
        if (cur.open.length === 0) return { next: 'delete', result: 0 };
        return { result: cur.open.length };
      }),
  };
}
