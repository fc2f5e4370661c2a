import type { z } from 'zod';
import {
  activityLogContextSchema,
  envelopeSchema,
  legacyLogContextSchema,
  logSearchContextSchema,
  METRIC_CONDITION_TYPES,
  metricContextSchema,
  prometheusContextSchema,
  COMMON_ALERT_SCHEMA_ID,
  KNOWN_SIGNAL_TYPES,
} from './commonAlertSchema.js';
import type {
  ActivityLogContext,
  Essentials,
  LegacyLogContext,
  LogSearchContext,
  MetricContext,
  PrometheusContext,
} from './commonAlertSchema.js';

/** The signal types the common alert schema documents; any other (or none) is delivered as it is. */
export { KNOWN_SIGNAL_TYPES };

interface AlertBase {
  essentials: Essentials;
  customProperties?: Record<string, string>;
}

/** A validated common-schema alert, its alertContext parsed by the shape its monitoring service uses. */
export type CommonAlert =
  | (AlertBase & { type: 'log-search'; context: LogSearchContext })
  | (AlertBase & { type: 'log-search-legacy'; context: LegacyLogContext })
  | (AlertBase & { type: 'metric'; context: MetricContext })
  | (AlertBase & { type: 'activity-log'; context: ActivityLogContext })
  | (AlertBase & { type: 'prometheus'; context: PrometheusContext })
  | (AlertBase & { type: 'other'; context: Record<string, unknown> });

export type CommonAlertType = CommonAlert['type'];

/** One thing wrong with the input: where (a dotted path into the body) and what. */
export interface InputProblem {
  path: string;
  message: string;
}

export type CommonAlertParse =
  | { kind: 'alert'; alert: CommonAlert }
  /** `json`: the text is not JSON at all; `schema`: JSON, but not a valid common-schema alert. */
  | { kind: 'invalid'; stage: 'json' | 'schema'; problems: InputProblem[] };

const MAX_PROBLEMS = 20;

function pathOf(path: readonly PropertyKey[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out === '' ? String(seg) : `.${String(seg)}`;
  }
  return out === '' ? '(body)' : out;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** The value at a zod issue path (zod 4 issues do not carry their input). */
function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let v = root;
  for (const seg of path) {
    if (Array.isArray(v) && typeof seg === 'number') v = v[seg];
    else if (isObject(v) && typeof seg === 'string') v = v[seg];
    else return undefined;
  }
  return v;
}

/**
 * zod issues -> problems, with a path prefix; messages never quote the input's values. A missing
 * field "is required"; a present one of the wrong type keeps zod's "expected X, received Y".
 */
function problemsOf(error: z.ZodError, root: unknown, prefix: readonly PropertyKey[] = []): InputProblem[] {
  return error.issues.slice(0, MAX_PROBLEMS).map((issue) => {
    const missing = issue.code === 'invalid_type' && valueAt(root, issue.path) === undefined;
    return { path: pathOf([...prefix, ...issue.path]), message: missing ? 'is required' : issue.message };
  });
}

/** Which alertContext shape a payload uses, decided from the documented discriminating fields. */
function contextTypeOf(essentials: Essentials, ctx: Record<string, unknown>): CommonAlertType {
  const conditionType = typeof ctx.conditionType === 'string' ? ctx.conditionType : undefined;
  if (conditionType === 'LogQueryCriteria') return 'log-search';
  if ('SearchQuery' in ctx) return 'log-search-legacy';
  if (conditionType && (METRIC_CONDITION_TYPES as readonly string[]).includes(conditionType)) return 'metric';
  if (conditionType && essentials.signalType === 'Metric' && isObject(ctx.condition)) return 'metric';
  const service = essentials.monitoringService?.toLowerCase() ?? '';
  if (service === 'prometheus' || ('expression' in ctx && 'labels' in ctx)) return 'prometheus';
  if (essentials.signalType === 'Activity Log' || 'eventSource' in ctx) return 'activity-log';
  return 'other';
}

/**
 * Validates a parsed JSON body as a common-schema alert. Every problem found is reported with its
 * path. An unknown or absent signalType is not an error: the alert (a budget alert, say) is one an
 * action group chose to send, and is delivered with its essentials.
 */
