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
} from './commonAlertSchema.js';
import type {
  ActivityLogContext,
  Essentials,
  LegacyLogContext,
  LogSearchContext,
  MetricContext,
  PrometheusContext,
} from './commonAlertSchema.js';

/** The signal types the common alert schema documents; anything else is skipped, not rejected. */
export const KNOWN_SIGNAL_TYPES = ['Metric', 'Log', 'Activity Log'] as const;

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
  /** Valid envelope, but a signalType this product does not handle: accept and skip. */
  | { kind: 'unsupported'; alertId: string; signalType: string }
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

/** zod issues -> problems, with a path prefix; messages never quote the input's values. */
function problemsOf(error: z.ZodError, prefix: readonly PropertyKey[] = []): InputProblem[] {
  return error.issues.slice(0, MAX_PROBLEMS).map((issue) => {
    const message =
      issue.code === 'invalid_type' && issue.input === undefined ? 'is required' : issue.message;
    return { path: pathOf([...prefix, ...issue.path]), message };
  });
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Which alertContext shape a payload uses, decided from the documented discriminating fields. */
function contextTypeOf(essentials: Essentials, ctx: Record<string, unknown>): CommonAlertType {
  const conditionType = typeof ctx.conditionType === 'string' ? ctx.conditionType : undefined;
  if (conditionType === 'LogQueryCriteria') return 'log-search';
  if ('SearchQuery' in ctx) return 'log-search-legacy';
  if (conditionType && (METRIC_CONDITION_TYPES as readonly string[]).includes(conditionType)) return 'metric';
  if (conditionType && essentials.signalType.toLowerCase() === 'metric' && isObject(ctx.condition))
    return 'metric';
  const service = essentials.monitoringService?.toLowerCase() ?? '';
  if (service === 'prometheus' || ('expression' in ctx && 'labels' in ctx)) return 'prometheus';
  if (essentials.signalType.toLowerCase() === 'activity log' || 'eventSource' in ctx) return 'activity-log';
  return 'other';
}

/**
 * Validates a parsed JSON body as a common-schema alert. Every problem found is reported with its
 * path; an unknown signalType is not an error (the caller accepts and skips it).
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
  if (!envelope.success) return { kind: 'invalid', stage: 'schema', problems: problemsOf(envelope.error) };
  const { essentials, alertContext, customProperties } = envelope.data.data;

  const signalType = KNOWN_SIGNAL_TYPES.find((t) => t.toLowerCase() === essentials.signalType.toLowerCase());
  if (!signalType)
    return { kind: 'unsupported', alertId: essentials.alertId, signalType: essentials.signalType };
  const canonical: Essentials = { ...essentials, signalType };

  const base: AlertBase = customProperties
    ? { essentials: canonical, customProperties }
    : { essentials: canonical };
  const ctx = alertContext ?? {};
  const prefix = ['data', 'alertContext'];
  const type = contextTypeOf(canonical, ctx);
  switch (type) {
    case 'log-search': {
      const r = logSearchContextSchema.safeParse(ctx);
      return r.success
        ? { kind: 'alert', alert: { ...base, type, context: r.data } }
        : { kind: 'invalid', stage: 'schema', problems: problemsOf(r.error, prefix) };
    }
    case 'log-search-legacy': {
      const r = legacyLogContextSchema.safeParse(ctx);
      return r.success
        ? { kind: 'alert', alert: { ...base, type, context: r.data } }
        : { kind: 'invalid', stage: 'schema', problems: problemsOf(r.error, prefix) };
    }
    case 'metric': {
      const r = metricContextSchema.safeParse(ctx);
      return r.success
        ? { kind: 'alert', alert: { ...base, type, context: r.data } }
        : { kind: 'invalid', stage: 'schema', problems: problemsOf(r.error, prefix) };
    }
    case 'activity-log': {
      const r = activityLogContextSchema.safeParse(ctx);
      return r.success
        ? { kind: 'alert', alert: { ...base, type, context: r.data } }
        : { kind: 'invalid', stage: 'schema', problems: problemsOf(r.error, prefix) };
    }
    case 'prometheus': {
      const r = prometheusContextSchema.safeParse(ctx);
      return r.success
        ? { kind: 'alert', alert: { ...base, type, context: r.data } }
        : { kind: 'invalid', stage: 'schema', problems: problemsOf(r.error, prefix) };
    }
    case 'other':
      return { kind: 'alert', alert: { ...base, type, context: ctx } };
  }
}

/** Parses a request body's text: JSON errors are reported without quoting the body. */
export function parseCommonAlertText(text: string): CommonAlertParse {
  if (text.trim() === '')
    return { kind: 'invalid', stage: 'json', problems: [{ path: '(body)', message: 'is empty' }] };
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
