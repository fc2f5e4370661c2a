import { z } from 'zod';
import { CATEGORIES, SEVERITIES } from '../model.js';
import { SINK_TYPES } from '../model.js';
import { SIGNAL_KINDS, SIGNAL_SOURCES } from '../model.js';

/** The routing file as written: what a person can put in it, validated with clear messages. */

const SETTING_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export interface SettingRef {
  setting: string;
}

/** `{ setting: NAME }`: a value read from an app setting (a Key Vault reference in Azure). */
function settingRef(what: 'url' | 'secret') {
  return z.unknown().transform((value, ctx): SettingRef => {
    if (typeof value === 'string') {
      ctx.addIssue({
        code: 'custom',
        message:
          what === 'url'
            ? 'inline URLs are not accepted (a webhook URL is a credential); put it in an app setting (a Key Vault reference in Azure) and write `url: { setting: APP_SETTING_NAME }`'
            : 'inline secrets are not accepted; put it in an app setting (a Key Vault reference in Azure) and write `secret: { setting: APP_SETTING_NAME }`',
      });
      return z.NEVER;
    }
    const ref = z.strictObject({ setting: z.string().regex(SETTING_NAME) }).safeParse(value);
    if (!ref.success) {
      ctx.addIssue({
        code: 'custom',
        message: 'expected `{ setting: APP_SETTING_NAME }` (letters, digits, _)',
      });
      return z.NEVER;
    }
    return ref.data;
  });
}

/** One value or a list of them (any of which matches). */
function oneOrMany<T extends z.ZodType>(item: T) {
  return z.preprocess((v: unknown) => (Array.isArray(v) ? (v as unknown[]) : [v]), z.array(item).min(1));
}

const SEVERITY_COMPARISON = /^\s*(>=|<=|>|<|==?)?\s*(critical|error|warning|info)\s*$/;

/** `error`, `[critical, error]` or `>= error` (at least as severe as error). */
const severityMatch = z
  .union([z.string(), z.array(z.string())], {
    error: `expected a severity (${SEVERITIES.join(', ')}), a list of them, or a comparison like '>= error'`,
  })
  .transform((value, ctx): (typeof SEVERITIES)[number][] => {
    if (Array.isArray(value)) {
      const list = z.array(z.enum(SEVERITIES)).min(1).safeParse(value);
      if (list.success) return list.data;
      for (const issue of list.error.issues)
        ctx.addIssue({ code: 'custom', message: issue.message, path: issue.path });
      return z.NEVER;
    }
    const m = SEVERITY_COMPARISON.exec(value);
    if (!m?.[2]) {
      ctx.addIssue({
        code: 'custom',
        message: `expected a severity (${SEVERITIES.join(', ')}), a list of them, or a comparison like '>= error'`,
      });
      return z.NEVER;
    }
    const rank = SEVERITIES.indexOf(m[2] as (typeof SEVERITIES)[number]);
    const op = m[1] ?? '=';
    // Lower index = more severe, so ">= error" is every severity at or before error.
    return SEVERITIES.filter((_, i) =>
      op === '>='
        ? i <= rank
        : op === '>'
          ? i < rank
          : op === '<='
            ? i >= rank
            : op === '<'
              ? i > rank
              : i === rank,
    );
  });

const glob = z.string().min(1);

export const matchSchema = z.strictObject({
  severity: severityMatch.optional(),
  status: oneOrMany(z.enum(['firing', 'resolved'])).optional(),
  category: oneOrMany(z.enum(CATEGORIES)).optional(),
  code: oneOrMany(glob).optional(),
  kind: oneOrMany(z.enum(SIGNAL_KINDS)).optional(),
  source: oneOrMany(z.enum(SIGNAL_SOURCES)).optional(),
  subscription: oneOrMany(glob).optional(),
  resourceGroup: oneOrMany(glob).optional(),
  cluster: oneOrMany(glob).optional(),
  nodePool: oneOrMany(glob).optional(),
  tags: z.record(z.string().min(1), glob).optional(),
});
export type MatchSpec = z.output<typeof matchSchema>;

const receiverName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, 'expected a name of letters, digits, _ . - (at most 64)');

export const receiverSchema = z.strictObject({
  name: receiverName,
  type: z.enum(SINK_TYPES),
  url: settingRef('url').optional(),
  secret: settingRef('secret').optional(),
  maxPerSecond: z.number().positive().max(100).optional(),
});

export const routeSchema = z.strictObject({
  name: z.string().min(1).optional(),
  match: matchSchema.optional(),
  receivers: z.array(receiverName).min(1),
  continue: z.boolean().optional(),
});

const receiverList = z.strictObject({ receivers: z.array(receiverName).min(1) });

export const routingFileSchema = z.strictObject({
  receivers: z.array(receiverSchema).min(1),
  routes: z.array(routeSchema).default([]),
  default: receiverList.optional(),
  digest: receiverList.optional(),
  // Read by the grouping and silence stages.
  grouping: z.unknown().optional(),
  silences: z.unknown().optional(),
});
export type RoutingFile = z.output<typeof routingFileSchema>;
