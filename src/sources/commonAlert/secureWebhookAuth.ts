import { createRemoteJWKSet, customFetch, errors, jwtVerify } from 'jose';
import type { FetchImplementation, JWTPayload } from 'jose';

/** The app role an action group's Secure Webhook token must carry. */
export const SECURE_WEBHOOK_ROLE = 'ActionGroupsSecureWebhook';

/** Azure Monitor's action group application ("AzNS AAD Webhook"): the caller of a Secure Webhook. */
export const ACTION_GROUP_APP_ID = '461e8683-5575-4561-ac7f-899cc907d62a';

export interface SecureWebhookAuthOptions {
  tenantId: string;
  /** Accepted `aud` values: the app ID URI (api://…) and/or the application (client) ID GUID. */
  audiences: string[];
  /** Entra authority host, e.g. https://login.microsoftonline.com (sovereign clouds differ). */
  authorityHost: string;
  /** Where the tenant's signing keys are; defaults to `{authority}/{tenant}/discovery/v2.0/keys`. */
  jwksUrl?: URL;
  /** Fetch used for the key set (tests point it at a local HTTPS server). */
  fetch?: FetchImplementation;
  /** Allowed clock skew in seconds. */
  clockToleranceSeconds?: number;
  /**
   * Applications a token must have been issued to (`appid` in v1 tokens, `azp` in v2): Azure
   * Monitor's action group application unless given. Another application of the tenant holding the
   * role (assigned by mistake, or by someone who may assign roles) is refused.
   */
  callerAppIds?: readonly string[];
}

/**
 * The verdict on a request's bearer token. `reason` is for the function's log only; the caller
 * answers with a fixed message so the response does not help anyone probing the check.
 */
export type AuthVerdict =
  | { ok: true; appId?: string }
  | { ok: false; status: 401; reason: string; error?: 'invalid_token' }
  /** The signing keys could not be fetched: our problem, worth a retry by the caller. */
  | { ok: false; status: 503; reason: string };

export type BearerVerifier = (authorization: string | null) => Promise<AuthVerdict>;

const MAX_TOKEN_LENGTH = 16 * 1024;

/** v1 tokens are issued by sts.windows.net (sts.chinacloudapi.cn in Azure China), v2 by the authority. */
export function acceptedIssuers(tenantId: string, authorityHost: string): string[] {
  const authority = authorityHost.replace(/\/+$/, '');
  const v1Host = /chinacloudapi\.cn$/i.test(new URL(authority).hostname)
    ? 'https://sts.chinacloudapi.cn'
    : 'https://sts.windows.net';
  return [`${v1Host}/${tenantId}/`, `${authority}/${tenantId}/v2.0`];
}

function hasRole(payload: JWTPayload, role: string): boolean {
  const roles = payload.roles;
  return Array.isArray(roles) && roles.some((r) => r === role);
}

const KEY_UNAVAILABLE = new Set(['ERR_JWKS_TIMEOUT', 'ERR_JWKS_INVALID', 'ERR_JOSE_GENERIC']);

/**
 * Builds a verifier for the bearer tokens action groups send to a Secure Webhook: RS256 only,
 * signature against the tenant's published keys (fetched once, cached, refreshed on an unknown
 * key id), issuer = the tenant (v1 or v2 form), audience = the configured app, and the
 * `ActionGroupsSecureWebhook` app role.
 */
export function createSecureWebhookVerifier(options: SecureWebhookAuthOptions): BearerVerifier {
  const authority = options.authorityHost.replace(/\/+$/, '');
  const jwksUrl = options.jwksUrl ?? new URL(`${authority}/${options.tenantId}/discovery/v2.0/keys`);
  const keys = createRemoteJWKSet(jwksUrl, {
    timeoutDuration: 5_000,
    cooldownDuration: 30_000,
    cacheMaxAge: 6 * 3_600_000,
    ...(options.fetch ? { [customFetch]: options.fetch } : {}),
  });
  const issuer = acceptedIssuers(options.tenantId, authority);
  const callers = new Set((options.callerAppIds ?? [ACTION_GROUP_APP_ID]).map((a) => a.trim().toLowerCase()));
  const audience = options.audiences;
  const clockTolerance = options.clockToleranceSeconds ?? 300;

  return async (authorization) => {
    if (!authorization) return { ok: false, status: 401, reason: 'no Authorization header' };
    const m = /^Bearer[ ]+([A-Za-z0-9\-_=]+\.[A-Za-z0-9\-_=]+\.[A-Za-z0-9\-_=]*)\s*$/i.exec(authorization);
    if (!m?.[1] || m[1].length > MAX_TOKEN_LENGTH)
      return { ok: false, status: 401, reason: 'Authorization is not a bearer JWT', error: 'invalid_token' };
    try {
      const { payload } = await jwtVerify(m[1], keys, {
        algorithms: ['RS256'],
        issuer,
        audience,
        clockTolerance,
        requiredClaims: ['exp', 'iss', 'aud'],
      });
      if (!hasRole(payload, SECURE_WEBHOOK_ROLE))
        return {
          ok: false,
          status: 401,
          reason: `token lacks the ${SECURE_WEBHOOK_ROLE} role`,
          error: 'invalid_token',
        };
      const appId =
        typeof payload.appid === 'string'
          ? payload.appid
          : typeof payload.azp === 'string'
            ? payload.azp
            : undefined;
      if (!appId)
        return {
          ok: false,
          status: 401,
          reason: 'token names no calling application (appid/azp)',
          error: 'invalid_token',
        };
      if (!callers.has(appId.toLowerCase()))
        return {
          ok: false,
          status: 401,
          reason: `token was issued to application ${appId}, not one in ALERT_WEBHOOK_CALLER_APP_IDS`,
          error: 'invalid_token',
        };
      return { ok: true, appId };
    } catch (err) {
      if (err instanceof errors.JOSEError) {
        if (KEY_UNAVAILABLE.has(err.code))
          return { ok: false, status: 503, reason: `signing keys unavailable (${err.code})` };
        const detail = err instanceof errors.JWTClaimValidationFailed ? `${err.code} ${err.claim}` : err.code;
        return { ok: false, status: 401, reason: `token rejected (${detail})`, error: 'invalid_token' };
      }
      // jose reports every token problem as a JOSEError; anything else came from fetching the keys
      // (DNS, TLS, refused connection): not the caller's fault, so worth their retry.
      return { ok: false, status: 503, reason: 'signing keys unreachable' };
    }
  };
}
