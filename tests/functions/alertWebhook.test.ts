import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loggingContext } from '../support/functionContext.js';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { HttpRequest } from '@azure/functions';
import type { HttpResponseInit } from '@azure/functions';
import { alertWebhookHandler } from '../../functions/alertWebhook.js';
import { createApp } from '../../src/app/app.js';
import { MAX_ALERT_BODY_BYTES } from '../../src/sources/commonAlert/receiveAlertWebhook.js';
import type { AlertWebhookDeps } from '../../src/sources/commonAlert/receiveAlertWebhook.js';
import { ALERT_DELIVERY_CLAIMS, deliveryClaims } from '../../src/sources/commonAlert/deliveryClaims.js';
import { claimScope } from '../../src/state/dedup.js';
import type { KeyValueStore } from '../../src/state/keyValueStore.js';
import { createFileStore } from '../../src/state/fileStore.js';
import { createMemoryStore } from '../../src/state/memoryStore.js';
import {
  createSecureWebhookVerifier,
  ACTION_GROUP_APP_ID,
  SECURE_WEBHOOK_ROLE,
} from '../../src/sources/commonAlert/secureWebhookAuth.js';
import { alertFixtureText, setAt } from '../support/commonAlertFixtures.js';
import { MemoryInbox } from '../support/memoryInbox.js';
import { httpsFetchTrustingTestCa, startLocalTenant } from '../support/entraTokens.js';
import type { LocalTenant } from '../support/entraTokens.js';

const FUNCTION_KEY = 'fk-Zx81_secret-function-key==';
const URL_WITH_KEY = `https://enricher.example.net/api/alertWebhook?code=${encodeURIComponent(FUNCTION_KEY)}`;
const DAY = 86_400_000;

/** The state store the production claims use, able to fail like an unreachable table. */
function claimStore(): KeyValueStore & { failing: boolean } {
  const store = createMemoryStore();
  const wrapped = {
    failing: false,
    get: <T>(scope: string, key: string) => (wrapped.failing ? down() : store.get<T>(scope, key)),
    create: (scope: string, key: string, value: unknown) =>
      wrapped.failing ? down() : store.create(scope, key, value),
    put: (scope: string, key: string, value: unknown, ifVersion?: string) =>
      wrapped.failing ? down() : store.put(scope, key, value, ifVersion),
    delete: (scope: string, key: string, ifVersion?: string) => store.delete(scope, key, ifVersion),
    list: <T>(scope: string, prefix?: string) => store.list<T>(scope, prefix),
  };
  return wrapped;
}
const down = (): Promise<never> => Promise.reject(new Error('table storage unavailable'));

async function claimedKeys(store: KeyValueStore): Promise<number> {
  let n = 0;
  for await (const _ of store.list(claimScope(ALERT_DELIVERY_CLAIMS))) n++;
  return n;
}

let inbox: MemoryInbox;
let claims: ReturnType<typeof claimStore>;
let deps: AlertWebhookDeps;
let logs: string[];

const context = () => loggingContext('alertWebhook', logs);

function post(body: string | Uint8Array, headers: Record<string, string> = {}): HttpRequest {
  return new HttpRequest({
    method: 'POST',
    url: URL_WITH_KEY,
    body: typeof body === 'string' ? { string: body } : { bytes: body },
    headers: { 'content-type': 'application/json', ...headers },
  });
}

async function call(request: HttpRequest, d: AlertWebhookDeps = deps): Promise<HttpResponseInit> {
  return alertWebhookHandler(() => d)(request, context());
}

const json = (r: HttpResponseInit): Record<string, unknown> => r.jsonBody as Record<string, unknown>;

function expectNoSecrets(r: HttpResponseInit, ...secrets: string[]): void {
  const everything = JSON.stringify(r) + logs.join('\n');
  for (const s of [FUNCTION_KEY, ...secrets]) expect(everything).not.toContain(s);
}

beforeEach(() => {
  inbox = new MemoryInbox();
  claims = claimStore();
  logs = [];
  deps = { inbox, claims: deliveryClaims(claims), claimTtlMs: 7 * DAY };
});

