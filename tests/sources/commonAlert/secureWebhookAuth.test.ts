import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SignJWT, UnsecuredJWT } from 'jose';
import {
  acceptedIssuers,
  createSecureWebhookVerifier,
  SECURE_WEBHOOK_ROLE,
} from '../../../src/sources/commonAlert/secureWebhookAuth.js';
import type { BearerVerifier } from '../../../src/sources/commonAlert/secureWebhookAuth.js';
import { httpsFetchTrustingTestCa, startLocalTenant } from '../../support/entraTokens.js';
import type { LocalTenant } from '../../support/entraTokens.js';

const APP_ID_URI = 'api://aks-alert-enricher';
const CLIENT_ID = '0d7c4b52-6f1e-4a39-9b8d-3e2f1a0c5b74';
const AZNS_APP_ID = '461e8683-5575-4561-ac7f-899cc907d62a';

let tenant: LocalTenant;
let verify: BearerVerifier;

beforeAll(async () => {
  tenant = await startLocalTenant({});
  const v2Issuer = `https://login.microsoftonline.com/${tenant.tenantId}/v2.0`;
  verify = createSecureWebhookVerifier({
    tenantId: tenant.tenantId,
    audiences: [APP_ID_URI, CLIENT_ID],
    authorityHost: 'https://login.microsoftonline.com',
    jwksUrl: tenant.jwksUrl,
    fetch: httpsFetchTrustingTestCa,
  });
  defaults = {
    iss: v2Issuer,
    aud: CLIENT_ID,
    roles: [SECURE_WEBHOOK_ROLE],
    azp: AZNS_APP_ID,
    tid: tenant.tenantId,
  };
});
afterAll(() => tenant.close());

let defaults: Record<string, unknown> = {};
const bearer = async (claims: Record<string, unknown> = {}, options = {}) =>
  `Bearer ${await tenant.token({ ...defaults, ...claims }, options)}`;

