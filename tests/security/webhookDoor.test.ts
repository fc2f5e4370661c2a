/**
 * Attacks on the alert webhook's door, through the function's handler with real HttpRequest objects:
 * forged and stolen tokens, bodies built to cost memory, stack or parsing, and prototype pollution.
 */
import { HttpRequest } from '@azure/functions';
import type { HttpResponseInit } from '@azure/functions';
import { exportJWK, exportSPKI, generateKeyPair, importJWK, SignJWT, UnsecuredJWT } from 'jose';
import type { JWK } from 'jose';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { alertWebhookHandler } from '../../functions/alertWebhook.js';
import { encodeInboxMessage } from '../../src/sources/commonAlert/alertInbox.js';
import { processAlertMessage } from '../../src/sources/commonAlert/processAlertMessage.js';
import { receiveAlertWebhook } from '../../src/sources/commonAlert/receiveAlertWebhook.js';
import type { AlertWebhookDeps } from '../../src/sources/commonAlert/receiveAlertWebhook.js';
import {
  ACTION_GROUP_APP_ID,
  createSecureWebhookVerifier,
  SECURE_WEBHOOK_ROLE,
} from '../../src/sources/commonAlert/secureWebhookAuth.js';
import { alertFixtureText } from '../support/commonAlertFixtures.js';
import { httpsFetchTrustingTestCa, startLocalTenant } from '../support/entraTokens.js';
import type { LocalTenant } from '../support/entraTokens.js';
import { loggingContext } from '../support/functionContext.js';
import { MemoryInbox } from '../support/memoryInbox.js';
import { startReceiver } from '../support/sinkReceivers.js';
import type { LocalReceiver } from '../support/sinkReceivers.js';

const CLIENT_ID = '0d7c4b52-6f1e-4a39-9b8d-3e2f1a0c5b74';
const FIRED = alertFixtureText('commonAlert/metric-cluster-node-not-ready.json');

let inbox: MemoryInbox;
let logs: string[];

beforeEach(() => {
  inbox = new MemoryInbox();
  logs = [];
});

function post(
  body: string,
  headers: Record<string, string> = { 'content-type': 'application/json' },
): HttpRequest {
  return new HttpRequest({
    method: 'POST',
    url: 'https://enricher.example.net/api/alertWebhook',
    body: { string: body },
    headers,
  });
}

const call = (request: HttpRequest, extra: Partial<AlertWebhookDeps> = {}): Promise<HttpResponseInit> =>
  alertWebhookHandler(() => ({ inbox, claimTtlMs: 86_400_000, ...extra }))(
    request,
    loggingContext('alertWebhook', logs),
  );

