import type { ClusterRef } from '../model.js';
import type { RollingPort } from '../ports.js';
import { clusterKey } from '../azure/armId.js';
import type { KeyValueStore } from './keyValueStore.js';

/**
 * Node-pool rolling operations (upgrade, node-image update) as recorded from NodePoolRolling*
 * events, so a failure can say it happened while its pool was rolling. Events arrive at least
 * once and out of order: each is kept by id with its own time, and the question "was it rolling at
 * t" is answered from the times, not from arrival order.
 */

export type RollingPhase = 'Started' | 'Succeeded' | 'Failed';

export interface RollingEvent {
  phase: RollingPhase;
  /** ISO time of the event. */
  at: string;
  /** Event id, so a redelivery is recorded once. */
  id: string;
}

interface RollingRecord {
  cluster: string;
  nodePool: string;
  events: RollingEvent[];
}

export const ROLLING_SCOPE = 'rolling';
/** A start with no end for this long is taken as lost: rolling operations finish well within it. */
export const ROLLING_STALE_MS = 6 * 3_600_000;
/** Events kept per pool: enough for several recent operations, however they interleave. */
const KEEP = 20;
const MAX_WRITE_ATTEMPTS = 8;

function keyOf(cluster: ClusterRef, nodePool: string): string {
  return `${clusterKey(cluster)}|${nodePool.toLowerCase()}`;
}

export interface RollingUpgrades extends RollingPort {
  record(cluster: ClusterRef, nodePool: string, event: RollingEvent): Promise<void>;
}

/** Whether the events say the pool was rolling at `at`: a start at or before it, no end between, or an end at it. */
export function rollingAt(events: readonly RollingEvent[], at: number, staleMs = ROLLING_STALE_MS): boolean {
  // An end at this very instant shows a roll was under way, even when its start has not been
  // recorded yet (Event Grid runs the events of one batch in parallel).
  if (events.some((e) => e.phase !== 'Started' && Date.parse(e.at) === at)) return true;
  let lastStart: number | undefined;
  for (const e of events) {
    const t = Date.parse(e.at);
    if (e.phase === 'Started' && t <= at && (lastStart === undefined || t > lastStart)) lastStart = t;
  }
  if (lastStart === undefined || at - lastStart > staleMs) return false;
  const start = lastStart;
  // An end at the very instant asked about still counts as rolling: the failure that ends it is part of it.
  return !events.some((e) => e.phase !== 'Started' && Date.parse(e.at) > start && Date.parse(e.at) < at);
}

export function createRollingUpgrades(
  store: KeyValueStore,
  options: { staleMs?: number } = {},
): RollingUpgrades {
  const staleMs = options.staleMs ?? ROLLING_STALE_MS;
  return {
    async record(cluster, nodePool, event) {
      if (Number.isNaN(Date.parse(event.at)))
        throw new Error(`rolling event ${event.id}: time is not a date-time`);
      const key = keyOf(cluster, nodePool);
      for (let attempt = 0; attempt < MAX_WRITE_ATTEMPTS; attempt++) {
        const found = await store.get<RollingRecord>(ROLLING_SCOPE, key);
        const record: RollingRecord = found?.value ?? { cluster: cluster.resourceId, nodePool, events: [] };
        if (record.events.some((e) => e.id === event.id)) return;
        const events = [...record.events, event]
          .sort((a, b) => Date.parse(a.at) - Date.parse(b.at))
          .slice(-KEEP);
        const value: RollingRecord = { ...record, events };
        const written = found
          ? await store.put(ROLLING_SCOPE, key, value, found.version)
          : await store.create(ROLLING_SCOPE, key, value);
        if (written !== undefined) return;
      }
      throw new Error(`rolling record of ${cluster.name}/${nodePool}: too many concurrent writes`);
    },
    async isRolling(cluster, nodePool, at) {
      const found = await store.get<RollingRecord>(ROLLING_SCOPE, keyOf(cluster, nodePool));
      return found ? rollingAt(found.value.events, at.getTime(), staleMs) : false;
    },
  };
}

/** A rolling phase as the CLI and tests name it. */
export type RollingPhaseName = 'started' | 'succeeded' | 'failed';

const PHASES: Record<RollingPhaseName, RollingPhase> = {
  started: 'Started',
  succeeded: 'Succeeded',
  failed: 'Failed',
};

/**
 * Records one rolling phase of a pool. `id` (the event id) keeps a redelivery from being counted
 * twice; without it the phase and time identify the event.
 */
export async function recordRollingEvent(
  store: KeyValueStore,
  cluster: ClusterRef,
  nodePool: string,
  phase: RollingPhaseName,
  at: Date,
  id?: string,
): Promise<void> {
  const iso = at.toISOString();
  await createRollingUpgrades(store).record(cluster, nodePool, {
    phase: PHASES[phase],
    at: iso,
    id: id ?? `${phase}@${iso}`,
  });
}

/** Whether the pool was rolling at `at`: a start with no end before it, within the stale bound. */
export function isRolling(
  store: KeyValueStore,
  cluster: ClusterRef,
  nodePool: string,
  at: Date,
  staleMs = ROLLING_STALE_MS,
): Promise<boolean> {
  return createRollingUpgrades(store, { staleMs }).isRolling(cluster, nodePool, at);
}
