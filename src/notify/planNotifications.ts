import { createHash } from 'node:crypto';
import { mapLimit } from '../mapLimit.js';
import type { EnrichedFailure, Notification, Severity } from '../model.js';
import { failureKey, severityRank } from '../model.js';
import type { EmitNotifications, PlanOutcome, PlannerPort } from '../ports.js';
import type { KeyValueStore, Versioned } from '../state/keyValueStore.js';
import { updateEntry } from '../state/updateEntry.js';
import type { Member } from './incidents.js';
import { createIncidents } from './incidents.js';
import {
  createNodeHolds,
  isNodeNotReady,
  isRepairEnd,
  isRepairError,
  isRepairStart,
  nodeKey,
} from './nodeHolds.js';
import { distinct, GROUP_SAMPLE, NOTIFY_SCOPES } from './notifyScopes.js';
import type { NotifyPolicy, Silence } from './policy.js';
import { groupKeyOf, silenceFor } from './policy.js';
import { storedSilences } from './silenceLinks.js';

export { GROUP_SAMPLE, NOTIFY_SCOPES };

type Decision = 'notified' | 'grouped' | 'held' | 'suppressed' | 'silenced' | 'recovered' | 'recorded';

/** A fingerprint waiting in a group window. */
interface Joined {
  /** Failures with it (a node can fail twice in one window). */
  n: number;
  severity: Severity;
  node?: string;
  nodePool?: string;
}

interface GroupWindow {
  groupKey: string;
  start: string;
  end: string;
  /** The group's first notification, sent when the window opened (absent in older windows). */
  first?: {
    id: string;
    fingerprint: string;
    sentAt: string;
    count: number;
    failures: EnrichedFailure[];
    nodePools: string[];
    nodes: string[];
    /** The failure that opened the window (its key's short hash): its replay finds it the lead. */
    by?: string;
    /** The first notification as sent, when more than its lead failure went into it (held alerts). */
    notification?: Notification;
  };
  /** What joined after the first, for the update. */
  count: number;
  failures: EnrichedFailure[];
  nodePools: string[];
  nodes: string[];
  lastAt?: string;
  members?: Record<string, Joined>;
  /** Failures that joined without being tracked in `members` (over MAX_MEMBERS, or an older window). */
  untracked?: number;
  /** Short hashes of the failures that joined (by source and id): a failure joins once. */
  joined?: string[];
  /** Set when the window closed: nothing joins it any more; deleted once its update is in the outbox. */
  closedAt?: string;
}

/** Resolves of one incident collected for one grouped resolve. */
interface ResolveWindow {
  key: string;
  groupKey: string;
  start: string;
  end: string;
  count: number;
  failures: EnrichedFailure[];
  nodePools: string[];
  nodes: string[];
  joined?: string[];
  closedAt?: string;
}

/**
 * Fingerprints a window tracks one by one, and failures of the first notification it keeps for the
 * update: with its 20 joined failures the window stays well inside one Table Storage entity.
 */
const MAX_MEMBERS = 1000;
const FIRST_SAMPLE = 5;
/** Failures a window remembers by id (16 hex characters each: well inside one entity). */
const MAX_JOINED = 20_000;
/** Group lanes planned at once (each lane is one group key, in time order). */
const LANES = 64;
/** A hold taken by a failure that has not released it this long after it ran out was taken by one that died. */
const HOLD_TAKER_STALE_MS = 10 * 60_000;

const hash = (...parts: string[]) => createHash('sha256').update(parts.join('\n')).digest('hex').slice(0, 32);
/** A failure's short id in a window's `joined` list. */
const joinId = (f: EnrichedFailure) => hash('join', failureKey(f)).slice(0, 16);
const later = (a: string | undefined, b: string) => (a !== undefined && a > b ? a : b);

/** A notification over failures (lead first, most severe then earliest). */
export function notificationOver(
  id: string,
  groupKey: string,
  failures: readonly EnrichedFailure[],
  count: number,
): Notification {
  const ordered = [...failures].sort(
    (a, b) => severityRank(a.severity) - severityRank(b.severity) || a.occurredAt.localeCompare(b.occurredAt),
  );
  const lead = ordered[0];
  if (!lead) throw new Error('a notification needs at least one failure');
  const times = failures.map((f) => f.occurredAt).sort();
  const n: Notification = {
    id,
    status: lead.status === 'resolved' ? 'resolved' : 'firing',
    severity: lead.severity,
    fingerprint: lead.fingerprint,
    groupKey,
    failures: ordered.slice(0, GROUP_SAMPLE),
    count: Math.max(count, failures.length),
    firstAt: times[0] ?? lead.occurredAt,
    lastAt: times[times.length - 1] ?? lead.occurredAt,
    nodePools: distinct(failures.map((f) => f.nodePool)),
    nodes: distinct(failures.map((f) => f.node)),
  };
  if (failures.some((f) => f.duringUpgrade)) n.duringUpgrade = true;
  return n;
}

