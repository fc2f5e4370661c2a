import { createHash } from 'node:crypto';
import type { EnrichedFailure, Notification, Severity } from '../model.js';
import { SEVERITIES } from '../model.js';
import type { PlanOutcome, PlannerPort } from '../ports.js';
import type { KeyValueStore } from '../state/keyValueStore.js';
import { updateEntry } from '../state/updateEntry.js';
import type { Member } from './incidents.js';
import { createIncidents } from './incidents.js';
import { createNodeHolds, isNodeNotReady, isRepairEnd, isRepairError, isRepairStart } from './nodeHolds.js';
import { distinct, GROUP_SAMPLE, NOTIFY_SCOPES } from './notifyScopes.js';
import type { NotifyPolicy, Silence } from './policy.js';
import { groupKeyOf, silenceFor } from './policy.js';
import { storedSilences } from './silenceLinks.js';

export { GROUP_SAMPLE, NOTIFY_SCOPES };

type Decision = 'notified' | 'grouped' | 'held' | 'suppressed' | 'silenced' | 'recovered' | 'recorded';

interface DecidedRecord {
  decision: Decision;
  notifications: Notification[];
  /** When it was decided (for retention). */
  at?: string;
}

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
}

/**
 * Fingerprints a window tracks one by one, and failures of the first notification it keeps for the
 * update: with its 20 joined failures the window stays well inside one Table Storage entity.
 */
const MAX_MEMBERS = 1000;
const FIRST_SAMPLE = 5;

const hash = (...parts: string[]) => createHash('sha256').update(parts.join('\n')).digest('hex').slice(0, 32);
const rank = (s: Severity) => SEVERITIES.indexOf(s); // 0 is most severe
const failureKey = (f: EnrichedFailure) => `${f.source}|${f.sourceId}`;
const later = (a: string | undefined, b: string) => (a !== undefined && a > b ? a : b);

