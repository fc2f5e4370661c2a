import { z } from 'zod';
import type { ClusterRef, FailureSignal } from '../../model.js';
import { parseAksResourceId } from '../../azure/armId.js';

/**
 * Event Grid deliveries (Event Grid schema or CloudEvents 1.0; one event or an array) -> FailureSignals.
 * Every event is judged on its own: a malformed one becomes a typed error beside the good ones, an
 * event type this product does not handle is returned as ignored. Nothing here throws.
 */

/** One event that could not be read: which event, which field, what is wrong. */
export interface EventGridError {
  /** Position in the delivered array (0 for a single event). */
  index: number;
  eventId?: string;
  eventType?: string;
  /** Dotted path of the offending field, e.g. `data.nodePoolName`. */
  field: string;
  message: string;
}

/** An event deliberately not turned into a signal (another service's event, a success, a handshake). */
export interface IgnoredEvent {
  index: number;
  eventId: string;
  eventType: string;
  reason: string;
}

export interface EventGridParse {
  signals: FailureSignal[];
  ignored: IgnoredEvent[];
  errors: EventGridError[];
}

/** A one-line description of an unreadable event for logs (no payload echo beyond id and type). */
export function describeEventGridError(e: EventGridError): string {
  const which = e.eventId ? `event ${e.eventId}` : `event #${String(e.index)}`;
  const type = e.eventType ? ` (${e.eventType})` : '';
  return `${which}${type}: ${e.field}: ${e.message}`;
}

const AKS = 'microsoft.containerservice.';
export const AKS_EVENT_TYPES = {
  rollingStarted: 'Microsoft.ContainerService.NodePoolRollingStarted',
  rollingSucceeded: 'Microsoft.ContainerService.NodePoolRollingSucceeded',
  rollingFailed: 'Microsoft.ContainerService.NodePoolRollingFailed',
  supportEnding: 'Microsoft.ContainerService.ClusterSupportEnding',
  supportEnded: 'Microsoft.ContainerService.ClusterSupportEnded',
  newVersion: 'Microsoft.ContainerService.NewKubernetesVersionAvailable',
  scheduledEvent: 'Microsoft.ResourceNotifications.ContainerServiceEventResources.ScheduledEventEmitted',
} as const;

/** Resource failure event types (lower case) and the verb a notification uses for each. */
export const RESOURCE_FAILURES: Record<string, string> = {
  'microsoft.resources.resourcewritefailure': 'write',
  'microsoft.resources.resourceactionfailure': 'action',
  'microsoft.resources.resourcedeletefailure': 'delete',
};

/** The envelope both schemas share once normalised. */
interface Envelope {
  index: number;
  id: string;
  type: string;
  /** Event Grid `topic` / CloudEvents `source`. */
  topic?: string;
  subject?: string;
  occurredAt: string;
  data: unknown;
  schema: 'eventgrid' | 'cloudevents';
}

type Step<T> = { ok: true; value: T } | { ok: false; field: string; message: string };

const str = z.string().trim().min(1);

const eventGridEnvelope = z.object({
  id: str,
  eventType: str,
  eventTime: str,
  topic: z.string().optional(),
  subject: z.string().optional(),
  data: z.unknown().optional(),
});

const cloudEventEnvelope = z.object({
  id: str,
  type: str,
  source: str,
  time: str.optional(),
  subject: z.string().optional(),
  data: z.unknown().optional(),
  data_base64: z.string().optional(),
});

function fieldOf(issue: z.core.$ZodIssue | undefined, prefix = ''): string {
  const path = (issue?.path ?? []).map((p) => (typeof p === 'number' ? `[${String(p)}]` : String(p)));
  const joined = path.reduce(
    (acc, seg) => (seg.startsWith('[') || acc === '' ? acc + seg : `${acc}.${seg}`),
    '',
  );
  return prefix && joined ? `${prefix}.${joined}` : prefix || joined || '(event)';
}

/** The value at an issue's path in what was parsed (zod 4 issues do not carry their input). */
function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let v = root;
  for (const seg of path) {
    if (typeof v !== 'object' || v === null) return undefined;
    v = (v as Record<PropertyKey, unknown>)[seg];
  }
  return v;
}

function issueMessage(issue: z.core.$ZodIssue | undefined, input: unknown): string {
  if (!issue) return 'invalid';
  if (issue.code === 'invalid_type' && valueAt(input, issue.path) === undefined) return 'is required';
  if (issue.code === 'too_small') return 'must not be empty';
  return issue.message;
}

