import { z } from 'zod';
import type { EnrichedFailure } from '../model.js';
import { CATEGORIES, SEVERITIES } from '../model.js';
import { parseDurationMs } from '../config.js';

/** What may key a group: failures equal in all of these within the window become one notification. */
export const GROUP_BY_FIELDS = ['cluster', 'code', 'nodePool', 'kind', 'category'] as const;
export type GroupByField = (typeof GROUP_BY_FIELDS)[number];

export interface Silence {
  /** Shown in listings and recorded with what it muted. */
  comment: string;
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
}

export interface NotifyPolicy {
  groupWindowMs: number;
  groupBy: GroupByField[];
  repeatIntervalMs: number;
  autoRepairHoldMs: number;
  silences: Silence[];
}

export const DEFAULT_POLICY: NotifyPolicy = {
  groupWindowMs: 5 * 60_000,
  groupBy: ['cluster', 'code'],
  repeatIntervalMs: 4 * 3_600_000,
  autoRepairHoldMs: 60 * 60_000,
  silences: [],
};

const duration = z.string().refine((s) => parseDurationMs(s) !== undefined, {
  message: "must be a duration like '90s', '5m', '4h' or '1d'",
});
const isoTime = z
  .string()
  .refine((s) => !Number.isNaN(Date.parse(s)), { message: 'must be an ISO 8601 time' });

const groupingSchema = z
  .object({
    window: duration.optional(),
    by: z.array(z.enum(GROUP_BY_FIELDS)).min(1).optional(),
    repeatInterval: duration.optional(),
    autoRepairHold: duration.optional(),
  })
  .strict();

const silenceSchema = z
  .object({
    comment: z.string().min(1, 'say why (comment)'),
    startsAt: isoTime.optional(),
    endsAt: isoTime.optional(),
    cluster: z.string().optional(),
    code: z.string().optional(),
    category: z.enum(CATEGORIES).optional(),
    kind: z.string().optional(),
    severity: z.enum(SEVERITIES).optional(),
    nodePool: z.string().optional(),
    subscription: z.string().optional(),
    resourceGroup: z.string().optional(),
  })
  .strict();

/**
 * The `grouping:` and `silences:` sections of the routing file -> a policy. Errors name the file,
 * the section, the silence by position and the field; a bad section leaves the defaults in place.
 */
export function parseNotifyPolicy(
  raw: { grouping?: unknown; silences?: unknown },
  fileName: string,
  base: NotifyPolicy = DEFAULT_POLICY,
): { policy: NotifyPolicy; errors: string[] } {
  const policy: NotifyPolicy = { ...base, groupBy: [...base.groupBy], silences: [...base.silences] };
  const errors: string[] = [];
  if (raw.grouping !== undefined) {
    const g = groupingSchema.safeParse(raw.grouping);
    if (!g.success) {
      for (const issue of g.error.issues)
        errors.push(`${fileName}: grouping.${issue.path.join('.') || '(section)'}: ${issue.message}`);
    } else {
      if (g.data.window) policy.groupWindowMs = parseDurationMs(g.data.window) ?? policy.groupWindowMs;
      if (g.data.by) policy.groupBy = g.data.by;
      if (g.data.repeatInterval)
        policy.repeatIntervalMs = parseDurationMs(g.data.repeatInterval) ?? policy.repeatIntervalMs;
      if (g.data.autoRepairHold)
        policy.autoRepairHoldMs = parseDurationMs(g.data.autoRepairHold) ?? policy.autoRepairHoldMs;
    }
  }
  if (raw.silences !== undefined) {
    if (!Array.isArray(raw.silences)) errors.push(`${fileName}: silences: must be a list`);
    else
      raw.silences.forEach((s: unknown, i) => {
        const r = silenceSchema.safeParse(s);
        if (!r.success) {
          for (const issue of r.error.issues)
            errors.push(`${fileName}: silences[${i}].${issue.path.join('.') || '(entry)'}: ${issue.message}`);
        } else policy.silences.push(r.data);
      });
  }
  return { policy, errors };
}

function glob(pattern: string, value: string | undefined): boolean {
  if (value === undefined) return false;
  const re = new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
    'i',
  );
  return re.test(value);
}

/** The silence muting a failure at `now`, if any. Every field given must match; names are globs. */
export function silenceFor(silences: readonly Silence[], f: EnrichedFailure, now: Date): Silence | undefined {
  const t = now.getTime();
  return silences.find((s) => {
    if (s.startsAt && Date.parse(s.startsAt) > t) return false;
    if (s.endsAt && Date.parse(s.endsAt) <= t) return false;
    if (s.cluster && !glob(s.cluster, f.cluster?.name)) return false;
    if (
      s.code &&
      !f.matches.some((m) => glob(s.code ?? '', m.code)) &&
      !f.errorCodes.some((c) => glob(s.code ?? '', c))
    )
      return false;
    if (s.category && s.category !== f.category) return false;
    if (s.kind && s.kind !== f.kind) return false;
    if (s.severity && s.severity !== f.severity) return false;
    if (s.nodePool && !glob(s.nodePool, f.nodePool)) return false;
    if (s.subscription && s.subscription.toLowerCase() !== f.cluster?.subscriptionId.toLowerCase())
      return false;
    if (s.resourceGroup && !glob(s.resourceGroup, f.cluster?.resourceGroup)) return false;
    return true;
  });
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
          return f.nodePool ?? '-';
        case 'kind':
          return f.kind;
        case 'category':
          return f.category ?? '-';
      }
    })
    .join('|');
}