describe('attack: bodies that cost the app rather than the sender', () => {
  it('a body nested 150,000 levels deep is refused with 400 (not 503, which the action group retries)', async () => {
    const deep = `${'['.repeat(150_000)}${']'.repeat(150_000)}`;
    const body = FIRED.replace('"alertContext": {', `"alertContext": { "deep": ${deep},`);
    expect(body.length).toBeLessThan(320 * 1024);
    const r = await call(post(body));
    expect(r.status).toBe(400);
    expect(r.jsonBody).toMatchObject({
      problems: [{ path: '(body)', message: 'nests deeper than 64 levels' }],
    });
    expect(inbox.messages.size).toBe(0);
  });

  it.each([
    ['text/plain', { 'content-type': 'text/plain' }],
    ['form data', { 'content-type': 'application/x-www-form-urlencoded' }],
    ['no content type', {}],
  ])('a body sent as %s is refused with 415', async (_label, headers: Record<string, string>) => {
    const r = await call(post(FIRED, headers));
    expect(r.status).toBe(415);
    expect(inbox.messages.size).toBe(0);
    // The action group's own form is accepted.
    expect((await call(post(FIRED, { 'content-type': 'application/json; charset=utf-8' }))).status).toBe(202);
  });

  it('a body declared larger than 320 KB is refused unread (held)', async () => {
    const r = await call(
      post(FIRED, { 'content-type': 'application/json', 'content-length': String(400 * 1024) }),
    );
    expect(r.status).toBe(400);
    expect(r.jsonBody).toMatchObject({ error: 'payload-too-large' });
  });

  it('a body streamed past 320 KB without a declared length is cut off as it arrives (held)', async () => {
    let sent = 0;
    const chunk = new Uint8Array(64 * 1024).fill(0x20);
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        sent += chunk.length;
        controller.enqueue(chunk);
        if (sent > 10 * 1024 * 1024) controller.close();
      },
    });
    // The handler hands the request's body stream to this function as it is.
    const r = await receiveAlertWebhook(
      { headers: new Headers({ 'content-type': 'application/json' }), body: stream },
      { inbox, claimTtlMs: 86_400_000 },
      { info: () => undefined, warn: () => undefined, error: () => undefined },
    );
    expect(r.status).toBe(400);
    expect(r.jsonBody).toMatchObject({ error: 'payload-too-large' });
    expect(sent).toBeLessThan(1024 * 1024);
  });

  it("a body that would pollute Object.prototype changes no object's prototype (held)", async () => {
    const body = FIRED.replace(
      '"schemaId"',
      '"__proto__": { "polluted": "yes" }, "constructor": { "prototype": { "polluted": "yes" } }, "schemaId"',
    ).replace(
      '"essentials": {',
      '"customProperties": { "__proto__": { "polluted": "yes" }, "toString": "x" }, "essentials": { "__proto__": { "isAdmin": true },',
    );
    const r = await call(post(body));
    expect(r.status).toBe(202);
    const [message] = [...inbox.messages.values()];
    if (!message) throw new Error('not stored');
    const processed: unknown[] = [];
    // As the queue trigger hands the stored message over.
    await processAlertMessage(
      JSON.parse(Buffer.from(encodeInboxMessage(message), 'base64').toString('utf8')) as unknown,
      1,
      {
        processor: {
          process: (s) => {
            processed.push(...s);
            return Promise.resolve({ enqueued: s.length, duplicates: 0 });
          },
        },
        signals: { maxRows: 10, kqlString: (v) => `'${v}'` },
        maxAttempts: 5,
      },
      { info: () => undefined, warn: () => undefined, error: () => undefined },
    );
    expect(processed).toHaveLength(1);
    const plain = {} as Record<string, unknown>;
    expect(plain.polluted).toBeUndefined();
    expect(plain.isAdmin).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('polluted');
  });
});