/** ISO 8601 from an event time with any number of fraction digits; undefined when unreadable. */
function isoTime(value: string): string | undefined {
  // JS dates carry milliseconds; .NET writes seven fraction digits. Keep three so parsing is exact.
  const trimmed = value.trim().replace(/(\.\d{3})\d+/, '$1');
  const ms = Date.parse(trimmed);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

function readData(raw: Record<string, unknown>): Step<unknown> {
  if (typeof raw.data_base64 === 'string' && raw.data === undefined) {
    try {
      return { ok: true, value: JSON.parse(Buffer.from(raw.data_base64, 'base64').toString('utf8')) };
    } catch {
      return { ok: false, field: 'data_base64', message: 'is not base64-encoded JSON' };
    }
  }
  // Structured CloudEvents may carry JSON data as a string.
  if (typeof raw.data === 'string') {
    const text = raw.data.trim();
    if (text.startsWith('{') || text.startsWith('[')) {
      try {
        return { ok: true, value: JSON.parse(text) };
      } catch {
        return { ok: false, field: 'data', message: 'is a string that is not valid JSON' };
      }
    }
  }
  return { ok: true, value: raw.data };
}

/** A specversion as an error shows it: named by type, never serialised (it may be nested thousands deep). */
function describeSpec(spec: unknown): string {
  if (typeof spec === 'string') return JSON.stringify(spec.slice(0, 40));
  if (Array.isArray(spec)) return '(an array)';
  if (spec === null) return 'null';
  if (typeof spec === 'object') return '(an object)';
  return typeof spec === 'number' || typeof spec === 'boolean' ? String(spec) : `(${typeof spec})`;
}

function envelopeOf(raw: unknown, index: number): Step<Envelope> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    return { ok: false, field: '(event)', message: 'is not a JSON object' };
  const obj = raw as Record<string, unknown>;
  const spec = obj.specversion ?? obj.specVersion;
  if (spec !== undefined) {
    if (typeof spec !== 'string' || !spec.startsWith('1.'))
      return {
        ok: false,
        field: 'specversion',
        // Named by type, never serialised: a value nested thousands deep would overflow the stack.
        message: `unsupported CloudEvents version ${describeSpec(spec)}`,
      };
    const r = cloudEventEnvelope.safeParse(obj);
    if (!r.success)
      return {
        ok: false,
        field: fieldOf(r.error.issues[0]),
        message: issueMessage(r.error.issues[0], obj),
      };
    const time = r.data.time === undefined ? undefined : isoTime(r.data.time);
    if (r.data.time !== undefined && time === undefined)
      return { ok: false, field: 'time', message: 'is not a date-time' };
    if (time === undefined) return { ok: false, field: 'time', message: 'is required' };
    const data = readData(obj);
    if (!data.ok) return data;
    const env: Envelope = {
      index,
      id: r.data.id,
      type: r.data.type,
      topic: r.data.source,
      occurredAt: time,
      data: data.value,
      schema: 'cloudevents',
    };
    if (r.data.subject !== undefined) env.subject = r.data.subject;
    return { ok: true, value: env };
  }
  const r = eventGridEnvelope.safeParse(obj);
  if (!r.success) {
    const issue = r.error.issues[0];
    // Neither schema's type attribute: say what was expected.
    if (issue?.path[0] === 'eventType' && obj.eventType === undefined && obj.type !== undefined)
      return { ok: false, field: 'specversion', message: 'is required for a CloudEvents event' };
    return { ok: false, field: fieldOf(issue), message: issueMessage(issue, obj) };
  }
  const time = isoTime(r.data.eventTime);
  if (time === undefined) return { ok: false, field: 'eventTime', message: 'is not a date-time' };
  const data = readData(obj);
  if (!data.ok) return data;
  const env: Envelope = {
    index,
    id: r.data.id,
    type: r.data.eventType,
    occurredAt: time,
    data: data.value,
    schema: 'eventgrid',
  };
  if (r.data.topic !== undefined) env.topic = r.data.topic;
  if (r.data.subject !== undefined) env.subject = r.data.subject;
  return { ok: true, value: env };
}

function parseData<T>(schema: z.ZodType<T>, data: unknown): Step<T> {
  const r = schema.safeParse(data);
  if (r.success) return { ok: true, value: r.data };
  const issue = r.error.issues[0];
  return { ok: false, field: fieldOf(issue, 'data'), message: issueMessage(issue, data) };
}

