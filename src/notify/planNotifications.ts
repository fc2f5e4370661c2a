import { createHash } from 'node:crypto';
import type { EnrichedFailure, Notification, Severity } from '../model.js';
import { SEVERITIES } from '../model.js';
import type { PlanOutcome, PlannerPort } from '../pipeline/processSignals.js';
import type { KeyValueStore } from '../state/keyValueStore.js';
import type { NotifyPolicy } from './policy.js';
import { groupKeyOf, silenceFor } from './policy.js';

/** Failures kept on a grouped notification; `count` carries the full number. */
export const GROUP_SAMPLE = 20;

export const NOTIFY_SCOPES = {
  decided: 'notify-decided',
  sent: 'notify-sent',
  groups: 'notify-groups',
  holds: 'notify-holds',
};

type Decision = 'notified' | 'grouped' | 'held' | 'suppressed' | 'silenced' | 'recorded';

interface DecidedRecord {
  decision: Decision;
  notifications: Notification[];
  /** When it was decided (for retention). */
  at?: string;
}

interface GroupWindow {
  groupKey: string;
  start: string;
  end: string;
  /** Failures in the window, the lead's included. */
  count: number;
  /** How many of them the lead notification already carried (absent in windows of older versions: 0). */
  leadCount?: number;
  /** The lead's fingerprint: the update lands on the same incident (PagerDuty dedup_key). */
  leadFingerprint?: string;
  failures: EnrichedFailure[];
  nodePools: string[];
  nodes: string[];
}

interface Hold {
  startedAt: string;
  until: string;
  failures: EnrichedFailure[];
  /** True once auto-repair reported a start; before that the hold is the grace for it to begin. */
  repairing?: boolean;
}

const hash = (...parts: string[]) => createHash('sha256').update(parts.join('\n')).digest('hex').slice(0, 32);
const rank = (s: Severity) => SEVERITIES.indexOf(s); // 0 is most severe
const failureKey = (f: EnrichedFailure) => `${f.source}|${f.sourceId}`;
const nodeKey = (f: EnrichedFailure) =>
  `${(f.cluster?.resourceId ?? f.resourceId ?? '-').toLowerCase()}|${(f.node ?? '').toLowerCase()}`;

const isRepairStart = (f: EnrichedFailure) => f.kind === 'node-auto-repair' && /start$/i.test(f.reason ?? '');
const isRepairEnd = (f: EnrichedFailure) => f.kind === 'node-auto-repair' && /end$/i.test(f.reason ?? '');
const isRepairError = (f: EnrichedFailure) => f.kind === 'node-auto-repair' && f.status === 'firing';
/** A node-not-ready signal: what auto-repair exists to fix, so worth holding while it works. */
const isNodeNotReady = (f: EnrichedFailure) =>
  f.node !== undefined &&
  f.kind === 'alert' &&
  /not ?ready/i.test(`${f.title} ${f.reason ?? ''} ${f.texts.join(' ')}`);

function distinct(values: (string | undefined)[]): string[] {
  return [...new Set(values.filter((v): v is string => v !== undefined && v !== ''))];
}

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

const empty = (): PlanOutcome => ({ notifications: [], held: [], suppressed: [], silenced: [] });

/**
 * Grouping, repeat interval, auto-repair holds and silences, with all state in the store:
 * - the first failure of a group goes out at once (nobody waits at 3 a.m.); more failures with the
 *   same group key inside the window are collected and go out as one group update when it closes;
 * - a fingerprint already notified stays quiet for the repeat interval unless its severity rises;
 *   resolves always go out;
 * - a node NotReady alert is held while auto-repair works on that node: released when the hold
 *   expires with no repair end, folded into the repair's Error when one comes, dropped (counted as
 *   held) when the repair ends;
 * - silenced failures are muted and reported.
 * Every decision is stored per failure, so planning the same failure again (a retried batch)
 * returns the same notifications with the same ids.
 */