export function parseCommonAlert(body: unknown): CommonAlertParse {
  if (!isObject(body)) {
    return {
      kind: 'invalid',
      stage: 'schema',
      problems: [
        { path: '(body)', message: `must be a JSON object with schemaId '${COMMON_ALERT_SCHEMA_ID}'` },
      ],
    };
  }
  const envelope = envelopeSchema.safeParse(body);
  if (!envelope.success)
    return { kind: 'invalid', stage: 'schema', problems: problemsOf(envelope.error, body) };
  const { essentials, alertContext, customProperties } = envelope.data.data;

  const base: AlertBase = customProperties ? { essentials, customProperties } : { essentials };
  const ctx = alertContext ?? {};
  const prefix = ['data', 'alertContext'];
  const type = contextTypeOf(essentials, ctx);
  switch (type) {
    case 'log-search': {
      const r = logSearchContextSchema.safeParse(ctx);
      return r.success
        ? { kind: 'alert', alert: { ...base, type, context: r.data } }
        : { kind: 'invalid', stage: 'schema', problems: problemsOf(r.error, ctx, prefix) };
    }
    case 'log-search-legacy': {
      const r = legacyLogContextSchema.safeParse(ctx);
      return r.success
        ? { kind: 'alert', alert: { ...base, type, context: r.data } }
        : { kind: 'invalid', stage: 'schema', problems: problemsOf(r.error, ctx, prefix) };
    }
    case 'metric': {
      const r = metricContextSchema.safeParse(ctx);
      return r.success
        ? { kind: 'alert', alert: { ...base, type, context: r.data } }
        : { kind: 'invalid', stage: 'schema', problems: problemsOf(r.error, ctx, prefix) };
    }
    case 'activity-log': {
      const r = activityLogContextSchema.safeParse(ctx);
      return r.success
        ? { kind: 'alert', alert: { ...base, type, context: r.data } }
        : { kind: 'invalid', stage: 'schema', problems: problemsOf(r.error, ctx, prefix) };
    }
    case 'prometheus': {
      const r = prometheusContextSchema.safeParse(ctx);
      return r.success
        ? { kind: 'alert', alert: { ...base, type, context: r.data } }
        : { kind: 'invalid', stage: 'schema', problems: problemsOf(r.error, ctx, prefix) };
    }
    case 'other':
      return { kind: 'alert', alert: { ...base, type, context: ctx } };
  }
}

/** Deeper than any alert Azure Monitor sends (about 8 levels); deep nesting only costs stack. */
export const MAX_JSON_DEPTH = 64;

/**
 * Whether JSON text nests objects and arrays deeper than `max`: one pass, each string skipped with
 * indexOf (most of a large alert is string content).
 */
export function jsonDeeperThan(text: string, max: number): boolean {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      // The closing quote is the next one not escaped by an odd run of backslashes.
      let j = i;
      for (;;) {
        j = text.indexOf('"', j + 1);
        if (j < 0) return false;
        let k = j - 1;
        while (text.charCodeAt(k) === 0x5c) k--;
        if ((j - 1 - k) % 2 === 0) break;
      }
      i = j;
    } else if (c === 0x7b || c === 0x5b) {
      if (++depth > max) return true;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return false;
}

/** Parses a request body's text: JSON errors are reported without quoting the body. */
export function parseCommonAlertText(text: string): CommonAlertParse {
  if (text.trim() === '')
    return { kind: 'invalid', stage: 'json', problems: [{ path: '(body)', message: 'is empty' }] };
  if (jsonDeeperThan(text, MAX_JSON_DEPTH))
    return {
      kind: 'invalid',
      stage: 'json',
      problems: [{ path: '(body)', message: `nests deeper than ${MAX_JSON_DEPTH} levels` }],
    };
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (err) {
    const at = /position (\d+)/.exec(err instanceof Error ? err.message : '')?.[1];
    return {
      kind: 'invalid',
      stage: 'json',
      problems: [
        {
          path: '(body)',
          message: at ? `is not valid JSON (error at character ${at})` : 'is not valid JSON',
        },
      ],
    };
  }
  return parseCommonAlert(body);
}

/**
 * The alert back in common-schema form, holding only the fields the schemas keep. Re-parsing it
 * yields the same alert; this is what the inbox stores.
 */
export function toCompactPayload(alert: CommonAlert): {
  schemaId: typeof COMMON_ALERT_SCHEMA_ID;
  data: {
    essentials: Essentials;
    alertContext: Record<string, unknown>;
    customProperties?: Record<string, string>;
  };
} {
  const data: {
    essentials: Essentials;
    alertContext: Record<string, unknown>;
    customProperties?: Record<string, string>;
  } = { essentials: alert.essentials, alertContext: alert.context };
  if (alert.customProperties) data.customProperties = alert.customProperties;
  return { schemaId: COMMON_ALERT_SCHEMA_ID, data };
}