/** A notification over failures (lead first, most severe then earliest). */
export function notificationOver(
  id: string,
  groupKey: string,
  failures: readonly EnrichedFailure[],
  count: number,
): Notification {
  const ordered = [...failures].sort(
    (a, b) => rank(a.severity) - rank(b.severity) || a.occurredAt.localeCompare(b.occurredAt),
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
    if (known === undefined || rank(f.severity) < rank(known)) bySeverity.set(f.fingerprint, f.severity);
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

function withJoined(w: GroupWindow, failures: readonly EnrichedFailure[]): GroupWindow {
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
        severity: rank(f.severity) < rank(m.severity) ? f.severity : m.severity,
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
  /** Group keys known to have an open window in this batch. */
  open: Set<string>;
  /** Failures joining each open window, written once at the end of the batch. */
  joins: Map<string, EnrichedFailure[]>;
  join(key: string, failures: EnrichedFailure[]): void;
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
 * Every decision is stored per failure, so planning the same failure again (a retried batch)
 * returns the same notifications with the same ids.
 */
export function createPlanner(store: KeyValueStore, policy: NotifyPolicy): PlannerPort {
  const holds = createNodeHolds(store, policy);
  const incidents = createIncidents(store);
  const windowEnd = (now: Date) => new Date(now.getTime() + policy.groupWindowMs).toISOString();

  async function releaseWindow(w: GroupWindow, now: Date, out: PlanOutcome): Promise<void> {
    // Only the first, already sent (an older window without it needs joined failures to show).
    if (w.count === 0 || (!w.first && w.failures.length === 0)) return;
    const update = updateOf(w);
    out.notifications.push(update);
    const members: Member[] = w.members
      ? Object.entries(w.members).map(([fingerprint, m]) => ({ fingerprint, severity: m.severity }))
      : membersOf(w.failures);
    await incidents.notified(update.fingerprint, w.groupKey, members, now);
  }

  async function releaseResolves(w: ResolveWindow, out: PlanOutcome): Promise<void> {
    out.notifications.push(resolveNotification(w, await incidents.settle(w.key)));
  }

  /** The first failure of a group goes out now and opens the window; later ones join it. */
  async function group(
    f: EnrichedFailure,
    extra: readonly EnrichedFailure[],
    now: Date,
    out: PlanOutcome,
    batch: Batch,
  ): Promise<DecidedRecord> {
    const groupKey = groupKeyOf(f, policy.groupBy);
    const joining = [f, ...extra];
    if (batch.open.has(groupKey)) {
      batch.join(groupKey, joining);
      return { decision: 'grouped', notifications: [] };
    }
    for (let i = 0; i < 20; i++) {
      const window = await store.get<GroupWindow>(NOTIFY_SCOPES.groups, groupKey);
      if (window && Date.parse(window.value.end) > now.getTime()) {
        batch.open.add(groupKey);
        batch.join(groupKey, joining);
        return { decision: 'grouped', notifications: [] };
      }
      if (window) {
        // Ran out but the timer has not released it yet: release it here, so the new one loses nothing.
        if (!(await store.delete(NOTIFY_SCOPES.groups, groupKey, window.version))) continue;
        await releaseWindow(window.value, now, out);
      }
      const n = notificationOver(
        hash('lead', groupKey, now.toISOString()),
        groupKey,
        joining,
        joining.length,
      );
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
        },
        count: 0,
        failures: [],
        nodePools: [],
        nodes: [],
        members: {},
      };
      if ((await store.create(NOTIFY_SCOPES.groups, groupKey, fresh)) === undefined) continue; // another instance opened it first: join theirs
      batch.open.add(groupKey);
      await incidents.notified(n.fingerprint, groupKey, membersOf(joining), now);
      out.notifications.push(n);
      return { decision: 'notified', notifications: [n] };
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
    const incidentKey = await updateEntry<GroupWindow, string | undefined>(
      store,
      NOTIFY_SCOPES.groups,
      groupKey,
      (w) => {
        const m = w?.members?.[fingerprint];
        if (!w || !m) return { result: undefined };
        return { next: withoutMember(w, fingerprint, m), result: w.first?.fingerprint ?? '' };
      },
    );
    if (incidentKey !== undefined) {
      dropped = true;
      if (incidentKey) await incidents.leave(incidentKey, fingerprint, now);
    }
    return dropped;
  }

  async function joinResolves(key: string, f: EnrichedFailure, now: Date, out: PlanOutcome): Promise<void> {
    for (let i = 0; i < 20; i++) {
      const cur = await store.get<ResolveWindow>(NOTIFY_SCOPES.resolves, key);
      if (cur && Date.parse(cur.value.end) > now.getTime()) {
        const w = cur.value;
        const next: ResolveWindow = {
          ...w,
          count: w.count + 1,
          failures: [...w.failures, f].slice(0, GROUP_SAMPLE),
          nodePools: distinct([...w.nodePools, f.nodePool]),
          nodes: distinct([...w.nodes, f.node]),
        };
        if ((await store.put(NOTIFY_SCOPES.resolves, key, next, cur.version)) !== undefined) return;
        continue;
      }
      if (cur) {
        if (!(await store.delete(NOTIFY_SCOPES.resolves, key, cur.version))) continue;
        await releaseResolves(cur.value, out);
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
  ): Promise<DecidedRecord> {
    // Whatever happens to the resolve, nothing it pairs with may go out later as firing.
    let recovered = f.node !== undefined && (await holds.recovered(f));
    if (await dropPending(groupKeyOf(f, policy.groupBy), f.fingerprint, batch, now)) recovered = true;
    const sentUnder = await incidents.resolved(f.fingerprint, now);
    if (silenceFor(policy.silences, f, now)) {
      out.silenced.push({ failure: f });
      return { decision: 'silenced', notifications: [] };
    }
    if (sentUnder.length > 0) {
      for (const key of sentUnder) await joinResolves(key, f, now, out);
      return { decision: 'grouped', notifications: [] };
    }
    if (recovered) {
      out.recovered.push(f);
      return { decision: 'recovered', notifications: [] };
    }
    // Nothing was sent for it: there is nothing to resolve.
    out.suppressed.push(f);
    return { decision: 'suppressed', notifications: [] };
  }

  async function decide(
    f: EnrichedFailure,
    now: Date,
    out: PlanOutcome,
    batch: Batch,
    clicked: readonly Silence[],
  ): Promise<DecidedRecord> {
    if (f.status === 'info') {
      if (f.node && isRepairStart(f)) await holds.repairStarted(f, now);
      else if (f.node && isRepairEnd(f)) await holds.repairEnded(f, now);
      return { decision: 'recorded', notifications: [] };
    }
    if (f.status === 'resolved') return decideResolve(f, now, out, batch);

    // A silence from a notification's link mutes new failures only: its resolve still closes what was sent.
    if (silenceFor(policy.silences, f, now) ?? silenceFor(clicked, f, now)) {
      out.silenced.push({ failure: f });
      return { decision: 'silenced', notifications: [] };
    }

    const sent = await incidents.lastSent(f.fingerprint);
    if (
      sent &&
      now.getTime() - Date.parse(sent.at) < policy.repeatIntervalMs &&
      rank(f.severity) >= rank(sent.severity)
    ) {
      out.suppressed.push(f);
      return { decision: 'suppressed', notifications: [] };
    }

    const extra: EnrichedFailure[] = [];
    if (isNodeNotReady(f)) {
      const r = await holds.hold(f, now);
      if (r.held) {
        out.held.push(f);
        return { decision: 'held', notifications: [] };
      }
      extra.push(...r.released);
    }
    if (isRepairError(f) && f.node) extra.push(...(await holds.takeForRepairError(f)));
    return group(f, extra, now, out, batch);
  }

  /**
   * Writes a batch's joins to their windows, one conditional write per group rather than one per
   * failure. A window that closed meanwhile (another instance released it) cannot take them: they
   * go out at once as their own notification instead.
   */
  async function flushJoins(batch: Batch, now: Date, out: PlanOutcome): Promise<void> {
    for (const [key, failures] of batch.joins) {
      if (failures.length === 0) continue;
      const merged = await updateEntry<GroupWindow, GroupWindow | undefined>(
        store,
        NOTIFY_SCOPES.groups,
        key,
        (w) => {
          if (!w) return { result: undefined };
          const next = withJoined(w, failures);
          return { next, result: next };
        },
      );
      if (merged) {
        if (merged.first)
          await incidents.join(
            merged.first.fingerprint,
            key,
            failures.map((f) => f.fingerprint).filter((fp) => merged.members?.[fp]),
            now,
          );
        continue;
      }
      const first = failures[0];
      if (!first) continue;
      const n = notificationOver(hash('late', key, failureKey(first)), key, failures, failures.length);
      out.notifications.push(n);
      await incidents.notified(n.fingerprint, key, membersOf(failures), now);
    }
    batch.joins.clear();
  }

  return {
    async plan(failures, now) {
      const out = empty();
      const batch = newBatch();
      const deferred: [string, DecidedRecord][] = [];
      const ordered = [...failures].sort((a, b) => a.occurredAt.localeCompare(b.occurredAt));
      const clicked = await storedSilences(store, now);
      for (const f of ordered) {
        const key = failureKey(f);
        const prior = await store.get<DecidedRecord>(NOTIFY_SCOPES.decided, key);
        if (prior) {
          out.notifications.push(...prior.value.notifications);
          continue;
        }
        const record = await decide(f, now, out, batch, clicked);
        // A joined failure is recorded only once its window holds it (after the flush below).
        if (record.decision === 'grouped') deferred.push([key, record]);
        else await store.put(NOTIFY_SCOPES.decided, key, { ...record, at: now.toISOString() });
      }
      await flushJoins(batch, now, out);
      for (const [key, record] of deferred)
        await store.put(NOTIFY_SCOPES.decided, key, { ...record, at: now.toISOString() });
      return out;
    },

    async releaseDue(now) {
      const out = empty();
      for await (const e of store.list<GroupWindow>(NOTIFY_SCOPES.groups)) {
        if (Date.parse(e.value.end) > now.getTime()) continue;
        if (!(await store.delete(NOTIFY_SCOPES.groups, e.key, e.version))) continue; // another instance took it
        await releaseWindow(e.value, now, out);
      }
      for await (const e of store.list<ResolveWindow>(NOTIFY_SCOPES.resolves)) {
        if (Date.parse(e.value.end) > now.getTime()) continue;
        if (!(await store.delete(NOTIFY_SCOPES.resolves, e.key, e.version))) continue;
        await releaseResolves(e.value, out);
      }
      // Still NotReady when the hold ran out: now it is a failure, grouped like any other.
      const batch = newBatch();
      for (const { hold } of await holds.takeDue(now)) {
        const [lead, ...rest] = hold.failures;
        if (lead) await group(lead, rest, now, out, batch);
      }
      await flushJoins(batch, now, out);
      return out;
    },
  };
}
