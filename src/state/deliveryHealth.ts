import type { KeyValueStore } from './keyValueStore.js';
import type { HealthCounter, HealthCounts } from '../model.js';
import { HEALTH_COUNTERS } from '../model.js';
import { updateEntry } from './updateEntry.js';

const SCOPE = 'health';

/** The name delivery health counts unreadable state records under (counter `poisoned`): each was set aside. */
export const STATE_HEALTH_NAME = 'state-store';
const day = (at: Date): string => at.toISOString().slice(0, 10);

export const emptyCounts = (): HealthCounts =>
  Object.fromEntries(HEALTH_COUNTERS.map((c) => [c, 0])) as HealthCounts;

/**
 * Adds to a per-day, per-receiver counter. Conditional writes with retry, so instances counting at
 * the same time never lose an increment.
 */
export async function recordHealth(
  store: KeyValueStore,
  at: Date,
  receiver: string,
  counter: HealthCounter,
  n = 1,
): Promise<void> {
  if (n === 0) return;
  await updateEntry<Partial<HealthCounts>, undefined>(store, SCOPE, `${day(at)}|${receiver}`, (cur) => ({
    next: { ...emptyCounts(), ...cur, [counter]: (cur?.[counter] ?? 0) + n },
    result: undefined,
  }));
}

/** Counts one unreadable state record that was set aside; the count is a report, so it never fails. */
export const countSetAside = (store: KeyValueStore): Promise<void> =>
  recordHealth(store, new Date(), STATE_HEALTH_NAME, 'poisoned', 1).catch(() => undefined);

/** Counters per receiver over the UTC days from `from` to `to` inclusive. */
export async function readHealth(
  store: KeyValueStore,
  from: Date,
  to: Date,
): Promise<Record<string, HealthCounts>> {
  const out: Record<string, HealthCounts> = {};
  const first = day(from);
  const last = day(to);
  for await (const e of store.list<Partial<HealthCounts>>(SCOPE)) {
    const [d, ...rest] = e.key.split('|');
    if (d === undefined || d < first || d > last) continue;
    const receiver = rest.join('|');
    const sum = (out[receiver] ??= emptyCounts());
    for (const c of HEALTH_COUNTERS) sum[c] += e.value[c] ?? 0;
  }
  return out;
}
