import { z } from 'zod';
import type { EnrichedFailure } from '../model.js';
import { CATEGORIES, SEVERITIES } from '../model.js';
import { GUID_TEXT, parseDurationMs } from '../config.js';
import { SIGNAL_KINDS } from '../model.js';
import { globMatches } from '../text.js';

/** What may key a group: failures equal in all of these within the window become one notification. */
export const GROUP_BY_FIELDS = ['cluster', 'code', 'nodePool', 'kind', 'category'] as const;
export type GroupByField = (typeof GROUP_BY_FIELDS)[number];

/**
 * Mutes matching failures between `startsAt` and `endsAt` (either open-ended). Every matcher given
 * must match; name matchers (cluster, code, nodePool, resourceGroup) are case-insensitive globs
 * with `*` and `?`.
 */
export interface Silence {
  /** Why; shown in listings and recorded with what it muted. */
  comment: string;
  createdBy?: string;
  startsAt?: string;
  endsAt?: string;
  cluster?: string;
  code?: string;
  category?: string;
  kind?: string;
  severity?: string;
  nodePool?: string;
  subscription?: string;
  resourceGroup?: string;
  /** One failure exactly (a silence recorded from a notification's link). */
  fingerprint?: string;
}

export interface NotifyPolicy {
  groupWindowMs: number;
  groupBy: GroupByField[];
  repeatIntervalMs: number;
  autoRepairHoldMs: number;
  /** How long a NotReady node with no repair under way is held, waiting for auto-repair to start. */
  notReadyGraceMs: number;
  silences: Silence[];
}

export const DEFAULT_POLICY: NotifyPolicy = {
  groupWindowMs: 5 * 60_000,
  groupBy: ['cluster', 'code'],
  repeatIntervalMs: 4 * 3_600_000,
  autoRepairHoldMs: 60 * 60_000,
  // AKS calls a node unhealthy after about 10 minutes NotReady and starts repair 5 minutes later.
  notReadyGraceMs: 15 * 60_000,
  silences: [],
};

/**
 * The defaults the routing file's `grouping:` section overrides, from the NOTIFY_* app settings
 * (as returned by readSettings, already validated); unset or unreadable ones keep the code defaults.
 */
export function notifyPolicyDefaults(settings: {
  NOTIFY_GROUP_WINDOW?: string | undefined;
  NOTIFY_REPEAT_INTERVAL?: string | undefined;
  NOTIFY_AUTOREPAIR_HOLD?: string | undefined;
  NOTIFY_NOTREADY_GRACE?: string | undefined;
}): NotifyPolicy {
  const ms = (v: string | undefined, fallback: number) =>
    v === undefined ? fallback : (parseDurationMs(v) ?? fallback);
  return {
    ...DEFAULT_POLICY,
    groupBy: [...DEFAULT_POLICY.groupBy],
    silences: [],
    groupWindowMs: ms(settings.NOTIFY_GROUP_WINDOW, DEFAULT_POLICY.groupWindowMs),
    repeatIntervalMs: ms(settings.NOTIFY_REPEAT_INTERVAL, DEFAULT_POLICY.repeatIntervalMs),
    autoRepairHoldMs: ms(settings.NOTIFY_AUTOREPAIR_HOLD, DEFAULT_POLICY.autoRepairHoldMs),
    notReadyGraceMs: ms(settings.NOTIFY_NOTREADY_GRACE, DEFAULT_POLICY.notReadyGraceMs),
  };
}

const duration = z.string().refine((s) => parseDurationMs(s) !== undefined, {
  message: "must be a duration like '90s', '5m', '4h' or '1d'",
});
const isoTime = z.string().refine((s) => /^\d{4}-\d\d-\d\dT/.test(s) && !Number.isNaN(Date.parse(s)), {
  message: "must be an ISO 8601 date-time such as '2026-03-14T22:00:00Z'",
});
const pattern = z.string().trim().min(1, 'must not be empty');

const groupingSchema = z
  .object({
    window: duration.optional(),
    by: z.array(z.enum(GROUP_BY_FIELDS)).min(1).optional(),
    repeatInterval: duration.optional(),
    autoRepairHold: duration.optional(),
    notReadyGrace: duration.optional(),
  })
  .strict();

const MATCHERS = [
  'cluster',
  'code',
  'category',
  'kind',
  'severity',
  'nodePool',
  'subscription',
  'resourceGroup',
] as const;

const silenceSchema = z
  .object({
    comment: z.string().trim().min(1, 'say why the silence exists'),
    createdBy: z.string().trim().min(1).optional(),
    startsAt: isoTime.optional(),
    endsAt: isoTime.optional(),
    cluster: pattern.optional(),
    code: pattern.optional(),
    category: z.enum(CATEGORIES).optional(),
    kind: z.enum(SIGNAL_KINDS).optional(),
    severity: z.enum(SEVERITIES).optional(),
    nodePool: pattern.optional(),
    subscription: z.string().trim().regex(GUID_TEXT, 'must be a subscription id (GUID)').optional(),
    resourceGroup: pattern.optional(),
  })
  .strict()
  // A silence without matchers would mute the whole fleet: almost always a mistake in the file.
  .refine((s) => MATCHERS.some((m) => s[m] !== undefined), {
    message: `needs at least one matcher (${MATCHERS.join(', ')})`,
  })
  .refine((s) => !s.startsAt || !s.endsAt || Date.parse(s.startsAt) < Date.parse(s.endsAt), {
    message: 'must end after it starts',
    path: ['endsAt'],
  });