export function createPlanner(store: KeyValueStore, policy: NotifyPolicy): PlannerPort {
  async function updateWindow(key: string, fn: (w: GroupWindow) => GroupWindow): Promise<boolean> {
    for (let i = 0; i < 20; i++) {
      const cur = await store.get<GroupWindow>(NOTIFY_SCOPES.groups, key);
      if (!cur) return false;
      if ((await store.put(NOTIFY_SCOPES.groups, key, fn(cur.value), cur.version)) !== undefined) return true;
    }
    throw new Error(`group ${key}: too much contention`);
  }

  /** Takes a held NotReady alert for the resolved one's node out of its hold; true when there was one. */
  async function clearHeld(resolved: EnrichedFailure): Promise<boolean> {
    const key = nodeKey(resolved);
    for (let i = 0; i < 20; i++) {
      const hold = await store.get<Hold>(NOTIFY_SCOPES.holds, key);
      if (!hold) return false;
      const rest = hold.value.failures.filter((x) => x.fingerprint !== resolved.fingerprint);
      if (rest.length === hold.value.failures.length) return false;
      // A repair under way keeps its hold (its end or error still decides); a grace with nothing left ends.
      const done =
        rest.length === 0 && !hold.value.repairing
          ? await store.delete(NOTIFY_SCOPES.holds, key, hold.version)
          : (await store.put(NOTIFY_SCOPES.holds, key, { ...hold.value, failures: rest }, hold.version)) !==
            undefined;
      if (done) return true;
    }
    throw new Error(`hold ${key}: too much contention`);
  }

  async function decide(
    f: EnrichedFailure,
    now: Date,
    out: PlanOutcome,
    batch: Batch,
  ): Promise<DecidedRecord> {
    if (f.status === 'info') {
      if (f.node && isRepairStart(f)) {
        const key = nodeKey(f);
        const cur = await store.get<Hold>(NOTIFY_SCOPES.holds, key);
        const hold: Hold = {
          startedAt: cur?.value.startedAt ?? now.toISOString(),
          until: new Date(now.getTime() + policy.autoRepairHoldMs).toISOString(),
          failures: cur?.value.failures ?? [],
          repairing: true,
        };
        await store.put(NOTIFY_SCOPES.holds, key, hold);
      } else if (f.node && isRepairEnd(f)) {
        // The repair worked: held NotReady alerts for the node were noise; they stay counted as held.
        await store.delete(NOTIFY_SCOPES.holds, nodeKey(f));
      }
      return { decision: 'recorded', notifications: [] };
    }

    if (f.status === 'resolved') {
      // A silence mutes the end of what it muted, too.
      if (silenceFor(policy.silences, f, now)) {
        out.silenced.push({ failure: f });
        return { decision: 'silenced', notifications: [] };
      }
      // The node recovered while its NotReady alert was held: nothing was sent, so nothing is resolved.
      if (isNodeNotReady(f) && (await clearHeld(f))) {
        out.held.push(f);
        return { decision: 'held', notifications: [] };
      }
      await store.delete(NOTIFY_SCOPES.sent, f.fingerprint);
      const n = notificationOver(hash('resolved', f.fingerprint, f.occurredAt), f.fingerprint, [f], 1);
      out.notifications.push(n);
      return { decision: 'notified', notifications: [n] };
    }

    const silence = silenceFor(policy.silences, f, now);
    if (silence) {
      out.silenced.push({ failure: f });
      return { decision: 'silenced', notifications: [] };
    }

    if (isNodeNotReady(f)) {
      const key = nodeKey(f);
      for (let i = 0; i < 20; i++) {
        const hold = await store.get<Hold>(NOTIFY_SCOPES.holds, key);
        if (!hold || Date.parse(hold.value.until) <= now.getTime()) break;
        const next: Hold = { ...hold.value, failures: [...hold.value.failures, f].slice(-GROUP_SAMPLE) };
        if ((await store.put(NOTIFY_SCOPES.holds, key, next, hold.version)) !== undefined) {
          out.held.push(f);
          return { decision: 'held', notifications: [] };
        }
      }
      // No repair under way yet: AKS starts one only after the node has been unhealthy for a while,
      // so the alert waits that long for it; a start then extends the hold, a resolve ends it unsent.
      if (policy.notReadyGraceMs > 0) {
        const grace: Hold = {
          startedAt: now.toISOString(),
          until: new Date(now.getTime() + policy.notReadyGraceMs).toISOString(),
          failures: [f],
        };
        const existing = await store.get<Hold>(NOTIFY_SCOPES.holds, key);
        const written = existing
          ? Date.parse(existing.value.until) <= now.getTime()
            ? await store.put(NOTIFY_SCOPES.holds, key, grace, existing.version)
            : undefined
          : await store.create(NOTIFY_SCOPES.holds, key, grace);
        if (written !== undefined) {
          out.held.push(f);
          return { decision: 'held', notifications: [] };
        }
      }
    }

    const extra: EnrichedFailure[] = [];
    if (isRepairError(f) && f.node) {
      const hold = await store.get<Hold>(NOTIFY_SCOPES.holds, nodeKey(f));
      if (hold && (await store.delete(NOTIFY_SCOPES.holds, nodeKey(f), hold.version)))
        extra.push(...hold.value.failures);
    }

    const sent = await store.get<{ at: string; severity: Severity }>(NOTIFY_SCOPES.sent, f.fingerprint);
    if (
      sent &&
      now.getTime() - Date.parse(sent.value.at) < policy.repeatIntervalMs &&
      rank(f.severity) >= rank(sent.value.severity)
    ) {
      out.suppressed.push(f);
      return { decision: 'suppressed', notifications: [] };
    }

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
      const fresh: GroupWindow = {
        groupKey,
        start: now.toISOString(),
        end: new Date(now.getTime() + policy.groupWindowMs).toISOString(),
        // The lead goes out now; the window collects what follows it and counts the whole group.
        count: joining.length,
        leadCount: joining.length,
        leadFingerprint: f.fingerprint,
        failures: [],
        nodePools: distinct(joining.map((x) => x.nodePool)),
        nodes: distinct(joining.map((x) => x.node)),
      };
      const created = window
        ? await store.put(NOTIFY_SCOPES.groups, groupKey, fresh, window.version)
        : await store.create(NOTIFY_SCOPES.groups, groupKey, fresh);
      if (created === undefined) continue; // another instance opened it first: join theirs
      batch.open.add(groupKey);
      const n = notificationOver(hash('lead', groupKey, fresh.start), groupKey, joining, joining.length);
      await store.put(NOTIFY_SCOPES.sent, f.fingerprint, { at: now.toISOString(), severity: f.severity });
      out.notifications.push(n);
      return { decision: 'notified', notifications: [n] };
    }
    throw new Error(`group ${groupKey}: too much contention`);
  }

  /**
   * Writes a batch's joins to their windows, one conditional write per group rather than one per
   * failure. A window that closed meanwhile (another instance released it) cannot take them: they
   * go out at once as their own notification instead.
   */
  async function flushJoins(batch: Batch, now: Date, out: PlanOutcome): Promise<void> {
    for (const [key, failures] of batch.joins) {
      const merged = await updateWindow(key, (w) => ({
        ...w,
        count: w.count + failures.length,
        failures: [...w.failures, ...failures].slice(0, GROUP_SAMPLE),
        nodePools: distinct([...w.nodePools, ...failures.map((x) => x.nodePool)]),
        nodes: distinct([...w.nodes, ...failures.map((x) => x.node)]),
      }));
      if (!merged) {
        const first = failures[0];
        if (first)
          out.notifications.push(
            notificationOver(hash('late', key, failureKey(first)), key, failures, failures.length),
          );
      }
    }
    batch.joins.clear();
  }

  return {
    async plan(failures, now) {
      const out = empty();
      const batch = newBatch();
      const deferred: [string, DecidedRecord][] = [];
      const ordered = [...failures].sort((a, b) => a.occurredAt.localeCompare(b.occurredAt));
      for (const f of ordered) {
        const key = failureKey(f);
        const prior = await store.get<DecidedRecord>(NOTIFY_SCOPES.decided, key);
        if (prior) {
          out.notifications.push(...prior.value.notifications);
          continue;
        }
        const record = await decide(f, now, out, batch);
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
        const w = e.value;
        if (Date.parse(w.end) > now.getTime()) continue;
        if (!(await store.delete(NOTIFY_SCOPES.groups, e.key, e.version))) continue; // another instance took it
        if (w.count <= (w.leadCount ?? 0) || w.failures.length === 0) continue; // only the lead, already sent
        const update = notificationOver(hash('update', w.groupKey, w.start), w.groupKey, w.failures, w.count);
        update.nodePools = w.nodePools;
        update.nodes = w.nodes;
        update.firstAt = w.start < update.firstAt ? w.start : update.firstAt;
        if (w.leadFingerprint) update.fingerprint = w.leadFingerprint;
        if (w.leadCount) update.sentBefore = w.leadCount;
        out.notifications.push(update);
        for (const f of w.failures)
          await store.put(NOTIFY_SCOPES.sent, f.fingerprint, { at: now.toISOString(), severity: f.severity });
      }
      for await (const e of store.list<Hold>(NOTIFY_SCOPES.holds)) {
        const h = e.value;
        if (Date.parse(h.until) > now.getTime()) continue;
        if (!(await store.delete(NOTIFY_SCOPES.holds, e.key, e.version))) continue;
        if (h.failures.length === 0) continue;
        // Still unhealthy when auto-repair's time ran out: now it is a page.
        out.notifications.push(
          notificationOver(hash('hold', e.key, h.startedAt), e.key, h.failures, h.failures.length),
        );
        for (const f of h.failures)
          await store.put(NOTIFY_SCOPES.sent, f.fingerprint, { at: now.toISOString(), severity: f.severity });
      }
      return out;
    },
  };
}