function membersOf(failures: readonly EnrichedFailure[]): Member[] {
  const bySeverity = new Map<string, Severity>();
  for (const f of failures) {
    const known = bySeverity.get(f.fingerprint);
    if (known === undefined || severityRank(f.severity) < severityRank(known))
      bySeverity.set(f.fingerprint, f.severity);
  }
  return [...bySeverity].map(([fingerprint, severity]) => ({ fingerprint, severity }));
}

/** The update sent when a window closes: the whole group, under the first notification's key. */
function updateOf(w: GroupWindow): Notification {
  const first = w.first;
  const n = notificationOver(
    hash('update', w.groupKey, w.start),
    w.groupKey,
    [...(first?.failures ?? []), ...w.failures],
    (first?.count ?? 0) + w.count,
  );
  n.nodePools = distinct([...(first?.nodePools ?? []), ...w.nodePools]);
  n.nodes = distinct([...(first?.nodes ?? []), ...w.nodes]);
  n.lastAt = later(w.lastAt, n.lastAt);
  if (first) {
    n.fingerprint = first.fingerprint;
    n.update = { firstId: first.id, firstSentAt: first.sentAt, alreadySent: first.count };
  }
  return n;
}

/** The failures not in the window yet (by id), each once. */
function newTo(
  joined: readonly string[] | undefined,
  failures: readonly EnrichedFailure[],
): EnrichedFailure[] {
  const seen = new Set(joined);
  return failures.filter((f) => {
    const id = joinId(f);
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}

function withJoined(w: GroupWindow, joining: readonly EnrichedFailure[]): GroupWindow {
  const failures = newTo(w.joined, joining);
  if (failures.length === 0) return w;
  const members: Record<string, Joined> = { ...(w.members ?? {}) };
  let tracked = Object.keys(members).length;
  // Failures of an older window were never tracked: its node lists cannot be rebuilt from members.
  let untracked = w.untracked ?? (w.members ? 0 : w.count);
  for (const f of failures) {
    const m = members[f.fingerprint];
    if (m) {
      members[f.fingerprint] = {
        ...m,
        n: m.n + 1,
        severity: severityRank(f.severity) < severityRank(m.severity) ? f.severity : m.severity,
      };
    } else if (tracked < MAX_MEMBERS) {
      members[f.fingerprint] = {
        n: 1,
        severity: f.severity,
        ...(f.node ? { node: f.node } : {}),
        ...(f.nodePool ? { nodePool: f.nodePool } : {}),
      };
      tracked++;
    } else untracked++;
  }
  return {
    ...w,
    count: w.count + failures.length,
    failures: [...w.failures, ...failures].slice(0, GROUP_SAMPLE),
    nodePools: distinct([...w.nodePools, ...failures.map((x) => x.nodePool)]),
    nodes: distinct([...w.nodes, ...failures.map((x) => x.node)]),
    lastAt: failures.reduce((t, f) => later(t, f.occurredAt), w.lastAt ?? ''),
    members,
    untracked,
    joined: [...(w.joined ?? []), ...failures.map(joinId)].slice(-MAX_JOINED),
  };
}

function withoutMember(w: GroupWindow, fingerprint: string, m: Joined): GroupWindow {
  const members = Object.fromEntries(Object.entries(w.members ?? {}).filter(([fp]) => fp !== fingerprint));
  const next: GroupWindow = {
    ...w,
    members,
    count: Math.max(0, w.count - m.n),
    failures: w.failures.filter((f) => f.fingerprint !== fingerprint),
  };
  if (!w.untracked) {
    next.nodes = distinct(Object.values(members).map((x) => x.node));
    next.nodePools = distinct(Object.values(members).map((x) => x.nodePool));
  }
  return next;
}

function resolveNotification(w: ResolveWindow, stillFiring: number): Notification {
  const n = notificationOver(hash('resolved', w.key, w.start), w.groupKey, w.failures, w.count);
  n.fingerprint = w.key;
  n.nodePools = w.nodePools;
  n.nodes = w.nodes;
  if (stillFiring > 0) n.stillFiring = stillFiring;
  return n;
}

interface Batch {
  /** Group keys known to have an open window in this lane. */
  open: Set<string>;
  /** Failures joining each open window, written once at the end of the lane. */
  joins: Map<string, EnrichedFailure[]>;
  join(key: string, failures: EnrichedFailure[]): void;
  /** Steps that may run only once the joins are written (releasing the holds they came from). */
  after: (() => Promise<void>)[];
}

function newBatch(): Batch {
  const joins = new Map<string, EnrichedFailure[]>();
  return {
    open: new Set(),
    joins,
    join(key, failures) {
      const list = joins.get(key) ?? [];
      for (const f of failures) list.push(f);
      joins.set(key, list);
    },
    after: [],
  };
}

const empty = (): PlanOutcome => ({
  notifications: [],
  held: [],
  suppressed: [],
  silenced: [],
  recovered: [],
});

/**
 * Grouping, repeat interval, auto-repair holds and silences, with all state in the store:
 * - the first failure of a group goes out at once (nobody waits at 3 a.m.); more failures with the
 *   same group key inside the window are collected and go out as one update of the whole group
 *   when it closes, under the first one's key;
 * - a fingerprint already notified stays quiet for the repeat interval unless its severity rises;
 * - a node NotReady alert is held while auto-repair may still fix the node (nodeHolds.ts): released
 *   when the hold runs out, folded into the repair's Error when one comes, dropped when the alert
 *   resolves;
 * - a resolve goes out only for what was notified: resolves of one incident are collected for a
 *   group window and go out as one; a resolve of something held or still waiting in a group window
 *   takes it back (recovered); any other is counted as suppressed;
 * - silenced failures and resolves are muted and reported.
 *
 * Crash and instance safety: every shared record a failure changes remembers it by id (the window
 * it opened or joined, the hold it took, the notification that marked it sent), so planning the
 * same failure again (a replay after a crash) finds its own earlier steps and gives the same
 * notifications with the same ids. Windows are changed by compare-and-swap; a window is closed
 * first (nothing joins it after), its update handed to `emit` (the outbox), and only then deleted.
 */
export function createPlanner(store: KeyValueStore, policy: NotifyPolicy): PlannerPort {
  const holds = createNodeHolds(store, policy);
  const incidents = createIncidents(store);
  const windowEnd = (now: Date) => new Date(now.getTime() + policy.groupWindowMs).toISOString();
  const groups = NOTIFY_SCOPES.groups;

  async function send(
    out: PlanOutcome,
    emit: EmitNotifications | undefined,
    ns: Notification[],
  ): Promise<void> {
    out.notifications.push(...ns);
    if (emit && ns.length > 0) await emit(ns);
  }

  /**
   * A window marked closed (nothing joins it after), as stored; undefined when it changed since it
   * was read (the write is against its version).
   */
  async function closeFirst<W extends { closedAt?: string }>(
    scope: string,
    key: string,
    found: Versioned<W>,
    now: Date,
  ): Promise<Versioned<W> | undefined> {
    if (found.value.closedAt !== undefined) return found;
    const closed: W = { ...found.value, closedAt: now.toISOString() };
    const version = await store.put(scope, key, closed, found.version);
    return version === undefined ? undefined : { value: closed, version };
  }

  /**
   * Closes a group window, puts its update in the outbox, records what it sent, then deletes it.
   * False when the window changed meanwhile (the caller reads it again).
   */
  async function releaseWindow(
    key: string,
    found: Versioned<GroupWindow>,
    now: Date,
    out: PlanOutcome,
    emit: EmitNotifications | undefined,
  ): Promise<boolean> {
    const cur = await closeFirst(groups, key, found, now);
    if (!cur) return false;
    const w = cur.value;
    // Only the first, already sent (an older window without it needs joined failures to show).
    if (w.count > 0 && (w.first || w.failures.length > 0)) {
      const update = updateOf(w);
      await send(out, emit, [update]);
      const members: Member[] = w.members
        ? Object.entries(w.members).map(([fingerprint, m]) => ({ fingerprint, severity: m.severity }))
        : membersOf(w.failures);
      await incidents.notified(update.fingerprint, w.groupKey, members, now, update.id);
    }
    await store.delete(groups, key, cur.version);
    return true;
  }

  async function releaseResolves(
    key: string,
    found: Versioned<ResolveWindow>,
    now: Date,
    out: PlanOutcome,
    emit: EmitNotifications | undefined,
  ): Promise<boolean> {
    const cur = await closeFirst(NOTIFY_SCOPES.resolves, key, found, now);
    if (!cur) return false;
    await send(out, emit, [resolveNotification(cur.value, await incidents.settle(cur.value.key))]);
    await store.delete(NOTIFY_SCOPES.resolves, key, cur.version);
    return true;
  }

  /** The first failure of a group goes out now and opens the window; later ones join it. */
  async function group(
    f: EnrichedFailure,
    extra: readonly EnrichedFailure[],
    now: Date,
    out: PlanOutcome,
    batch: Batch,
    emit: EmitNotifications | undefined,
  ): Promise<Decision> {
    const groupKey = groupKeyOf(f, policy.groupBy);
    const me = joinId(f);
    const joining = [f, ...extra];
    if (batch.open.has(groupKey)) {
      batch.join(groupKey, joining);
      return 'grouped';
    }
    for (let i = 0; i < 20; i++) {
      const window = await store.get<GroupWindow>(groups, groupKey);
      if (window) {
        const w = window.value;
        if (w.first?.by === me) {
          // This failure opened the window before a crash: the same first notification again.
          const n = w.first.notification ?? notificationOver(w.first.id, groupKey, joining, joining.length);
          if (w.closedAt === undefined) batch.open.add(groupKey);
          await incidents.notified(n.fingerprint, groupKey, membersOf(joining), now, failureKey(f));
          await send(out, emit, [n]);
          return 'notified';
        }
        if (w.joined?.includes(me)) {
          if (w.first && w.members?.[f.fingerprint])
            await incidents.join(w.first.fingerprint, groupKey, [f.fingerprint], now);
          return 'grouped';
        }
        if (w.closedAt === undefined && Date.parse(w.end) > now.getTime()) {
          batch.open.add(groupKey);
          batch.join(groupKey, joining);
          return 'grouped';
        }
        // Ran out (or closed by an instance that died) before the timer released it: release it
        // here, so the new window loses nothing.
        await releaseWindow(groupKey, window, now, out, emit);
        continue;
      }
      const n = notificationOver(hash('lead', groupKey, failureKey(f)), groupKey, joining, joining.length);
      const fresh: GroupWindow = {
        groupKey,
        start: now.toISOString(),
        end: windowEnd(now),
        first: {
          id: n.id,
          fingerprint: n.fingerprint,
          sentAt: now.toISOString(),
          count: n.count,
          failures: n.failures.slice(0, FIRST_SAMPLE),
          nodePools: n.nodePools,
          nodes: n.nodes,
          by: me,
          ...(extra.length > 0 ? { notification: n } : {}),
        },
        count: 0,
        failures: [],
        nodePools: [],
        nodes: [],
        members: {},
        joined: joining.map(joinId),
      };
      if ((await store.create(groups, groupKey, fresh)) === undefined) continue; // another instance opened it first: join theirs
      batch.open.add(groupKey);
      await incidents.notified(n.fingerprint, groupKey, membersOf(joining), now, failureKey(f), true);
      await send(out, emit, [n]);
      return 'notified';
    }
    throw new Error(`group ${groupKey}: too much contention`);
  }

  /** Takes a fingerprint back out of its group window (it recovered before the update went out). */
  async function dropPending(
    groupKey: string,
    fingerprint: string,
    batch: Batch,
    now: Date,
  ): Promise<boolean> {
    let dropped = false;
    const joins = batch.joins.get(groupKey);
    if (joins) {
      const left = joins.filter((x) => x.fingerprint !== fingerprint);
      if (left.length !== joins.length) {
        batch.joins.set(groupKey, left);
        dropped = true;
      }
    }
    const incidentKey = await updateEntry<GroupWindow, string | undefined>(store, groups, groupKey, (w) => {
      const m = w?.members?.[fingerprint];
      if (!w || !m || w.closedAt !== undefined) return { result: undefined };
      return { next: withoutMember(w, fingerprint, m), result: w.first?.fingerprint ?? '' };
    });
    if (incidentKey !== undefined) {
      dropped = true;
      if (incidentKey) await incidents.leave(incidentKey, fingerprint, now);
    }
    return dropped;
  }

  async function joinResolves(
    key: string,
    f: EnrichedFailure,
    now: Date,
    out: PlanOutcome,
    emit: EmitNotifications | undefined,
  ): Promise<void> {
    const me = joinId(f);
    for (let i = 0; i < 20; i++) {
      const cur = await store.get<ResolveWindow>(NOTIFY_SCOPES.resolves, key);
      if (cur?.value.joined?.includes(me)) return;
      if (cur && cur.value.closedAt === undefined && Date.parse(cur.value.end) > now.getTime()) {
        const w = cur.value;
        const next: ResolveWindow = {
          ...w,
          count: w.count + 1,
          failures: [...w.failures, f].slice(0, GROUP_SAMPLE),
          nodePools: distinct([...w.nodePools, f.nodePool]),
          nodes: distinct([...w.nodes, f.node]),
          joined: [...(w.joined ?? []), me].slice(-MAX_JOINED),
        };
        if ((await store.put(NOTIFY_SCOPES.resolves, key, next, cur.version)) !== undefined) return;
        continue;
      }
      if (cur) {
        await releaseResolves(key, cur, now, out, emit);
        continue;
      }
      const fresh: ResolveWindow = {
        key,
        groupKey: groupKeyOf(f, policy.groupBy),
        start: now.toISOString(),
        end: windowEnd(now),
        count: 1,
        failures: [f],
        nodePools: distinct([f.nodePool]),
        nodes: distinct([f.node]),
        joined: [me],
      };
      if ((await store.create(NOTIFY_SCOPES.resolves, key, fresh)) !== undefined) return;
    }
    throw new Error(`resolves of ${key}: too much contention`);
  }

  async function decideResolve(
    f: EnrichedFailure,
    now: Date,
    out: PlanOutcome,
    batch: Batch,
    emit: EmitNotifications | undefined,
  ): Promise<Decision> {
    // Whatever happens to the resolve, nothing it pairs with may go out later as firing.
    let recovered = f.node !== undefined && (await holds.recovered(f));
    if (await dropPending(groupKeyOf(f, policy.groupBy), f.fingerprint, batch, now)) recovered = true;
    if (silenceFor(policy.silences, f, now)) {
      await incidents.forget(f.fingerprint, now);
      out.silenced.push({ failure: f });
      return 'silenced';
    }
    const sentUnder = await incidents.sentUnder(f.fingerprint);
    if (sentUnder.length > 0) {
      // The resolve is recorded in its windows before the fingerprint stops counting as sent.
      for (const key of sentUnder) await joinResolves(key, f, now, out, emit);
      await incidents.forget(f.fingerprint, now);
      return 'grouped';
    }
    if (recovered) {
      out.recovered.push(f);
      return 'recovered';
    }
    // Nothing was sent for it: there is nothing to resolve.
    out.suppressed.push(f);
    return 'suppressed';
  }

  async function decide(
    f: EnrichedFailure,
    now: Date,
    out: PlanOutcome,
    batch: Batch,
    emit: EmitNotifications | undefined,
    clicked: readonly Silence[],
  ): Promise<Decision> {
    if (f.status === 'info') {
      if (f.node && isRepairStart(f)) await holds.repairStarted(f, now);
      else if (f.node && isRepairEnd(f)) await holds.repairEnded(f, now);
      return 'recorded';
    }
    if (f.status === 'resolved') return decideResolve(f, now, out, batch, emit);

    // A silence from a notification's link mutes new failures only: its resolve still closes what was sent.
    if (silenceFor(policy.silences, f, now) ?? silenceFor(clicked, f, now)) {
      out.silenced.push({ failure: f });
      return 'silenced';
    }

    const sent = await incidents.lastSent(f.fingerprint);
    if (
      sent &&
      sent.by !== failureKey(f) &&
      now.getTime() - Date.parse(sent.at) < policy.repeatIntervalMs &&
      severityRank(f.severity) >= severityRank(sent.severity)
    ) {
      out.suppressed.push(f);
      return 'suppressed';
    }

    const extra: EnrichedFailure[] = [];
    let took = false;
    if (isNodeNotReady(f)) {
      const r = await holds.hold(f, now);
      if (r.held) {
        out.held.push(f);
        return 'held';
      }
      extra.push(...r.released);
      took = r.released.length > 0;
    }
    if (isRepairError(f) && f.node) {
      const taken = await holds.takeForRepairError(f);
      extra.push(...taken);
      took ||= taken.length > 0;
    }
    const decision = await group(f, extra, now, out, batch, emit);
    // The hold goes only once what it held is in the outbox (or in its window, after the flush).
    if (took) batch.after.push(() => holds.release(nodeKey(f), failureKey(f)));
    return decision;
  }

  /**
   * Writes a lane's joins to their windows, one conditional write per group rather than one per
   * failure; a failure already in the window (a replay) is not added again. A window that closed
   * meanwhile (another instance released it) cannot take them: they go out at once as their own
   * notification instead.
   */
  async function flushJoins(
    batch: Batch,
    now: Date,
    out: PlanOutcome,
    emit: EmitNotifications | undefined,
  ): Promise<void> {
    for (const [key, failures] of batch.joins) {
      if (failures.length === 0) continue;
      const done = await updateEntry<
        GroupWindow,
        { late?: EnrichedFailure[]; next?: GroupWindow } | undefined
      >(store, groups, key, (w) => {
        if (!w || w.closedAt !== undefined)
          return { result: { late: w ? newTo(w.joined, failures) : failures } };
        const next = withJoined(w, failures);
        return next === w ? { result: undefined } : { next, result: { next } };
      });
      const next = done?.next;
      if (next?.first) {
        const fps = new Set(failures.map((f) => f.fingerprint).filter((fp) => next.members?.[fp]));
        await incidents.join(next.first.fingerprint, key, [...fps], now);
      }
      const late = done?.late ?? [];
      const first = late[0];
      if (first) {
        const n = notificationOver(hash('late', key, failureKey(first)), key, late, late.length);
        await incidents.notified(n.fingerprint, key, membersOf(late), now, n.id);
        await send(out, emit, [n]);
      }
    }
    batch.joins.clear();
    for (const step of batch.after.splice(0)) await step();
  }

  /**
   * Failures of one cluster share a lane, in time order (a group's first failure leads; a node's
   * NotReady alert and its repair events are seen in order); clusters are planned at once. Groups
   * that span clusters (no `cluster` in groupBy) are planned in one lane, as they come.
   */
  const byCluster = policy.groupBy.includes('cluster');
  const laneOf = (f: EnrichedFailure): string =>
    byCluster ? (f.cluster?.resourceId ?? f.resourceId ?? '').toLowerCase() : '';

  return {
    async plan(failures, now, emit) {
      const out = empty();
      const lanes = new Map<string, EnrichedFailure[]>();
      for (const f of [...failures].sort((a, b) => a.occurredAt.localeCompare(b.occurredAt))) {
        const key = laneOf(f);
        const lane = lanes.get(key);
        if (lane) lane.push(f);
        else lanes.set(key, [f]);
      }
      const clicked = await storedSilences(store, now);
      await mapLimit([...lanes.values()], LANES, async (lane) => {
        const batch = newBatch();
        for (const f of lane) await decide(f, now, out, batch, emit, clicked);
        await flushJoins(batch, now, out, emit);
      });
      return out;
    },

    async releaseDue(now, emit) {
      const out = empty();
      const due = (w: { end: string; closedAt?: string }) =>
        w.closedAt !== undefined || Date.parse(w.end) <= now.getTime();
      const releaseAll = async <W extends { end: string; closedAt?: string }>(
        scope: string,
        release: (key: string, found: Versioned<W>) => Promise<boolean>,
      ): Promise<void> => {
        for await (const e of store.list<W>(scope)) {
          if (!due(e.value)) continue;
          if (await release(e.key, e)) continue;
          // Changed meanwhile (a late join): release what it holds now.
          const again = await store.get<W>(scope, e.key);
          if (again && due(again.value)) await release(e.key, again);
        }
      };
      await releaseAll<GroupWindow>(groups, (key, w) => releaseWindow(key, w, now, out, emit));
      await releaseAll<ResolveWindow>(NOTIFY_SCOPES.resolves, (key, w) =>
        releaseResolves(key, w, now, out, emit),
      );
      // Still NotReady when the hold ran out: now it is a failure, grouped like any other.
      const batch = newBatch();
      for (const { key, taker, hold } of await holds.takeDue(now, HOLD_TAKER_STALE_MS)) {
        const [lead, ...rest] = hold.failures;
        if (lead) await group(lead, rest, now, out, batch, emit);
        batch.after.push(() => holds.release(key, taker));
      }
      await flushJoins(batch, now, out, emit);
      return out;
    },
  };
}