function topicField(e: Envelope): string {
  return e.schema === 'cloudevents' ? 'source' : 'topic';
}

function clusterOf(e: Envelope): Step<ClusterRef> {
  const parsed = parseAksResourceId(e.topic);
  if (parsed) return { ok: true, value: parsed.cluster };
  return {
    ok: false,
    field: topicField(e),
    message: e.topic ? 'is not the resource id of an AKS managed cluster' : 'is required',
  };
}

function base(
  e: Envelope,
  fields: Omit<FailureSignal, 'source' | 'sourceId' | 'occurredAt' | 'attributes'> & {
    attributes?: Record<string, string>;
  },
): FailureSignal {
  return {
    source: 'event-grid',
    sourceId: e.id,
    occurredAt: e.occurredAt,
    ...fields,
    attributes: { eventType: e.type, ...(fields.attributes ?? {}) },
  };
}

const nodePoolData = z.object({ nodePoolName: str });
const supportData = z.object({ kubernetesVersion: str });
const versionData = z
  .object({
    latestSupportedKubernetesVersion: z.string().optional(),
    latestStableKubernetesVersion: z.string().optional(),
    lowestMinorKubernetesVersion: z.string().optional(),
    latestPreviewKubernetesVersion: z.string().optional(),
  })
  .refine((d) => Object.values(d).some((v) => typeof v === 'string' && v.trim() !== ''), {
    message: 'names no Kubernetes version',
  });

function rolling(e: Envelope, phase: 'Started' | 'Succeeded' | 'Failed'): Step<FailureSignal> {
  const cluster = clusterOf(e);
  if (!cluster.ok) return cluster;
  const data = parseData(nodePoolData, e.data);
  if (!data.ok) return data;
  const pool = data.value.nodePoolName;
  const title =
    phase === 'Failed'
      ? `Rolling operation on node pool ${pool} failed`
      : phase === 'Started'
        ? `Rolling operation on node pool ${pool} started`
        : `Rolling operation on node pool ${pool} succeeded`;
  return {
    ok: true,
    value: base(e, {
      kind: 'nodepool-rolling',
      status: phase === 'Failed' ? 'firing' : 'info',
      cluster: cluster.value,
      resourceId: `${cluster.value.resourceId}/agentPools/${pool}`,
      nodePool: pool,
      reason: `NodePoolRolling${phase}`,
      title,
      // The event carries no error: look-ups (ARM, AzureActivity) fill it in later.
      texts: [],
      errorCodes: [],
    }),
  };
}

function support(e: Envelope, ended: boolean): Step<FailureSignal> {
  const cluster = clusterOf(e);
  if (!cluster.ok) return cluster;
  const data = parseData(supportData, e.data);
  if (!data.ok) return data;
  const v = data.value.kubernetesVersion;
  const name = cluster.value.name;
  const text = ended
    ? `AKS support for Kubernetes ${v} has ended on cluster ${name}: the cluster runs an unsupported version and gets no fixes or support. Upgrade the control plane and node pools to a supported minor version (az aks get-upgrades lists them).`
    : `AKS support for Kubernetes ${v} is ending soon on cluster ${name}. Plan an upgrade of the control plane and node pools to a supported minor version before support ends (az aks get-upgrades lists them).`;
  return {
    ok: true,
    value: base(e, {
      kind: 'cluster-support',
      status: 'firing',
      severityHint: ended ? 'error' : 'warning',
      cluster: cluster.value,
      reason: ended ? 'ClusterSupportEnded' : 'ClusterSupportEnding',
      title: ended ? `Support for Kubernetes ${v} has ended` : `Support for Kubernetes ${v} is ending`,
      texts: [text],
      errorCodes: [],
      attributes: { kubernetesVersion: v },
    }),
  };
}

function newVersion(e: Envelope): Step<FailureSignal> {
  const cluster = clusterOf(e);
  if (!cluster.ok) return cluster;
  const data = parseData(versionData, e.data);
  if (!data.ok) return data;
  const attributes: Record<string, string> = {};
  for (const [k, v] of Object.entries(data.value))
    if (typeof v === 'string' && v.trim()) attributes[k] = v.trim();
  const latest =
    data.value.latestSupportedKubernetesVersion ??
    data.value.latestStableKubernetesVersion ??
    data.value.latestPreviewKubernetesVersion ??
    data.value.lowestMinorKubernetesVersion;
  return {
    ok: true,
    value: base(e, {
      kind: 'kubernetes-version',
      status: 'info',
      cluster: cluster.value,
      reason: 'NewKubernetesVersionAvailable',
      title: `Kubernetes ${latest ?? 'version'} is available`,
      texts: [],
      errorCodes: [],
      attributes,
    }),
  };
}