/**
 * The `grouping:` and `silences:` sections of the routing file -> a policy over `base` (the
 * NOTIFY_* settings or the code defaults). Errors name the file, the section, the silence by
 * position and the field; a bad silence is left out, the good ones beside it are kept.
 */
export function parseNotifyPolicy(
  raw: { grouping?: unknown; silences?: unknown },
  fileName: string,
  base: NotifyPolicy = DEFAULT_POLICY,
): { policy: NotifyPolicy; errors: string[] } {
  const policy: NotifyPolicy = { ...base, groupBy: [...base.groupBy], silences: [...base.silences] };
  const errors: string[] = [];
  if (raw.grouping !== undefined && raw.grouping !== null) {
    const g = groupingSchema.safeParse(raw.grouping);
    if (!g.success) {
      for (const issue of g.error.issues)
        errors.push(`${fileName}: grouping.${issue.path.join('.') || '(section)'}: ${issue.message}`);
    } else {
      const ms = (v: string | undefined, fallback: number) =>
        v === undefined ? fallback : (parseDurationMs(v) ?? fallback);
      policy.groupWindowMs = ms(g.data.window, policy.groupWindowMs);
      if (g.data.by) policy.groupBy = [...new Set(g.data.by)];
      policy.repeatIntervalMs = ms(g.data.repeatInterval, policy.repeatIntervalMs);
      policy.autoRepairHoldMs = ms(g.data.autoRepairHold, policy.autoRepairHoldMs);
      policy.notReadyGraceMs = ms(g.data.notReadyGrace, policy.notReadyGraceMs);
    }
  }
  if (raw.silences !== undefined && raw.silences !== null) {
    if (!Array.isArray(raw.silences)) errors.push(`${fileName}: silences: must be a list`);
    else
      raw.silences.forEach((s: unknown, i) => {
        const r = silenceSchema.safeParse(s);
        if (!r.success) {
          for (const issue of r.error.issues)
            errors.push(
              `${fileName}: silences[${String(i)}].${issue.path.join('.') || '(entry)'}: ${issue.message}`,
            );
        } else {
          policy.silences.push({ ...r.data });
        }
      });
  }
  return { policy, errors };
}

/** globMatches, but a value that is not known matches no pattern (not even `*`). */
function glob(pattern: string, value: string | undefined): boolean {
  return value !== undefined && globMatches(pattern, value);
}

/** Whether a silence is in force at `now` (start inclusive, end exclusive). */
export function silenceActive(s: Silence, now: Date): boolean {
  const t = now.getTime();
  if (s.startsAt && Date.parse(s.startsAt) > t) return false;
  if (s.endsAt && Date.parse(s.endsAt) <= t) return false;
  return true;
}

/** Whether every matcher of a silence matches a failure (time aside). */
export function silenceMatches(s: Silence, f: EnrichedFailure): boolean {
  if (s.fingerprint !== undefined && s.fingerprint !== f.fingerprint) return false;
  if (s.cluster && !glob(s.cluster, f.cluster?.name)) return false;
  if (s.code) {
    const code = s.code;
    const codes = [...f.matches.flatMap((m) => [m.code, ...m.aliases]), ...f.errorCodes];
    if (!codes.some((c) => glob(code, c))) return false;
  }
  if (s.category && s.category !== f.category) return false;
  if (s.kind && s.kind !== f.kind) return false;
  if (s.severity && s.severity !== f.severity) return false;
  if (s.nodePool && !glob(s.nodePool, f.nodePool)) return false;
  if (s.subscription && s.subscription.toLowerCase() !== f.cluster?.subscriptionId.toLowerCase())
    return false;
  if (s.resourceGroup && !glob(s.resourceGroup, f.cluster?.resourceGroup)) return false;
  return true;
}

/** The first silence muting a failure at `now`, if any. */
export function silenceFor(silences: readonly Silence[], f: EnrichedFailure, now: Date): Silence | undefined {
  return silences.find((s) => silenceActive(s, now) && silenceMatches(s, f));
}

/** The group key of a failure under a policy. */
export function groupKeyOf(f: EnrichedFailure, by: readonly GroupByField[]): string {
  return by
    .map((field) => {
      switch (field) {
        case 'cluster':
          return f.cluster ? f.cluster.resourceId.toLowerCase() : (f.resourceId?.toLowerCase() ?? '-');
        case 'code':
          return f.matches[0]?.code ?? f.errorCodes[0] ?? `${f.kind}:${f.reason ?? ''}`;
        case 'nodePool':
          return f.nodePool?.toLowerCase() ?? '-';
        case 'kind':
          return f.kind;
        case 'category':
          return f.category ?? '-';
      }
    })
    .join('|');
}
