import type { EnrichedFailure, Notification, Severity } from '../model.js';
import { failureKey, mostSevere, severityRank } from '../model.js';
import type { PlanOutcome } from '../ports.js';
import { clipLine } from '../text.js';
import type { Environment } from './environment.js';
import { environmentOf, environmentRank } from './environment.js';
import { REPAIR_STEP, clusterNameOf, failureTitle, shownCode } from './failureTitle.js';
import { terminalSafe } from './toConsoleText.js';

/**
 * The report of one run for a terminal: one line per notification, grouped by cluster (production
 * and the most severe first), each marked with what happened to it (new, update, resolved,
 * suppressed, held, …); a node's auto-repair steps are one timeline line. `verbose` adds the links
 * and fingerprints under each line. Colour only when asked (a TTY without NO_COLOR).
 */

export type Mark =
  'new' | 'update' | 'resolved' | 'grouped' | 'held' | 'suppressed' | 'silenced' | 'recovered' | 'noted';

/** Marks in the order a reader cares about them; the first is what a line with several shows. */
const MARK_ORDER: readonly Mark[] = [
  'new',
  'update',
  'resolved',
  'grouped',
  'held',
  'silenced',
  'suppressed',
  'recovered',
  'noted',
];

const SENT: ReadonlySet<Mark> = new Set(['new', 'update', 'resolved']);

export interface ConsoleOptions {
  color: boolean;
  verbose: boolean;
  /** How long a repeat stays quiet (for the "repeat" note). */
  repeatIntervalMs?: number;
  productionClusters?: readonly string[];
}

/** One line of the report, before it is formatted. */
export interface ReportLine {
  cluster: string;
  mark: Mark;
  severity: Severity;
  /** Time shown (ISO). */
  at: string;
  text: string;
  /** Why it was not sent, when it was not. */
  note?: string;
  /** How many failures it stands for. */
  count: number;
  marks: Partial<Record<Mark, number>>;
  failures: EnrichedFailure[];
  notification?: Notification;
  /** A node's auto-repair timeline: its steps say how many, so no "×N". */
  timeline?: boolean;
}

const ANSI = {
  reset: '\u001b[0m',
  bold: '\u001b[1m',
  dim: '\u001b[2m',
  red: '\u001b[31m',
  boldRed: '\u001b[1;31m',
  yellow: '\u001b[33m',
  cyan: '\u001b[36m',
  green: '\u001b[32m',
};

const SEVERITY_COLOUR: Record<Severity, string> = {
  critical: ANSI.boldRed,
  error: ANSI.red,
  warning: ANSI.yellow,
  info: ANSI.cyan,
};

function paint(on: boolean, code: string, text: string): string {
  return on ? `${code}${text}${ANSI.reset}` : text;
}

function markOf(n: Notification): Mark {
  return n.status === 'resolved' ? 'resolved' : n.update ? 'update' : 'new';
}

function noteOf(
  mark: Mark,
  f: EnrichedFailure,
  repeatMs: number | undefined,
  sentAt: string | undefined,
): string | undefined {
  switch (mark) {
    case 'suppressed':
      if (f.status === 'resolved') return 'nothing was sent to resolve';
      return sentAt
        ? `repeat of the ${sentAt} notification`
        : `notified within ${repeatMs ? hours(repeatMs) : 'the repeat interval'}`;
    case 'held':
      return 'node NotReady: waiting for auto-repair';
    case 'grouped':
      return 'goes out with the group update';
    case 'silenced':
      return 'silenced';
    case 'recovered':
      return 'recovered before it was sent';
    case 'noted':
      return undefined;
    default:
      return undefined;
  }
}

function hours(ms: number): string {
  return ms % 3_600_000 === 0 ? `${String(ms / 3_600_000)} h` : `${String(Math.round(ms / 60_000))} min`;
}

function clusterOf(f: EnrichedFailure): string {
  return clipLine(clusterNameOf(f) ?? '(no cluster)', 100);
}

/** What was decided per failure, from the plans of the run. */
function decisions(plans: readonly PlanOutcome[]): Map<string, { mark: Mark; n?: Notification }> {
  const out = new Map<string, { mark: Mark; n?: Notification }>();
  const notifications = plans.flatMap((p) => p.notifications);
  // A group update repeats the failures of its first notification: those keep the first's mark.
  const ordered = [...notifications.filter((n) => !n.update), ...notifications.filter((n) => n.update)];
  for (const n of ordered)
    for (const f of n.failures) if (!out.has(failureKey(f))) out.set(failureKey(f), { mark: markOf(n), n });
  const put = (fs: readonly EnrichedFailure[], mark: Mark) => {
    for (const f of fs) if (!out.has(failureKey(f))) out.set(failureKey(f), { mark });
  };
  for (const p of plans) {
    put(p.held, 'held');
    put(p.suppressed, 'suppressed');
    put(
      p.silenced.map((s) => s.failure),
      'silenced',
    );
    put(p.recovered, 'recovered');
  }
  return out;
}

