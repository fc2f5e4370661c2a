import { getClient } from '@azure-rest/core-client';
import type { ClientOptions, RequestParameters } from '@azure-rest/core-client';
import type { TokenCredential } from '@azure/identity';
import { armIdProblem } from '../../azure/armId.js';
import { GUID_TEXT } from '../../config.js';
import type { AlertRule, RuleRef } from './scheduledQueryRule.js';
import { fromScheduledQueryRule, SCHEDULED_QUERY_RULES_API_VERSION } from './scheduledQueryRule.js';

/** A read from Resource Manager: the value, or why not and whether a later try could succeed. */
export type ArmRead<T> =
  | { ok: true; value: T }
  /** `missing`: Resource Manager has no such resource (404). */
  | { ok: false; transient: boolean; reason: string; missing?: boolean };

/** What the alert path reads from Resource Manager: log search rules and the workspaces they query. */
export interface AlertRuleReader {
  rule(ref: RuleRef, signal?: AbortSignal): Promise<ArmRead<AlertRule>>;
  /** A workspace's id for the query API (its customer id, a GUID), from its resource id. */
  workspaceId(workspaceResourceId: string, signal?: AbortSignal): Promise<ArmRead<string>>;
}

export interface ArmAlertRulesOptions {
  credential: TokenCredential;
  /** Resource Manager endpoint (ARM_ENDPOINT); the public cloud when absent. */
  endpoint?: string;
  /** TLS trust and retry policy, as the other Resource Manager clients of the app take them. */
  clientOptions?: ClientOptions;
  /** How long a workspace's customer id is kept (it never changes for a workspace). */
  workspaceTtlMs?: number;
  now?: () => number;
}

const WORKSPACES_API_VERSION = '2023-09-01';
const WORKSPACE_ID =
  /^\/subscriptions\/([^/]+)\/resourcegroups\/([^/]+)\/providers\/microsoft\.operationalinsights\/workspaces\/([^/]+)$/i;

interface ArmAnswer {
  status: string;
  body: unknown;
}

function errorCode(body: unknown): string | undefined {
  const code = (body as { error?: { code?: unknown } } | null)?.error?.code;
  return typeof code === 'string' ? code : undefined;
}

/** A failed answer (or no answer) -> why, with what to do about it. */
function failure(what: string, answer: ArmAnswer | undefined, err?: unknown): ArmRead<never> {
  if (!answer) {
    const e = err as { name?: unknown; code?: unknown } | undefined;
    if (e?.name === 'AbortError')
      return {
        ok: false,
        transient: false,
        reason: `reading ${what} was stopped: the alert's time budget ran out`,
      };
    const code = typeof e?.code === 'string' ? ` (${e.code})` : '';
    return {
      ok: false,
      transient: true,
      reason: `Resource Manager could not be reached reading ${what}${code}`,
    };
  }
  const status = Number(answer.status);
  const code = errorCode(answer.body);
  const tail = code ? ` ${code}` : '';
  if (status === 403 || status === 401)
    return {
      ok: false,
      transient: false,
      reason: `Resource Manager denied reading ${what} (${status}${tail}): give the app's identity the role that reads it (see docs/deploy.md)`,
    };
  if (status === 404)
    return {
      ok: false,
      transient: false,
      missing: true,
      reason: `${what} was not found in Resource Manager`,
    };
  if (status === 429 || status >= 500)
    return {
      ok: false,
      transient: true,
      reason: `Resource Manager answered ${status}${tail} reading ${what}`,
    };
  return {
    ok: false,
    transient: false,
    reason: `Resource Manager answered ${status}${tail} reading ${what}`,
  };
}

/**
 * Log search rules and workspaces read through Resource Manager with the app's identity, by the same
 * REST client the SDK's Resource Manager clients use. Path parameters are encoded by the client, and
 * ids are checked for dot segments and encoded separators before they get there.
 */
export function createArmAlertRules(options: ArmAlertRulesOptions): AlertRuleReader {
  const base = (options.endpoint ?? 'https://management.azure.com').replace(/\/+$/, '');
  const client = getClient(base, options.credential, {
    ...options.clientOptions,
    credentials: { scopes: [`${new URL(base).origin}/.default`] },
  });
  // One GET on a path template; the client encodes each parameter into its segment.
  const get = (template: string, params: string[], signal?: AbortSignal): Promise<ArmAnswer> => {
    const path = client.path as (
      t: string,
      ...p: string[]
    ) => { get(o: RequestParameters): Promise<ArmAnswer> };
    return path(template, ...params).get({
      queryParameters: {
        'api-version': template.includes('/workspaces/')
          ? WORKSPACES_API_VERSION
          : SCHEDULED_QUERY_RULES_API_VERSION,
      },
      ...(signal ? { abortSignal: signal } : {}),
    });
  };
  const ttl = options.workspaceTtlMs ?? 3_600_000;
  const now = options.now ?? Date.now;
  const workspaces = new Map<string, { at: number; id: string }>();

  return {
    async rule(ref, signal) {
      const what = `log search rule ${ref.name}`;
      let answer: ArmAnswer;
      try {
        answer = await get(
          '/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.Insights/scheduledQueryRules/{ruleName}',
          [ref.subscriptionId, ref.resourceGroup, ref.name],
          signal,
        );
      } catch (err) {
        return failure(what, undefined, err);
      }
      if (answer.status !== '200') return failure(what, answer);
      const parsed = fromScheduledQueryRule(answer.body);
      return parsed.ok
        ? { ok: true, value: parsed.rule }
        : { ok: false, transient: false, reason: parsed.reason };
    },

    async workspaceId(resourceId, signal) {
      const problem = armIdProblem(resourceId);
      const m = problem ? undefined : WORKSPACE_ID.exec(resourceId.replace(/\/$/, ''));
      if (!m?.[1] || !m[2] || !m[3])
        return { ok: false, transient: false, reason: `${resourceId} is not a Log Analytics workspace id` };
      const key = resourceId.toLowerCase();
      const hit = workspaces.get(key);
      if (hit && now() - hit.at < ttl) return { ok: true, value: hit.id };
      const what = `Log Analytics workspace ${m[3]}`;
      let answer: ArmAnswer;
      try {
        answer = await get(
          '/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.OperationalInsights/workspaces/{workspaceName}',
          [m[1], m[2], m[3]],
          signal,
        );
      } catch (err) {
        return failure(what, undefined, err);
      }
      if (answer.status !== '200') return failure(what, answer);
      const id = (answer.body as { properties?: { customerId?: unknown } } | null)?.properties?.customerId;
      if (typeof id !== 'string' || !GUID_TEXT.test(id))
        return {
          ok: false,
          transient: false,
          reason: `${what} has no customer id in its Resource Manager answer`,
        };
      workspaces.set(key, { at: now(), id: id.toLowerCase() });
      return { ok: true, value: id.toLowerCase() };
    },
  };
}