const FIRED = 'commonAlert/metric-cluster-node-not-ready.json';
const RESOLVED = 'commonAlert/metric-cluster-node-not-ready-resolved.json';

describe('alertWebhook: good input', () => {
  it('stores the validated alert in the inbox and answers 202', async () => {
    const r = await call(post(alertFixtureText(FIRED)));
    expect(r.status).toBe(202);
    expect(json(r)).toMatchObject({ status: 'accepted', monitorCondition: 'Fired' });
    expect(inbox.messages.size).toBe(1);
    const [message] = inbox.messages.values();
    expect(message?.alert.type).toBe('metric');
    expect(message?.key).toMatch(/\|fired$/);
    expectNoSecrets(r);
  });

  it.each([
    'samples/common-alert-log-search.json',
    'samples/common-alert-activity-log-administrative.json',
    'samples/common-alert-metric-static.json',
    'samples/common-alert-metric-dynamic.json',
    'samples/common-alert-metric-resolved.json',
    'samples/common-alert-resource-health.json',
    'samples/CONSTRUCTED-common-alert-activity-log-aks-agentpool-failed.json',
    'commonAlert/activity-log-agentpool-subnet-full.json',
    'commonAlert/log-search-kubeevents-auto-repair.json',
    'commonAlert/prometheus-pod-crashlooping.json',
    // Documented payloads that were refused or skipped before: numeric service-health fields,
    // signalType "ActivityLog", budget alerts without rule, severity or signalType.
    'realWorld/commonAlert/testaction-servicehealth.json',
    'realWorld/commonAlert/servicehealth-maintenance.json',
    'realWorld/commonAlert/testaction-budget.json',
    'realWorld/commonAlert/testaction-smart-detector.json',
  ])('accepts %s', async (path) => {
    const r = await call(post(alertFixtureText(path)));
    expect(r.status).toBe(202);
    expect(json(r).status).toBe('accepted');
  });

  it('accepts a duplicate delivery with 202 and does not store it twice', async () => {
    expect(json(await call(post(alertFixtureText(FIRED)))).status).toBe('accepted');
    const again = await call(post(alertFixtureText(FIRED)));
    expect(again.status).toBe(202);
    expect(json(again).status).toBe('duplicate');
    expect(inbox.messages.size).toBe(1);
  });

  it('stores one copy when the same alert arrives several times at once', async () => {
    const results = await Promise.all(Array.from({ length: 5 }, () => call(post(alertFixtureText(FIRED)))));
    expect(results.map((r) => r.status)).toEqual([202, 202, 202, 202, 202]);
    expect(results.filter((r) => json(r).status === 'accepted')).toHaveLength(1);
    expect(inbox.messages.size).toBe(1);
  });

  it('without a claim store, stores every delivery (processing then drops the duplicates)', async () => {
    const noClaims: AlertWebhookDeps = { inbox, claimTtlMs: DAY };
    expect(json(await call(post(alertFixtureText(FIRED)), noClaims)).status).toBe('accepted');
    expect(json(await call(post(alertFixtureText(FIRED)), noClaims)).status).toBe('accepted');
    expect(inbox.messages.size).toBe(2);
  });

  it('treats the resolve of an alert as a new delivery', async () => {
    await call(post(alertFixtureText(FIRED)));
    const r = await call(post(alertFixtureText(RESOLVED)));
    expect(json(r)).toMatchObject({ status: 'accepted', monitorCondition: 'Resolved' });
    expect(inbox.messages.size).toBe(2);
  });

  it('accepts an alert of an unknown signalType (the action group chose to send it)', async () => {
    const body = JSON.parse(alertFixtureText(FIRED)) as unknown;
    setAt(body, 'data.essentials.signalType', 'Smart Signal');
    const r = await call(post(JSON.stringify(body)));
    expect(r.status).toBe(202);
    expect(json(r)).toMatchObject({ status: 'accepted' });
    expect(inbox.messages.size).toBe(1);
  });
});