interface RepairStep {
  action: string;
  start?: string;
  end?: string;
  outcome?: 'ok' | 'failed';
  code?: string;
  /** What was decided for the failed step, when the line's mark does not say it. */
  mark?: Mark;
}

/** "reboot 06:12–06:16 ✓ · reimage 06:22–06:31 ✗ · redeploy 06:33–06:41 ✗ TooManyVMRedeploymentRequests". */
function timeline(
  failures: readonly EnrichedFailure[],
  time: (iso: string) => string,
  markOfFailure: (f: EnrichedFailure) => Mark | undefined,
): string {
  const steps: RepairStep[] = [];
  const sorted = [...failures].sort((a, b) => a.occurredAt.localeCompare(b.occurredAt));
  for (const f of sorted) {
    const m = REPAIR_STEP.exec(f.reason ?? '');
    const action = m?.[1]?.toLowerCase() ?? 'repair';
    const phase = m?.[2]?.toLowerCase() ?? (f.status === 'info' ? 'start' : 'error');
    const open = [...steps].reverse().find((s) => s.action === action && s.outcome === undefined);
    if (phase === 'start') {
      steps.push({ action, start: f.occurredAt });
      continue;
    }
    const step = open ?? { action };
    if (!open) steps.push(step);
    step.end = f.occurredAt;
    step.outcome = phase === 'end' ? 'ok' : 'failed';
    const code = phase === 'error' ? shownCode(f) : undefined;
    if (code) step.code = code;
    const mark = phase === 'error' ? markOfFailure(f) : undefined;
    if (mark) step.mark = mark;
  }
  return steps
    .map((s) => {
      // Within one day the end needs only its clock time.
      const endText = (start: string, end: string) =>
        start.slice(0, 10) === end.slice(0, 10) ? (time(end).split(' ').pop() ?? time(end)) : time(end);
      const span =
        s.start && s.end
          ? `${time(s.start)}–${endText(s.start, s.end)}`
          : s.start
            ? `${time(s.start)} …`
            : time(s.end ?? '');
      const result = s.outcome === 'ok' ? ' ✓' : s.outcome === 'failed' ? ' ✗' : '';
      return `${s.action} ${span}${result}${s.code ? ` ${s.code}` : ''}${s.mark ? ` (${s.mark})` : ''}`;
    })
    .join(' · ');
}

function countMarks(failures: readonly EnrichedFailure[], decided: Map<string, { mark: Mark }>) {
  const marks: Partial<Record<Mark, number>> = {};
  for (const f of failures) {
    const m = decided.get(failureKey(f))?.mark ?? defaultMark(f);
    marks[m] = (marks[m] ?? 0) + 1;
  }
  return marks;
}

function defaultMark(f: EnrichedFailure): Mark {
  return f.status === 'info' ? 'noted' : 'grouped';
}

function leadMark(marks: Partial<Record<Mark, number>>): Mark {
  return MARK_ORDER.find((m) => (marks[m] ?? 0) > 0) ?? 'noted';
}

function worst(failures: readonly EnrichedFailure[]): Severity {
  return failures.reduce<Severity>((s, f) => mostSevere(f.severity, s), 'info');
}