describe('attack: forged Secure Webhook tokens', () => {
  let tenant: LocalTenant;
  let good: Record<string, unknown>;
  let verifying: Partial<AlertWebhookDeps>;
  let jku: LocalReceiver;

  beforeAll(async () => {
    tenant = await startLocalTenant({});
    good = {
      iss: `https://login.microsoftonline.com/${tenant.tenantId}/v2.0`,
      aud: CLIENT_ID,
      roles: [SECURE_WEBHOOK_ROLE],
      azp: ACTION_GROUP_APP_ID,
      tid: tenant.tenantId,
    };
    verifying = {
      verifyBearer: createSecureWebhookVerifier({
        tenantId: tenant.tenantId,
        audiences: ['api://aks-alert-enricher', CLIENT_ID],
        authorityHost: 'https://login.microsoftonline.com',
        jwksUrl: tenant.jwksUrl,
        fetch: httpsFetchTrustingTestCa,
      }),
    };
    // Where a forged token's jku points: it must never be asked.
    jku = await startReceiver({
      status: 200,
      body: '{"keys":[]}',
      headers: { 'content-type': 'application/json' },
    });
  });
  afterAll(() => Promise.all([tenant.close(), jku.close()]));

  const withToken = (token: string) =>
    post(FIRED, { 'content-type': 'application/json', authorization: `Bearer ${token}` });

  /** The tenant's published signing key, as an attacker reads it from the key set. */
  async function publishedKey(): Promise<JWK> {
    const res = await httpsFetchTrustingTestCa(tenant.jwksUrl.href, {
      method: 'GET',
      headers: new Headers(),
    } as never);
    return ((await res.json()) as { keys: JWK[] }).keys[0] as JWK;
  }

  it('accepts the genuine token (the baseline the forgeries are measured against)', async () => {
    expect((await call(withToken(await tenant.token(good)), verifying)).status).toBe(202);
  });

  it.each<[string, (t: LocalTenant, g: Record<string, unknown>) => Promise<string>]>([
    ['alg none', (_t, g) => Promise.resolve(new UnsecuredJWT(g).setExpirationTime('1h').encode())],
    ['a wrong issuer', (t, g) => t.token({ ...g, iss: 'https://evil.example/' })],
    [
      "a foreign tenant's issuer",
      (t, g) =>
        t.token({ ...g, iss: 'https://login.microsoftonline.com/11111111-2222-3333-4444-555555555555/v2.0' }),
    ],
    ['a wrong audience', (t, g) => t.token({ ...g, aud: 'api://someone-else' })],
    ['no roles', (t, g) => t.token({ ...g, roles: undefined })],
    ['another role', (t, g) => t.token({ ...g, roles: ['Contributor'] })],
    ['an expired lifetime', (t, g) => t.token(g, { expiresIn: Math.floor(Date.now() / 1000) - 3_600 })],
    ['an unknown kid', (t, g) => t.token(g, { kid: 'unknown-kid', key: 'stranger' })],
    ['a key the tenant does not publish', (t, g) => t.token(g, { key: 'stranger' })],
  ])('refuses a token with %s: 401 and nothing stored', async (_label, forge) => {
    const r = await call(withToken(await forge(tenant, good)), verifying);
    expect(r.status).toBe(401);
    expect(inbox.messages.size).toBe(0);
  });

  it('refuses HS256 keyed with the published public key (algorithm confusion)', async () => {
    const jwk = await publishedKey();
    const pem = await exportSPKI((await importJWK(jwk, 'RS256')) as Parameters<typeof exportSPKI>[0]);
    for (const secret of [pem, JSON.stringify(jwk)]) {
      const token = await new SignJWT(good)
        .setProtectedHeader({ alg: 'HS256', kid: jwk.kid ?? '' })
        .setExpirationTime('1h')
        .sign(new TextEncoder().encode(secret));
      expect((await call(withToken(token), verifying)).status).toBe(401);
    }
  });

  it('refuses a token carrying its own key (embedded jwk) or a key-set address (jku), and never fetches it', async () => {
    const attacker = await generateKeyPair('RS256', { extractable: true });
    const own = await exportJWK(attacker.publicKey);
    const embedded = await new SignJWT(good)
      .setProtectedHeader({ alg: 'RS256', kid: 'test-key-1', jwk: own })
      .setExpirationTime('1h')
      .sign(attacker.privateKey);
    const pointed = await new SignJWT(good)
      .setProtectedHeader({ alg: 'RS256', kid: 'attacker', jku: jku.url })
      .setExpirationTime('1h')
      .sign(attacker.privateKey);
    expect((await call(withToken(embedded), verifying)).status).toBe(401);
    expect((await call(withToken(pointed), verifying)).status).toBe(401);
    expect(jku.requests.length).toBe(0);
  });

  it('refuses an oversized token without verifying it', async () => {
    const token = await tenant.token({ ...good, padding: 'x'.repeat(20_000) });
    const before = tenant.fetches();
    const r = await call(withToken(token), verifying);
    expect(r.status).toBe(401);
    expect(tenant.fetches()).toBe(before);
  });

  it.each<[string, Record<string, unknown>]>([
    ['issued to another application of the tenant (azp)', { azp: '5b2e1c4d-8f7a-4e3b-9c6d-0a1f2e3d4c5b' }],
    [
      'issued to another application (v1 appid)',
      { azp: undefined, appid: '5b2e1c4d-8f7a-4e3b-9c6d-0a1f2e3d4c5b' },
    ],
    ['naming no calling application', { azp: undefined }],
  ])('refuses a token %s, though it holds the role', async (_label, claims) => {
    const r = await call(withToken(await tenant.token({ ...good, ...claims })), verifying);
    expect(r.status).toBe(401);
    expect(logs.join('\n')).toMatch(/ALERT_WEBHOOK_CALLER_APP_IDS|no calling application/);
  });
});