const scheduledData = z.object({
  resourceInfo: z.object({
    id: z.string().optional(),
    name: z.string().optional(),
    properties: z.object({
      eventId: z.string().optional(),
      eventSource: z.string().optional(),
      eventStatus: str,
      eventDetails: z.string().optional(),
      scheduledTime: z.string().optional(),
      startTime: z.string().optional(),
      lastUpdateTime: z.string().optional(),
      resources: z.array(z.string()).optional(),
      resourceType: z.string().optional(),
    }),
  }),
});

/** Placeholder times (.NET's DateTime.MinValue) mean "not yet". */
const realTime = (v: string | undefined): string | undefined =>
  v && !v.startsWith('0001-01-01') ? (isoTime(v) ?? undefined) : undefined;

function scheduled(e: Envelope): Step<FailureSignal> {
  const data = parseData(scheduledData, e.data);
  if (!data.ok) return data;
  const info = data.value.resourceInfo;
  const p = info.properties;
  const candidates = [...(p.resources ?? []), info.id, e.subject, e.topic];
  const target = candidates.map((c) => parseAksResourceId(c)).find((x) => x !== undefined);
  const status = p.eventStatus;
  const failed = status.toLowerCase() === 'failed';
  const details = p.eventDetails?.trim();
  const attributes: Record<string, string> = { eventStatus: status };
  if (p.eventId) attributes.scheduledEventId = p.eventId;
  if (p.eventSource) attributes.eventSource = p.eventSource;
  if (details) attributes.eventDetails = details;
  for (const [k, v] of [
    ['scheduledTime', realTime(p.scheduledTime)],
    ['startTime', realTime(p.startTime)],
    ['lastUpdateTime', realTime(p.lastUpdateTime)],
  ] as const)
    if (v) attributes[k] = v;
  const signal = base(e, {
    kind: 'scheduled-event',
    status: failed ? 'firing' : 'info',
    reason: `ScheduledEvent${status}`,
    title: `Scheduled maintenance ${status.toLowerCase()}${details ? `: ${details}` : ''}`,
    texts: failed && details ? [details] : [],
    errorCodes: [],
    attributes,
  });
  if (target) {
    signal.cluster = target.cluster;
    if (target.agentPool) signal.nodePool = target.agentPool;
  }
  const resourceId = info.id ?? p.resources?.[0];
  if (resourceId) signal.resourceId = resourceId;
  return { ok: true, value: signal };
}

// Every field optional and nullable: the failure is told by the event type, and Azure sends
// `httpRequest`, `authorization` and `claims` as null for operations no HTTP caller made.
const optionalText = z.string().nullish();
const resourceData = z.object({
  resourceUri: optionalText,
  operationName: optionalText,
  correlationId: optionalText,
  status: optionalText,
  resourceProvider: optionalText,
  httpRequest: z.unknown().optional(),
});

function httpMethodOf(httpRequest: unknown): string | undefined {
  if (typeof httpRequest !== 'object' || httpRequest === null) return undefined;
  const method = (httpRequest as Record<string, unknown>).method;
  return typeof method === 'string' && method.trim() ? method.trim() : undefined;
}

type ResourceOutcome = Step<FailureSignal> | { ok: 'ignored'; reason: string };