/** The report's lines, grouped by cluster, before formatting. */
export function reportLines(
  enriched: readonly EnrichedFailure[],
  plans: readonly PlanOutcome[],
  options: Pick<ConsoleOptions, 'repeatIntervalMs'> & { time: (iso: string) => string; verbose?: boolean },
): ReportLine[] {
  const decided = decisions(plans);
  const lines: ReportLine[] = [];
  const covered = new Set<string>();

  // Node auto-repair: every step on one node, whatever was decided for each, is one line. A
  // notification over several nodes stays one line of its own.
  const byNode = new Map<string, EnrichedFailure[]>();
  for (const f of enriched) {
    if (f.kind !== 'node-auto-repair' || !f.node) continue;
    if ((decided.get(failureKey(f))?.n?.nodes.length ?? 0) > 1) continue;
    const k = `${clusterOf(f)}|${f.node.toLowerCase()}`;
    const same = byNode.get(k);
    if (same) same.push(f);
    else byNode.set(k, [f]);
  }
  for (const failures of byNode.values()) {
    const first = failures[0];
    if (!first) continue;
    const failed = failures.filter((f) => f.status !== 'info');
    // Repairs that only started or finished are no news unless asked for.
    if (failed.length === 0 && !options.verbose) continue;
    const marks = countMarks(failures, decided);
    const mark = leadMark(marks);
    const node = clipLine(first.node ?? '', 100);
    const stepMark = (f: EnrichedFailure): Mark | undefined => {
      const m = decided.get(failureKey(f))?.mark ?? defaultMark(f);
      return m === mark ? undefined : m;
    };
    const notifiedFailure = failures.find((f) => decided.get(failureKey(f))?.n !== undefined);
    const notified = notifiedFailure ? decided.get(failureKey(notifiedFailure))?.n : undefined;
    const last = notifiedFailure ?? failed[failed.length - 1] ?? failures[failures.length - 1] ?? first;
    lines.push({
      cluster: clusterOf(first),
      mark,
      severity: failed.length > 0 ? worst(failed) : 'info',
      at: last.occurredAt,
      text: `node ${node}: ${timeline(failures, options.time, stepMark)}`,
      timeline: true,
      count: failed.length,
      // The steps carry their own marks.
      marks: { [mark]: marks[mark] ?? 0 },
      failures,
      ...(notified ? { notification: notified } : {}),
    });
    for (const f of failures) covered.add(failureKey(f));
  }
  // Start and end events left over belong to a node of a group: its line says enough.
  for (const f of enriched)
    if (f.kind === 'node-auto-repair' && f.status === 'info') covered.add(failureKey(f));

  // Every other notification: one line; a group says how many failures it holds.
  const seen = new Set<string>();
  for (const p of plans)
    for (const n of p.notifications) {
      if (seen.has(n.id)) continue;
      seen.add(n.id);
      const mine = n.failures.filter((f) => !covered.has(failureKey(f)));
      const lead = mine[0];
      if (!lead) continue;
      for (const f of n.failures) covered.add(failureKey(f));
      lines.push({
        cluster: clusterOf(lead),
        mark: markOf(n),
        severity: n.severity,
        at: n.lastAt || lead.occurredAt,
        text: failureTitle(lead, { withoutCluster: true, max: 120 }),
        count: n.count,
        marks: { [markOf(n)]: n.count },
        failures: n.failures,
        notification: n,
      });
    }

  // What was not sent: one line per fingerprint and mark.
  const rest = new Map<string, { mark: Mark; failures: EnrichedFailure[] }>();
  for (const f of enriched) {
    if (covered.has(failureKey(f))) continue;
    const mark = decided.get(failureKey(f))?.mark ?? defaultMark(f);
    const k = `${mark}|${f.fingerprint}|${f.status}`;
    const same = rest.get(k);
    if (same) same.failures.push(f);
    else rest.set(k, { mark, failures: [f] });
  }
  // When this run notified a fingerprint: a repeat names that notification.
  const notifiedAt = new Map<string, string>();
  for (const p of plans)
    for (const n of p.notifications)
      for (const f of n.failures)
        if (!notifiedAt.has(f.fingerprint)) notifiedAt.set(f.fingerprint, options.time(f.occurredAt));
  for (const { mark, failures } of rest.values()) {
    const lead = failures[failures.length - 1] ?? failures[0];
    if (!lead) continue;
    const note = noteOf(mark, lead, options.repeatIntervalMs, notifiedAt.get(lead.fingerprint));
    lines.push({
      cluster: clusterOf(lead),
      mark,
      severity: worst(failures),
      at: lead.occurredAt,
      text: failureTitle(lead, { withoutCluster: true, max: 120 }),
      ...(note ? { note } : {}),
      count: failures.length,
      marks: { [mark]: failures.length },
      failures,
    });
  }
  return lines;
}

/** "06:31" when the run covers one UTC day, else "11-20 06:31". */
function timeFormat(enriched: readonly EnrichedFailure[]): { time: (iso: string) => string; day?: string } {
  const days = new Set(
    enriched.map((f) => f.occurredAt.slice(0, 10)).filter((d) => /^\d{4}-\d\d-\d\d$/.test(d)),
  );
  const one = days.size === 1 ? [...days][0] : undefined;
  const time = (iso: string) => {
    const t = Date.parse(iso);
    if (Number.isNaN(t)) return '??:??';
    const s = new Date(t).toISOString();
    return one ? s.slice(11, 16) : `${s.slice(5, 10)} ${s.slice(11, 16)}`;
  };
  return one ? { time, day: one } : { time };
}

