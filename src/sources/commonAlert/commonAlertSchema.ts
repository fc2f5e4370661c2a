import { z } from 'zod';

/**
 * The Azure Monitor common alert schema, as action groups post it. The schemas validate and strip
 * unknown keys but never rename or reshape: what they output is again valid input, so the compact
 * alert written to the inbox re-parses to the same value.
 */

export const COMMON_ALERT_SCHEMA_ID = 'azureMonitorCommonAlertSchema';

const str = z.string();
const optStr = z.string().nullish();
/** Text that some payloads send as a number (service health sends `channels: 1`, `eventSource: 2`, `level: 3`). */
const optText = z
  .union([z.string(), z.number(), z.boolean()])
  .nullish()
  .transform((v) => (v === null || v === undefined ? v : String(v)));
const nonEmpty = z.string().trim().min(1, 'must be a non-empty string');

/** A date-time string in any form `Date.parse` understands (ISO 8601 with 7 fractional digits included). */
const dateTime = z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'must be an ISO 8601 date-time');

/** Matches known values case-insensitively and outputs the canonical spelling. */
function caseInsensitiveEnum<const T extends readonly [string, ...string[]]>(values: T) {
  return z.string().transform((v, ctx): T[number] => {
    const hit = values.find((c) => c.toLowerCase() === v.trim().toLowerCase());
    if (hit === undefined) {
      ctx.addIssue({ code: 'custom', message: `must be one of ${values.join(', ')}` });
      return z.NEVER;
    }
    return hit;
  });
}

/** Arrays of ids where Azure sometimes puts nulls: keep the strings. */
const idList = z
  .array(z.string().nullable())
  .transform((items) => items.filter((i): i is string => typeof i === 'string' && i.trim() !== ''));

/** String-valued maps (customProperties, alert rule properties); scalars are kept as text. */
const stringMap = z.record(
  z.string(),
  z.union([z.string(), z.number(), z.boolean(), z.null()]).transform((v) => (v === null ? '' : String(v))),
);

export const SEVERITY_LEVELS = ['Sev0', 'Sev1', 'Sev2', 'Sev3', 'Sev4'] as const;
export const MONITOR_CONDITIONS = ['Fired', 'Resolved'] as const;

/** The documented signal types; payloads also spell them without the space ("ActivityLog"). */
export const KNOWN_SIGNAL_TYPES = ['Metric', 'Log', 'Activity Log'] as const;

const squash = (s: string): string => s.replace(/\s+/g, '').toLowerCase();

/** The canonical spelling of a known signal type; any other value is kept as sent. */
export function canonicalSignalType(value: string | null | undefined): string | undefined {
  const v = value?.trim();
  if (!v) return undefined;
  return KNOWN_SIGNAL_TYPES.find((t) => squash(t) === squash(v)) ?? v;
}

const essentialsFields = z.object({
  alertId: nonEmpty,
  // Null in budget and cost alerts, which have no alert rule (the essentials transform names one).
  alertRule: optStr,
  // Both spellings occur in the documented payloads.
  alertRuleID: optStr,
  alertRuleId: optStr,
  // Null in budget and cost alerts.
  severity: caseInsensitiveEnum(SEVERITY_LEVELS).nullish(),
  signalType: optStr,
  monitorCondition: caseInsensitiveEnum(MONITOR_CONDITIONS),
  monitoringService: optStr,
  alertTargetIDs: idList.nullish(),
  configurationItems: idList.nullish(),
  originAlertId: optStr,
  firedDateTime: dateTime,
  resolvedDateTime: dateTime.nullish(),
  description: optStr,
  essentialsVersion: optStr,
  alertContextVersion: optStr,
  investigationLink: optStr,
  targetResourceGroup: optStr,
  targetResourceType: optStr,
});

/**
 * Essentials with a rule name always present (the rule, else the monitoring service, else the
 * alert id's last segment) and the signal type in its canonical spelling. Idempotent, so the compact
 * alert re-parses to the same value.
 */
export const essentialsSchema = essentialsFields.transform((e) => {
  const rule =
    e.alertRule?.trim() ||
    (e.monitoringService?.trim() ? `${e.monitoringService.trim()} alert` : '') ||
    e.alertId.trim().split('/').pop() ||
    e.alertId.trim();
  return { ...e, alertRule: rule, signalType: canonicalSignalType(e.signalType) };
});
export type Essentials = z.output<typeof essentialsSchema>;

const dimensionsSchema = z
  .array(z.object({ name: str, value: z.union([str, z.number(), z.boolean(), z.null()]) }))
  .transform((dims) => dims.map((d) => ({ name: d.name, value: d.value === null ? '' : String(d.value) })))
  .nullish();
export type Dimension = { name: string; value: string };

const numberish = z.union([z.number(), z.string()]).nullish();

/**
 * Criteria one alert may list: a log search rule has one, a metric rule at most five. More only
 * make an alert expensive to process, so such a payload is refused.
 */
export const MAX_CRITERIA = 20;

/** Rows embedded by the "Simple Log Alert" payload: one array of {name, value} pairs per row. */
const embeddedEventRows = z.array(z.array(z.object({ name: str, value: z.unknown() }))).nullish();

