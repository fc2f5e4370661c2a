/** Where the notification stages keep their state in the store. */
export const NOTIFY_SCOPES = {
  /** Per failure: what was decided, so a retried batch gets the same notifications. */
  decided: 'notify-decided',
  /** Per fingerprint: when it was last notified (the repeat interval) and the incidents it is open in. */
  sent: 'notify-sent',
  /** Per group key: the open group window. */
  groups: 'notify-groups',
  /** Per node: held NotReady alerts. */
  holds: 'notify-holds',
  /** Per incident key: the fingerprints still firing in a notified group. */
  incidents: 'notify-incidents',
  /** Per incident key: resolves collected for one grouped resolve. */
  resolves: 'notify-resolves',
  /** Per incident key: the receivers its firing notifications went to. */
  audience: 'notify-audience',
  /** Per fingerprint: a silence recorded from a notification's "Silence" link. */
  silences: 'notify-silences',
  /** The key silence links are signed with, when no setting gives one. */
  silenceKey: 'notify-silence-key',
};

/** Failures kept on a grouped notification; `count` carries the full number. */
export const GROUP_SAMPLE = 20;

export function distinct(values: readonly (string | undefined)[]): string[] {
  return [...new Set(values.filter((v): v is string => v !== undefined && v !== ''))];
}