function clusterSummary(lines: readonly ReportLine[], env: Environment | undefined): string {
  const f = lines[0]?.failures[0];
  const parts: string[] = [];
  if (f?.cluster?.resourceGroup) parts.push(f.cluster.resourceGroup);
  const version = lines.flatMap((l) => l.failures).find((x) => x.context?.kubernetesVersion)
    ?.context?.kubernetesVersion;
  if (version) parts.push(`Kubernetes ${version}`);
  if (env) parts.push(env);
  return parts.map((p) => terminalSafe(clipLine(p, 80))).join(' · ');
}

/** The lines a terminal shows (no trailing summary; the command adds it). */
export function toConsoleReport(
  enriched: readonly EnrichedFailure[],
  plans: readonly PlanOutcome[],
  options: ConsoleOptions,
): string[] {
  const { time, day } = timeFormat(enriched);
  const lines = reportLines(enriched, plans, { ...options, time });
  const clusters = new Map<string, ReportLine[]>();
  for (const l of lines) {
    const same = clusters.get(l.cluster);
    if (same) same.push(l);
    else clusters.set(l.cluster, [l]);
  }
  const sentRank = (ls: readonly ReportLine[]) =>
    Math.min(...ls.map((l) => (SENT.has(l.mark) ? severityRank(l.severity) : 10 + severityRank(l.severity))));
  // Each cluster's environment once (its first failure's), not on every comparison.
  const ordered = [...clusters]
    .map(([cluster, ls]) => {
      const f = ls[0]?.failures[0];
      const env = environmentOf(f?.cluster?.name, f?.context?.tags, {
        productionClusters: options.productionClusters,
      });
      return { cluster, ls, env, envRank: environmentRank(env) };
    })
    .sort(
      (a, b) =>
        a.envRank - b.envRank || sentRank(a.ls) - sentRank(b.ls) || a.cluster.localeCompare(b.cluster),
    );
  const c = options.color;
  const out: string[] = [];
  if (day) out.push(paint(c, ANSI.dim, `Failures of ${day} (UTC):`));
  for (const { cluster, ls, env } of ordered) {
    const about = clusterSummary(ls, env);
    out.push(`${paint(c, ANSI.bold, terminalSafe(cluster))}${about ? paint(c, ANSI.dim, `  ${about}`) : ''}`);
    const sorted = [...ls].sort(
      (a, b) =>
        Number(!SENT.has(a.mark)) - Number(!SENT.has(b.mark)) ||
        severityRank(a.severity) - severityRank(b.severity) ||
        a.at.localeCompare(b.at),
    );
    for (const l of sorted) {
      const sev = paint(c, SEVERITY_COLOUR[l.severity], l.severity.toUpperCase().padEnd(8));
      const markText = l.mark.padEnd(10);
      const mark = SENT.has(l.mark) ? paint(c, ANSI.bold, markText) : paint(c, ANSI.dim, markText);
      const count = l.count > 1 && !l.timeline ? ` ×${String(l.count)}` : '';
      const others = Object.entries(l.marks)
        .filter(([m]) => m !== l.mark && m !== 'noted')
        .map(([m, n]) => `${String(n)} ${m}`);
      const note = [l.note, ...others].filter(Boolean).join('; ');
      const text = terminalSafe(l.text);
      const body = `${time(l.at)}  ${text}${count}${note ? paint(c, ANSI.dim, ` (${note})`) : ''}`;
      out.push(`  ${sev} ${mark} ${body}`);
      if (options.verbose) out.push(...verboseLines(l));
    }
  }
  return out;
}

function verboseLines(l: ReportLine): string[] {
  const out: string[] = [];
  const lead = l.failures.find((f) => f.status !== 'info') ?? l.failures[0];
  if (!lead) return out;
  const match = lead.matches[0];
  if (match?.mitigation) out.push(`      What to do: ${terminalSafe(clipLine(match.mitigation, 400))}`);
  for (const link of lead.links)
    out.push(`      ${terminalSafe(clipLine(link.title, 80))}: ${terminalSafe(link.url)}`);
  const fps = [...new Set(l.failures.map((f) => f.fingerprint))];
  out.push(
    `      Fingerprint: ${fps.join(', ')}${l.notification ? ` · notification ${l.notification.id}` : ''}`,
  );
  return out;
}