function resourceFailure(e: Envelope, verb: string): ResourceOutcome {
  const data = parseData(resourceData, e.data ?? {});
  if (!data.ok) return data;
  const uri = data.value.resourceUri ?? e.subject;
  if (!uri) return { ok: false, field: 'data.resourceUri', message: 'is required' };
  const target = parseAksResourceId(uri);
  if (!target) return { ok: 'ignored', reason: 'not an AKS cluster or agent pool' };
  // Only the cluster itself and its agent pools; other child resources are out of scope.
  const trimmed = uri.trim();
  const below = (trimmed.startsWith('/') ? trimmed : `/${trimmed}`).slice(target.cluster.resourceId.length);
  if (!/^(\/agentpools\/[^/]+)?\/?$/i.test(below))
    return { ok: 'ignored', reason: 'an AKS resource other than a cluster or agent pool' };
  const operation = data.value.operationName?.trim() || `${verb} on ${uri}`;
  // A denied or failed credential download is about a caller's access, not the cluster's health.
  if (/\/listcluster\w*credentials?(\/action)?$/i.test(operation))
    return { ok: 'ignored', reason: 'a credential listing, not a cluster failure' };
  const what = target.agentPool ? `agent pool ${target.agentPool}` : `cluster ${target.cluster.name}`;
  const attributes: Record<string, string> = { operationName: operation };
  if (data.value.status) attributes.operationStatus = data.value.status;
  const method = httpMethodOf(data.value.httpRequest);
  if (method) attributes.httpMethod = method;
  const signal = base(e, {
    kind: 'resource-failure',
    status: 'firing',
    cluster: target.cluster,
    resourceId: uri.trim(),
    reason: operation,
    title: `${verb === 'write' ? 'Write' : verb === 'delete' ? 'Delete' : 'Action'} on ${what} failed`,
    texts: [],
    errorCodes: [],
    attributes,
  });
  if (target.agentPool) signal.nodePool = target.agentPool;
  const correlationId = data.value.correlationId?.trim();
  if (correlationId) signal.correlationId = correlationId;
  return { ok: true, value: signal };
}

type Outcome = Step<FailureSignal> | { ok: 'ignored'; reason: string };

function signalOf(e: Envelope): Outcome {
  const type = e.type.toLowerCase();
  switch (type) {
    case AKS_EVENT_TYPES.rollingStarted.toLowerCase():
      return rolling(e, 'Started');
    case AKS_EVENT_TYPES.rollingSucceeded.toLowerCase():
      return rolling(e, 'Succeeded');
    case AKS_EVENT_TYPES.rollingFailed.toLowerCase():
      return rolling(e, 'Failed');
    case AKS_EVENT_TYPES.supportEnding.toLowerCase():
      return support(e, false);
    case AKS_EVENT_TYPES.supportEnded.toLowerCase():
      return support(e, true);
    case AKS_EVENT_TYPES.newVersion.toLowerCase():
      return newVersion(e);
    case AKS_EVENT_TYPES.scheduledEvent.toLowerCase():
      return scheduled(e);
  }
  const verb = RESOURCE_FAILURES[type];
  if (verb) return resourceFailure(e, verb);
  if (type.startsWith(AKS))
    return { ok: 'ignored', reason: 'an AKS event type this product does not handle' };
  if (type === 'microsoft.eventgrid.subscriptionvalidationevent')
    return { ok: 'ignored', reason: 'subscription validation (answered by the trigger)' };
  return { ok: 'ignored', reason: 'not an event type this product handles' };
}

/**
 * `read()`, or a failure at `field` when it throws: whatever one event does (nesting that exhausts
 * the stack, say), the others are read.
 */
function unlessThrown<T>(field: string, read: () => T): T | { ok: false; field: string; message: string } {
  try {
    return read();
  } catch (err) {
    return {
      ok: false,
      field,
      message: `could not be read: ${err instanceof Error ? err.message : String(err)}`,
    };
  }
}

/** Parses a delivery: a single event or an array of events, in either schema. */
export function fromEventGrid(payload: unknown): EventGridParse {
  const out: EventGridParse = { signals: [], ignored: [], errors: [] };
  const events = Array.isArray(payload) ? (payload as unknown[]) : [payload];
  events.forEach((raw, index) => {
    const env = unlessThrown('(event)', () => envelopeOf(raw, index));
    if (!env.ok) {
      const error: EventGridError = { index, field: env.field, message: env.message };
      if (typeof raw === 'object' && raw !== null) {
        const o = raw as Record<string, unknown>;
        if (typeof o.id === 'string' && o.id) error.eventId = o.id;
        const t = o.eventType ?? o.type;
        if (typeof t === 'string' && t) error.eventType = t;
      }
      out.errors.push(error);
      return;
    }
    const e = env.value;
    const r = unlessThrown('data', () => signalOf(e));
    if (r.ok === 'ignored') out.ignored.push({ index, eventId: e.id, eventType: e.type, reason: r.reason });
    else if (r.ok) out.signals.push(r.value);
    else out.errors.push({ index, eventId: e.id, eventType: e.type, field: r.field, message: r.message });
  });
  return out;
}