describe('Secure Webhook bearer tokens', () => {
  it('accepts a v2 token for the client ID with the ActionGroupsSecureWebhook role', async () => {
    expect(await verify(await bearer())).toEqual({ ok: true, appId: AZNS_APP_ID });
  });

  it('accepts a v1 token (sts.windows.net issuer) for the app ID URI', async () => {
    const verdict = await verify(
      await bearer({
        iss: `https://sts.windows.net/${tenant.tenantId}/`,
        aud: APP_ID_URI,
        azp: undefined,
        appid: AZNS_APP_ID,
      }),
    );
    expect(verdict).toEqual({ ok: true, appId: AZNS_APP_ID });
  });

  it('caches the key set: many verifications, one fetch', async () => {
    const before = tenant.fetches();
    for (let i = 0; i < 5; i++) expect((await verify(await bearer())).ok).toBe(true);
    expect(before).toBeGreaterThanOrEqual(1);
    expect(tenant.fetches()).toBe(before);
  });

  it.each([
    ['no header', null],
    ['a Basic credential', 'Basic dXNlcjpwYXNz'],
    ['a bearer that is not a JWT', 'Bearer not-a-token'],
    ['a JWT-shaped bearer of garbage', 'Bearer aaaa.bbbb.cccc'],
  ])('refuses %s with 401', async (_label, header) => {
    const verdict = await verify(header);
    expect(verdict).toMatchObject({ ok: false, status: 401 });
  });

  it.each<[string, Record<string, unknown>]>([
    [
      'another tenant',
      { iss: 'https://login.microsoftonline.com/11111111-2222-3333-4444-555555555555/v2.0' },
    ],
    ['another audience', { aud: 'api://someone-else' }],
    ['no role', { roles: undefined }],
    ['a different role', { roles: ['Reader'] }],
    ['a roles claim that is a string', { roles: SECURE_WEBHOOK_ROLE }],
  ])('refuses a token from %s', async (_label, claims) => {
    const verdict = await verify(await bearer(claims));
    expect(verdict).toMatchObject({ ok: false, status: 401, error: 'invalid_token' });
  });

  it('accepts only the calling applications it is configured with (ALERT_WEBHOOK_CALLER_APP_IDS)', async () => {
    const relay = '5b2e1c4d-8f7a-4e3b-9c6d-0a1f2e3d4c5b';
    const pinned = createSecureWebhookVerifier({
      tenantId: tenant.tenantId,
      audiences: [CLIENT_ID],
      authorityHost: 'https://login.microsoftonline.com',
      jwksUrl: tenant.jwksUrl,
      fetch: httpsFetchTrustingTestCa,
      callerAppIds: [relay.toUpperCase()],
    });
    expect(await pinned(await bearer({ azp: relay }))).toEqual({ ok: true, appId: relay });
    expect(await pinned(await bearer())).toMatchObject({ ok: false, status: 401, error: 'invalid_token' });
  });

  it('refuses an expired token', async () => {
    const verdict = await verify(await bearer({}, { expiresIn: Math.floor(Date.now() / 1000) - 3600 }));
    expect(verdict).toMatchObject({ ok: false, status: 401 });
    if (!verdict.ok) expect(verdict.reason).toContain('ERR_JWT_EXPIRED');
  });

  it('refuses a token signed by a key the tenant does not publish', async () => {
    expect(await verify(await bearer({}, { key: 'stranger' }))).toMatchObject({ ok: false, status: 401 });
    expect(await verify(await bearer({}, { key: 'stranger', kid: 'unknown-kid' }))).toMatchObject({
      ok: false,
      status: 401,
    });
  });

  it('refuses unsigned and HMAC-signed tokens (algorithms are restricted to RS256)', async () => {
    const unsecured = new UnsecuredJWT({ ...defaults }).setExpirationTime('1h').encode();
    expect(await verify(`Bearer ${unsecured}`)).toMatchObject({ ok: false, status: 401 });
    const hmac = await new SignJWT({ ...defaults })
      .setProtectedHeader({ alg: 'HS256', kid: 'test-key-1' })
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode('a-shared-secret-that-is-long-enough-32b'));
    expect(await verify(`Bearer ${hmac}`)).toMatchObject({ ok: false, status: 401 });
  });

  it('answers 503 (retry later) when the key set cannot be fetched', async () => {
    const cold = createSecureWebhookVerifier({
      tenantId: tenant.tenantId,
      audiences: [CLIENT_ID],
      authorityHost: 'https://login.microsoftonline.com',
      jwksUrl: tenant.jwksUrl,
      fetch: httpsFetchTrustingTestCa,
    });
    tenant.setFailing(true);
    try {
      expect(await cold(await bearer())).toMatchObject({ ok: false, status: 503 });
    } finally {
      tenant.setFailing(false);
    }
    expect(await cold(await bearer())).toMatchObject({ ok: true });
  });

  it('answers 503 when the key set host does not answer at all', async () => {
    const unreachable = createSecureWebhookVerifier({
      tenantId: tenant.tenantId,
      audiences: [CLIENT_ID],
      authorityHost: 'https://login.microsoftonline.com',
      jwksUrl: new URL('https://127.0.0.1:1/keys'),
      fetch: httpsFetchTrustingTestCa,
    });
    expect(await unreachable(await bearer())).toMatchObject({ ok: false, status: 503 });
  });
});

describe('acceptedIssuers', () => {
  it('lists the v1 and v2 issuers of the public cloud and of Azure China', () => {
    expect(acceptedIssuers('t', 'https://login.microsoftonline.com/')).toEqual([
      'https://sts.windows.net/t/',
      'https://login.microsoftonline.com/t/v2.0',
    ]);
    expect(acceptedIssuers('t', 'https://login.chinacloudapi.cn')).toEqual([
      'https://sts.chinacloudapi.cn/t/',
      'https://login.chinacloudapi.cn/t/v2.0',
    ]);
  });
});