describe('alertWebhook: bad input gets 400 with what was wrong', () => {
  it('refuses a body that is not JSON, without echoing it', async () => {
    const r = await call(post('schemaId=azureMonitorCommonAlertSchema&token=abc123secret'));
    expect(r.status).toBe(400);
    expect(json(r).error).toBe('invalid-json');
    expectNoSecrets(r, 'abc123secret');
    expect(inbox.messages.size).toBe(0);
  });

  it('refuses an empty body', async () => {
    const r = await call(post(''));
    expect(r.status).toBe(400);
    expect(json(r).error).toBe('invalid-json');
  });

  it('refuses JSON that is not the common alert schema and says to enable it', async () => {
    const r = await call(
      post(JSON.stringify({ status: 'Activated', context: { name: 'legacy metric alert' } })),
    );
    expect(r.status).toBe(400);
    expect(json(r)).toMatchObject({ error: 'invalid-alert' });
    expect(JSON.stringify(json(r).problems)).toContain('enable the common alert schema');
  });

  it('names missing required fields by path', async () => {
    const body = JSON.parse(alertFixtureText(FIRED)) as unknown;
    setAt(body, 'data.essentials.alertId', undefined);
    setAt(body, 'data.essentials.monitorCondition', 'Flapping');
    const r = await call(post(JSON.stringify(body)));
    expect(r.status).toBe(400);
    const problems = json(r).problems as { path: string; message: string }[];
    expect(problems).toContainEqual({ path: 'data.essentials.alertId', message: 'is required' });
    expect(problems.map((p) => p.path)).toContain('data.essentials.monitorCondition');
    expect(JSON.stringify(r)).not.toMatch(/\bat \w+ \(|node_modules|\.ts:\d+/);
  });

  it('refuses a body over the size limit by its Content-Length, before reading it', async () => {
    const big = 'x'.repeat(MAX_ALERT_BODY_BYTES + 1);
    const r = await call(post(big, { 'content-length': String(big.length) }));
    expect(r.status).toBe(400);
    expect(json(r).error).toBe('payload-too-large');
  });

  it('refuses a body over the size limit that declares no length, while streaming it', async () => {
    const body = JSON.parse(alertFixtureText(FIRED)) as unknown;
    setAt(body, 'data.essentials.description', 'y'.repeat(MAX_ALERT_BODY_BYTES));
    const request = post(new TextEncoder().encode(JSON.stringify(body)));
    expect(request.headers.get('content-length')).toBeNull();
    const r = await call(request);
    expect(r.status).toBe(400);
    expect(json(r).error).toBe('payload-too-large');
  });

  it('accepts a large alert within the limit (a 250 KB description)', async () => {
    const body = JSON.parse(alertFixtureText(FIRED)) as unknown;
    setAt(body, 'data.essentials.description', 'z'.repeat(250 * 1024));
    const r = await call(post(JSON.stringify(body)));
    expect(r.status).toBe(202);
    const [message] = inbox.messages.values();
    expect(message?.alert.essentials.description?.length).toBe(250 * 1024);
  });

  it('refuses bytes that are not UTF-8', async () => {
    const r = await call(post(new Uint8Array([0x7b, 0xff, 0xfe, 0x7d])));
    expect(r.status).toBe(400);
    expect(json(r).error).toBe('invalid-body');
  });
});

describe('alertWebhook: storage trouble', () => {
  it('answers 503 with Retry-After when the inbox cannot be written, and keeps no claim', async () => {
    inbox.failing = true;
    const r = await call(post(alertFixtureText(FIRED)));
    expect(r.status).toBe(503);
    expect((r.headers as Record<string, string>)['Retry-After']).toBe('10');
    expect(await claimedKeys(claims)).toBe(0);
    inbox.failing = false;
    // The action group's retry then goes through.
    expect(json(await call(post(alertFixtureText(FIRED)))).status).toBe('accepted');
    expect(inbox.messages.size).toBe(1);
  });

  it('still accepts a stored alert when the claim store is down (the processor is idempotent)', async () => {
    claims.failing = true;
    const r = await call(post(alertFixtureText(FIRED)));
    expect(r.status).toBe(202);
    expect(inbox.messages.size).toBe(1);
    expect(logs.some((l) => l.startsWith('warning') && l.includes('claims unavailable'))).toBe(true);
  });

  it('answers 503 when the function is not configured (no storage connection)', async () => {
    const r = await alertWebhookHandler(() => createApp({}).alertWebhookDeps())(
      post(alertFixtureText(FIRED)),
      context(),
    );
    expect(r.status).toBe(503);
    expect(logs.some((l) => l.startsWith('error') && l.includes('AzureWebJobsStorage'))).toBe(true);
  });

  it('recognises redeliveries at the door when deployed: claims kept in the state store', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'alert-claims-'));
    try {
      const d = await createApp({
        AzureWebJobsStorage: 'UseDevelopmentStorage=true',
        STATE_DIR: dir,
      }).alertWebhookDeps();
      expect(await d.claims?.claim('alert-1|Fired', DAY)).toBe(true);
      // Another instance with the same settings shares the store, so it sees the claim.
      const other = createFileStore(dir);
      expect(await deliveryClaims(other).claim('alert-1|Fired', DAY)).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('alertWebhook: Secure Webhook (Entra ID) protection', () => {
  const CLIENT_ID = '0d7c4b52-6f1e-4a39-9b8d-3e2f1a0c5b74';
  let tenant: LocalTenant;
  let authDeps: () => AlertWebhookDeps;
  let goodClaims: Record<string, unknown>;

  beforeAll(async () => {
    tenant = await startLocalTenant({});
    goodClaims = {
      iss: `https://login.microsoftonline.com/${tenant.tenantId}/v2.0`,
      aud: CLIENT_ID,
      roles: [SECURE_WEBHOOK_ROLE],
      azp: ACTION_GROUP_APP_ID,
    };
    const verifyBearer = createSecureWebhookVerifier({
      tenantId: tenant.tenantId,
      audiences: ['api://aks-alert-enricher', CLIENT_ID],
      authorityHost: 'https://login.microsoftonline.com',
      jwksUrl: tenant.jwksUrl,
      fetch: httpsFetchTrustingTestCa,
    });
    authDeps = () => ({ ...deps, verifyBearer });
  });
  afterAll(() => tenant.close());

  it('accepts a request with a valid token', async () => {
    const token = await tenant.token(goodClaims);
    const r = await call(post(alertFixtureText(FIRED), { authorization: `Bearer ${token}` }), authDeps());
    expect(r.status).toBe(202);
    expectNoSecrets(r, token);
  });

  it('refuses a request without a token: 401, a Bearer challenge, nothing stored', async () => {
    const r = await call(post(alertFixtureText(FIRED)), authDeps());
    expect(r.status).toBe(401);
    expect((r.headers as Record<string, string>)['WWW-Authenticate']).toBe('Bearer');
    expect(json(r)).toEqual({
      error: 'unauthorized',
      message: 'A valid Microsoft Entra ID bearer token for this endpoint is required.',
    });
    expect(inbox.messages.size).toBe(0);
  });

  it.each<[string, Record<string, unknown>]>([
    ['the wrong audience', { aud: 'api://other-app' }],
    ['no ActionGroupsSecureWebhook role', { roles: ['Contributor'] }],
    ['another tenant', { iss: 'https://sts.windows.net/11111111-2222-3333-4444-555555555555/' }],
  ])('refuses a token with %s: 401 invalid_token, the same body, no detail', async (_label, claims) => {
    const token = await tenant.token({ ...goodClaims, ...claims });
    const r = await call(post(alertFixtureText(FIRED), { authorization: `Bearer ${token}` }), authDeps());
    expect(r.status).toBe(401);
    expect((r.headers as Record<string, string>)['WWW-Authenticate']).toBe('Bearer error="invalid_token"');
    expect(json(r).message).toBe('A valid Microsoft Entra ID bearer token for this endpoint is required.');
    expect(inbox.messages.size).toBe(0);
    expectNoSecrets(r, token);
  });

  it('checks the token before reading the body (an oversized anonymous body gets 401)', async () => {
    const big = 'x'.repeat(MAX_ALERT_BODY_BYTES + 10);
    const r = await call(post(big), authDeps());
    expect(r.status).toBe(401);
  });
});