export const logQueryCriterionSchema = z.object({
  searchQuery: nonEmpty,
  metricMeasureColumn: optStr,
  targetResourceTypes: optStr,
  operator: optStr,
  threshold: numberish,
  timeAggregation: optStr,
  dimensions: dimensionsSchema,
  metricValue: numberish,
  failingPeriods: z
    .object({ numberOfEvaluationPeriods: numberish, minFailingPeriodsToAlert: numberish })
    .nullish(),
  linkToSearchResultsUI: optStr,
  linkToFilteredSearchResultsUI: optStr,
  linkToSearchResultsAPI: optStr,
  linkToFilteredSearchResultsAPI: optStr,
  event: embeddedEventRows,
});
export type LogQueryCriterion = z.output<typeof logQueryCriterionSchema>;

/** Log search alerts, scheduledQueryRules 2021-08-01+ ("Log Alerts V2"), and "Simple Log Alert". */
export const logSearchContextSchema = z.object({
  properties: stringMap.nullish(),
  conditionType: z.literal('LogQueryCriteria'),
  condition: z.object({
    windowSize: optStr,
    allOf: z
      .array(logQueryCriterionSchema)
      .min(1, 'must list at least one criterion')
      .max(MAX_CRITERIA, `must list at most ${MAX_CRITERIA} criteria`),
    windowStartTime: dateTime.nullish(),
    windowEndTime: dateTime.nullish(),
  }),
});
export type LogSearchContext = z.output<typeof logSearchContextSchema>;

const searchResultsTable = z.object({
  name: optStr,
  columns: z.array(z.object({ name: str, type: optStr })),
  rows: z.array(z.array(z.unknown())),
});

/** The older log alert payloads (monitoringService "Log Analytics" / "Application Insights"). */
export const legacyLogContextSchema = z.object({
  SearchQuery: nonEmpty,
  SearchIntervalStartTimeUtc: optStr,
  SearchIntervalEndtimeUtc: optStr,
  SearchIntervalEndTimeUtc: optStr,
  ResultCount: numberish,
  LinkToSearchResults: optStr,
  LinkToFilteredSearchResultsUI: optStr,
  LinkToSearchResultsAPI: optStr,
  LinkToFilteredSearchResultsAPI: optStr,
  WorkspaceId: optStr,
  ApplicationId: optStr,
  AffectedConfigurationItems: idList.nullish(),
  Threshold: numberish,
  Operator: optStr,
  Dimensions: dimensionsSchema,
  SearchResults: z.object({ tables: z.array(searchResultsTable) }).nullish(),
  IncludedSearchResults: z.union([str, z.boolean()]).nullish(),
  AlertType: optStr,
});
export type LegacyLogContext = z.output<typeof legacyLogContextSchema>;

export const metricCriterionSchema = z.object({
  metricName: optStr,
  metricNamespace: optStr,
  operator: optStr,
  threshold: numberish,
  timeAggregation: optStr,
  dimensions: dimensionsSchema,
  metricValue: numberish,
  webTestName: optStr,
  alertSensitivity: optStr,
});
export type MetricCriterion = z.output<typeof metricCriterionSchema>;

export const METRIC_CONDITION_TYPES = [
  'SingleResourceMultipleMetricCriteria',
  'MultipleResourceMultipleMetricCriteria',
  'DynamicThresholdCriteria',
  'WebtestLocationAvailabilityCriteria',
] as const;

export const metricContextSchema = z.object({
  properties: stringMap.nullish(),
  conditionType: nonEmpty,
  condition: z.object({
    windowSize: optStr,
    allOf: z.array(metricCriterionSchema).max(MAX_CRITERIA, `must list at most ${MAX_CRITERIA} criteria`),
    windowStartTime: dateTime.nullish(),
    windowEndTime: dateTime.nullish(),
  }),
});
export type MetricContext = z.output<typeof metricContextSchema>;

/**
 * Activity log alerts (Administrative, Policy, Autoscale, Security, ServiceHealth, ResourceHealth).
 * `claims` is dropped on purpose: it is the caller's token claims, noise at best.
 */
export const activityLogContextSchema = z.object({
  authorization: z.object({ action: optText, scope: optText }).nullish(),
  channels: optText,
  caller: optText,
  correlationId: optText,
  eventSource: optText,
  eventTimestamp: dateTime.nullish(),
  eventDataId: optText,
  level: optText,
  operationName: optText,
  operationId: optText,
  properties: z.record(z.string(), z.unknown()).nullish(),
  status: optText,
  subStatus: optText,
  submissionTimestamp: optText,
});
export type ActivityLogContext = z.output<typeof activityLogContextSchema>;

/** Azure Monitor managed Prometheus rule alerts. */
export const prometheusContextSchema = z.object({
  interval: optStr,
  expression: optStr,
  expressionValue: numberish,
  for: optStr,
  labels: stringMap.nullish(),
  annotations: stringMap.nullish(),
  ruleGroup: optStr,
});
export type PrometheusContext = z.output<typeof prometheusContextSchema>;

export const envelopeSchema = z.object({
  schemaId: z.literal(COMMON_ALERT_SCHEMA_ID, {
    error: `must be '${COMMON_ALERT_SCHEMA_ID}' (enable the common alert schema on the action group's webhook action)`,
  }),
  data: z.object({
    essentials: essentialsSchema,
    alertContext: z.record(z.string(), z.unknown()).nullish(),
    customProperties: stringMap.nullish(),
  }),
});
