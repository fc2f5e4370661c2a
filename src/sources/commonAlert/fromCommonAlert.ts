import type { FailureSignal, Severity, SignalStatus } from '../../model.js';
import { alertTargetOf, commonAlertKey } from './alertIdentity.js';
import type { AlertTarget } from './alertIdentity.js';
import { armErrorParts } from './armErrorParts.js';
import type { CommonAlert } from './parseCommonAlert.js';
import { allowedLink, truncate as clip } from '../../text.js';
import type { ActivityLogContext, Dimension, Essentials, MetricCriterion } from './commonAlertSchema.js';

/** Alert rule severities as the operator chose them: Sev0 Critical .. Sev3 Informational, Sev4 Verbose. */
const SEVERITY_HINT: Record<NonNullable<Essentials['severity']>, Severity> = {
  Sev0: 'critical',
  Sev1: 'error',
  Sev2: 'warning',
  Sev3: 'info',
  Sev4: 'info',
};

const MAX_ATTRIBUTE_LENGTH = 500;
const MAX_ATTRIBUTES = 40;
const MAX_TEXT_LENGTH = 8_000;
const MAX_REASON_LENGTH = 300;

export interface FromCommonAlertOptions {
  /** When the delivery was received; the time of a resolve whose payload carries no resolvedDateTime. */
  receivedAt?: string;
  /** Hosts the alert's investigation link may point at (LINK_HOST_ALLOW_LIST); else it is dropped. */
  linkHosts?: readonly string[];
}

function iso(value: string | null | undefined): string | undefined {
  if (!value) return undefined;
  const t = Date.parse(value);
  return Number.isNaN(t) ? undefined : new Date(t).toISOString();
}

/** Small string attributes: empty values dropped, long ones clipped, count capped. */
class Attributes {
  readonly values: Record<string, string> = {};
  private count = 0;
  set(name: string, value: unknown): void {
    if (value === undefined || value === null || this.count >= MAX_ATTRIBUTES) return;
    let text: string;
    if (typeof value === 'string') text = value;
    else if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint')
      text = String(value);
    else text = JSON.stringify(value);
    if (text.trim() === '' || name in this.values) return;
    this.values[name] = clip(text.trim(), MAX_ATTRIBUTE_LENGTH);
    this.count++;
  }
}

function shortOperation(operationName: string): string {
  return operationName.replace(/^microsoft\.containerservice\//i, '');
}

const squash = (s: string | null | undefined): string => (s ?? '').replace(/[\s_-]+/g, '').toLowerCase();

/**
 * Resource or service health, told by the event source, the monitoring service or the operation:
 * service health payloads send `eventSource` as a number (2), so no one field is enough.
 */
function healthKindOf(
  alert: Extract<CommonAlert, { type: 'activity-log' }>,
): 'resource' | 'service' | undefined {
  const source = squash(alert.context.eventSource);
  const service = squash(alert.essentials.monitoringService);
  const operation = (alert.context.operationName ?? '').toLowerCase();
  if (
    source === 'resourcehealth' ||
    service === 'resourcehealth' ||
    operation.startsWith('microsoft.resourcehealth/')
  )
    return 'resource';
  if (
    source === 'servicehealth' ||
    service === 'servicehealth' ||
    operation.startsWith('microsoft.servicehealth/')
  )
    return 'service';
  return undefined;
}

function statusOf(alert: CommonAlert): SignalStatus {
  if (alert.essentials.monitorCondition === 'Resolved') return 'resolved';
  // Resource and service health report recovery as a new activity-log event with status Resolved.
  if (
    alert.type === 'activity-log' &&
    healthKindOf(alert) !== undefined &&
    alert.context.status?.toLowerCase() === 'resolved'
  )
    return 'resolved';
  return 'firing';
}

function occurredAtOf(alert: CommonAlert, status: SignalStatus, options: FromCommonAlertOptions): string {
  const e = alert.essentials;
  if (status === 'resolved' && e.monitorCondition === 'Resolved')
    return iso(e.resolvedDateTime) ?? iso(options.receivedAt) ?? (iso(e.firedDateTime) as string);
  if (alert.type === 'activity-log')
    return iso(alert.context.eventTimestamp) ?? (iso(e.firedDateTime) as string);
  return iso(e.firedDateTime) as string;
}

/** Rule name plus the dimensions that tell its alert instances apart (sorted, so order cannot matter). */
function ruleReason(rule: string, dims: readonly Dimension[]): string {
  if (dims.length === 0) return rule;
  const parts = [...dims].map((d) => `${d.name}=${d.value}`).sort();
  return clip(`${rule} {${parts.join(', ')}}`, MAX_REASON_LENGTH);
}

function baseAttributes(alert: CommonAlert, options: FromCommonAlertOptions): Attributes {
  const e = alert.essentials;
  const a = new Attributes();
  a.set('alertRule', e.alertRule);
  a.set('alertSeverity', e.severity);
  a.set('monitoringService', e.monitoringService);
  a.set('signalType', e.signalType);
  a.set('alertId', e.alertId);
  a.set('alertRuleId', e.alertRuleID ?? e.alertRuleId);
  a.set('firedAt', iso(e.firedDateTime));
  if (e.resolvedDateTime) a.set('resolvedAt', iso(e.resolvedDateTime));
  // Kept only where a reader may be sent: it becomes a button and is shown in every sink's details.
  if (e.investigationLink && allowedLink(e.investigationLink, options.linkHosts))
    a.set('investigationLink', e.investigationLink);
  return a;
}

function addProperties(
  a: Attributes,
  props: Record<string, string> | null | undefined,
  prefix: string,
): void {
  for (const [k, v] of Object.entries(props ?? {})) a.set(`${prefix}${k}`, v);
}

function baseSignal(
  alert: CommonAlert,
  target: AlertTarget,
  options: FromCommonAlertOptions,
): Omit<FailureSignal, 'kind' | 'title' | 'texts' | 'errorCodes' | 'attributes' | 'reason'> {
  const status = statusOf(alert);
  const signal: Omit<FailureSignal, 'kind' | 'title' | 'texts' | 'errorCodes' | 'attributes' | 'reason'> = {
    source: 'common-alert',
    sourceId: commonAlertKey(alert.essentials),
    occurredAt: occurredAtOf(alert, status, options),
    status,
  };
  // Budget and cost alerts carry no severity.
  if (alert.essentials.severity) signal.severityHint = SEVERITY_HINT[alert.essentials.severity];
  if (target.cluster) signal.cluster = target.cluster;
  if (target.resourceId) signal.resourceId = target.resourceId;
  if (target.nodePool) signal.nodePool = target.nodePool;
  if (target.node) signal.node = target.node;
  return signal;
}

/**
 * Text the catalog is asked about for alerts that can resolve. It must be the same when the alert
 * fires and when it resolves, so it holds only what the rule defines (description, metric names,
 * operators) and never values measured at firing time. It is never empty, so enrichment does not
 * substitute the cluster's provisioning error on one side only.
 */
function stableTexts(alert: CommonAlert, conditions: readonly string[]): string[] {
  const e = alert.essentials;
  const texts = [e.description?.trim() ?? '', ...conditions].filter((t) => t !== '');
  return texts.length > 0
    ? texts
    : [`${e.monitoringService ?? e.signalType ?? 'Azure Monitor'} alert ${e.alertRule}`];
}

function metricCondition(c: MetricCriterion): string {
  const what = c.webTestName ? `availability test ${c.webTestName}` : (c.metricName ?? 'metric');
  return [what, c.timeAggregation, c.operator].filter(Boolean).join(' ');
}

const OPERATOR_SYMBOL: Record<string, string> = {
  greaterthan: '>',
  greaterthanorequal: '>=',
  lessthan: '<',
  lowerthan: '<',
  lessthanorequal: '<=',
  lowerthanorequal: '<=',
  equals: '=',
  equal: '=',
  notequals: '!=',
  greaterorlessthan: 'outside',
};

function operatorText(operator: string | null | undefined): string {
  if (!operator) return 'threshold';
  return OPERATOR_SYMBOL[operator.replace(/\s+/g, '').toLowerCase()] ?? operator;
}

/** "Percentage CPU (Average) 93.1, alert when > 80". */
function metricHeadline(c: MetricCriterion): string {
  const what = c.webTestName ? `availability test ${c.webTestName}` : (c.metricName ?? 'metric');
  const agg = c.timeAggregation ? ` (${c.timeAggregation})` : '';
  const value = c.metricValue !== null && c.metricValue !== undefined ? ` ${String(c.metricValue)}` : '';
  const threshold =
    c.threshold !== null && c.threshold !== undefined
      ? `, alert when ${operatorText(c.operator)} ${String(c.threshold)}`
      : '';
  return `${what}${agg}${value}${threshold}`;
}

function fromMetric(
  alert: Extract<CommonAlert, { type: 'metric' }>,
  options: FromCommonAlertOptions,
): FailureSignal {
  const target = alertTargetOf(alert);
  const a = baseAttributes(alert, options);
  const criteria = alert.context.condition.allOf;
  criteria.forEach((c, i) => {
    const p = criteria.length > 1 ? `metric${i + 1}.` : 'metric.';
    a.set(`${p}name`, c.metricName);
    a.set(`${p}namespace`, c.metricNamespace);
    a.set(`${p}value`, c.metricValue);
    a.set(`${p}operator`, c.operator);
    a.set(`${p}threshold`, c.threshold);
    a.set(`${p}aggregation`, c.timeAggregation);
    a.set(`${p}webTest`, c.webTestName);
    for (const d of c.dimensions ?? []) a.set(`${p}dimension.${d.name}`, d.value);
  });
  a.set('windowSize', alert.context.condition.windowSize);
  a.set('windowStart', iso(alert.context.condition.windowStartTime));
  a.set('windowEnd', iso(alert.context.condition.windowEndTime));
  addProperties(a, alert.context.properties, 'property.');
  addProperties(a, alert.customProperties, 'property.');
  const described = criteria.map(metricHeadline).join('; ');
  return {
    ...baseSignal(alert, target, options),
    kind: 'alert',
    reason: ruleReason(alert.essentials.alertRule, target.otherDimensions),
    title: described ? `${alert.essentials.alertRule}: ${described}` : alert.essentials.alertRule,
    texts: stableTexts(alert, criteria.map(metricCondition)),
    errorCodes: [],
    attributes: a.values,
  };
}

function fromPrometheus(
  alert: Extract<CommonAlert, { type: 'prometheus' }>,
  options: FromCommonAlertOptions,
): FailureSignal {
  const target = alertTargetOf(alert);
  const ctx = alert.context;
  const a = baseAttributes(alert, options);
  a.set('expression', ctx.expression);
  a.set('expressionValue', ctx.expressionValue);
  a.set('for', ctx.for);
  a.set('ruleGroup', ctx.ruleGroup);
  for (const [k, v] of Object.entries(ctx.annotations ?? {})) a.set(`annotation.${k}`, v);
  for (const [k, v] of Object.entries(ctx.labels ?? {})) a.set(`label.${k}`, v);
  addProperties(a, alert.customProperties, 'property.');
  const headline = ctx.annotations?.summary ?? ctx.annotations?.description ?? ctx.expression ?? '';
  const alertName = ctx.labels?.alertname ?? alert.essentials.alertRule;
  return {
    ...baseSignal(alert, target, options),
    kind: 'alert',
    reason: ruleReason(
      alertName,
      target.otherDimensions.filter((d) => d.name !== 'alertname'),
    ),
    title: headline ? `${alertName}: ${clip(headline, 300)}` : alertName,
    texts: stableTexts(alert, ctx.expression ? [ctx.expression] : []),
    errorCodes: [],
    attributes: a.values,
  };
}

/** A string property by name, any case: autoscale events have sent both `description` and `Description`. */
function stringProp(ctx: ActivityLogContext, name: string): string | undefined {
  const props = ctx.properties ?? {};
  const exact = props[name];
  if (typeof exact === 'string') return exact;
  const lower = name.toLowerCase();
  for (const [k, v] of Object.entries(props))
    if (k.toLowerCase() === lower && typeof v === 'string') return v;
  return undefined;
}

const FAILED_STATUSES = new Set(['failed', 'failure']);

function fromActivityLog(
  alert: Extract<CommonAlert, { type: 'activity-log' }>,
  options: FromCommonAlertOptions,
): FailureSignal {
  const target = alertTargetOf(alert);
  const ctx = alert.context;
  const e = alert.essentials;
  const a = baseAttributes(alert, options);
  const health = healthKindOf(alert);
  const operation = ctx.operationName ?? ctx.authorization?.action ?? '';
  a.set('operationName', operation);
  a.set('operationStatus', ctx.status);
  a.set('operationSubStatus', ctx.subStatus);
  a.set('level', ctx.level);
  a.set('caller', ctx.caller);
  a.set('statusCode', stringProp(ctx, 'statusCode'));
  a.set('eventDataId', ctx.eventDataId);
  a.set('operationId', ctx.operationId);

  if (health) {
    const p = ctx.properties ?? {};
    for (const key of [
      'title',
      'currentHealthStatus',
      'previousHealthStatus',
      'type',
      'cause',
      'details',
      'service',
      'region',
      'incidentType',
      'trackingId',
      'stage',
      'impactStartTime',
      'impactMitigationTime',
    ])
      a.set(`health.${key}`, p[key]);
    const title = typeof p.title === 'string' && p.title.trim() ? p.title.trim() : (ctx.status ?? '');
    const kindLabel = health === 'resource' ? 'Resource Health' : 'Service Health';
    return {
      ...baseSignal(alert, target, options),
      kind: 'alert',
      reason: e.alertRule,
      title: clip(`${e.alertRule}: ${kindLabel}${title ? ` - ${title}` : ''}`, 400),
      texts: stableTexts(alert, []),
      errorCodes: [],
      attributes: a.values,
      ...(ctx.correlationId ? { correlationId: ctx.correlationId } : {}),
    };
  }

  // A request ARM refused outright carries its error as the response body, not a statusMessage.
  const statusMessage = ctx.properties?.statusMessage ?? ctx.properties?.responseBody;
  const parts = armErrorParts(statusMessage);
  const failed =
    FAILED_STATUSES.has(ctx.status?.toLowerCase() ?? '') ||
    parts.codes.length > 0 ||
    ctx.level?.toLowerCase() === 'error';
  const isAksOperation = /^microsoft\.containerservice\//i.test(operation) || target.cluster !== undefined;
  const kind = failed && target.cluster && isAksOperation ? 'operation-failed' : 'alert';
  const texts = parts.messages.map((m) => clip(m, MAX_TEXT_LENGTH));
  if (texts.length === 0) {
    // Policy, autoscale and security events describe themselves in free-text properties.
    for (const key of ['description', 'message', 'policies', 'remediationSteps']) {
      const v = stringProp(ctx, key);
      if (v?.trim() && (key !== 'message' || v.trim() !== operation))
        texts.push(clip(v.trim(), MAX_TEXT_LENGTH));
    }
  }
  if (texts.length === 0 && e.description?.trim()) texts.push(e.description.trim());
  const op = shortOperation(operation);
  const code = parts.codes[0];
  const title = failed
    ? `${op || e.alertRule} failed${code ? `: ${code}` : ''}`
    : `${e.alertRule}: ${op}${ctx.status ? ` ${ctx.status}` : ''}`;
  for (const [k, v] of Object.entries(ctx.properties ?? {})) {
    if (
      [
        'statusMessage',
        'responseBody',
        'statusCode',
        'entity',
        'hierarchy',
        'message',
        'eventCategory',
      ].includes(k)
    )
      continue;
    a.set(`property.${k}`, v);
  }
  addProperties(a, alert.customProperties, 'property.');
  return {
    ...baseSignal(alert, target, options),
    kind,
    reason: operation || e.alertRule,
    title: clip(title, 400),
    texts,
    errorCodes: parts.codes,
    attributes: a.values,
    ...(ctx.correlationId ? { correlationId: ctx.correlationId } : {}),
  };
}

function fromOther(
  alert: Extract<CommonAlert, { type: 'other' }>,
  options: FromCommonAlertOptions,
): FailureSignal {
  const target = alertTargetOf(alert);
  const a = baseAttributes(alert, options);
  for (const [k, v] of Object.entries(alert.context)) {
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') a.set(`context.${k}`, v);
  }
  addProperties(a, alert.customProperties, 'property.');
  const e = alert.essentials;
  return {
    ...baseSignal(alert, target, options),
    kind: 'alert',
    reason: e.alertRule,
    title: e.description?.trim() ? `${e.alertRule}: ${clip(e.description.trim(), 300)}` : e.alertRule,
    texts: stableTexts(alert, []),
    errorCodes: [],
    attributes: a.values,
  };
}

/**
 * The alert itself as one signal, for log search alerts whose rows are not at hand (no rows in the
 * window, rows unavailable, or a resolve). Its identity is the rule, target and dimensions, never
 * anything measured at firing time, so a resolve carries the same identity as the fired alert.
 */
export function logSearchAlertSignal(
  alert: Extract<CommonAlert, { type: 'log-search' | 'log-search-legacy' }>,
  options: FromCommonAlertOptions & { note?: string } = {},
): FailureSignal {
  const target = alertTargetOf(alert);
  const a = baseAttributes(alert, options);
  const e = alert.essentials;
  if (alert.type === 'log-search') {
    const c = alert.context.condition;
    c.allOf.forEach((x, i) => {
      const p = c.allOf.length > 1 ? `query${i + 1}.` : 'query.';
      a.set(`${p}text`, x.searchQuery);
      a.set(`${p}operator`, x.operator);
      a.set(`${p}threshold`, x.threshold);
      a.set(`${p}value`, x.metricValue);
      a.set(`${p}aggregation`, x.timeAggregation);
      for (const d of x.dimensions ?? []) a.set(`${p}dimension.${d.name}`, d.value);
    });
    a.set('windowSize', c.windowSize);
    a.set('windowStart', iso(c.windowStartTime));
    a.set('windowEnd', iso(c.windowEndTime));
    addProperties(a, alert.context.properties, 'property.');
  } else {
    const c = alert.context;
    a.set('query.text', c.SearchQuery);
    a.set('query.operator', c.Operator);
    a.set('query.threshold', c.Threshold);
    a.set('query.resultCount', c.ResultCount);
    for (const d of c.Dimensions ?? []) a.set(`query.dimension.${d.name}`, d.value);
  }
  addProperties(a, alert.customProperties, 'property.');
  if (options.note) a.set('rowsNote', options.note);
  const title = e.description?.trim() ? `${e.alertRule}: ${clip(e.description.trim(), 300)}` : e.alertRule;
  return {
    ...baseSignal(alert, target, options),
    kind: 'alert',
    reason: ruleReason(e.alertRule, target.otherDimensions),
    title,
    texts: stableTexts(alert, []),
    errorCodes: [],
    attributes: a.values,
  };
}

/**
 * Common-schema alert -> FailureSignal, for every alert type whose payload holds all there is to
 * know. Log search alerts are turned into one alert-level signal here; fetching their rows is I/O
 * and happens in `signalsFromCommonAlert`.
 */
export function fromCommonAlert(alert: CommonAlert, options: FromCommonAlertOptions = {}): FailureSignal {
  switch (alert.type) {
    case 'metric':
      return fromMetric(alert, options);
    case 'prometheus':
      return fromPrometheus(alert, options);
    case 'activity-log':
      return fromActivityLog(alert, options);
    case 'log-search':
    case 'log-search-legacy':
      return logSearchAlertSignal(alert, options);
    case 'other':
      return fromOther(alert, options);
  }
}
