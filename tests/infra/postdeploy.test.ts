/**
 * The azd postdeploy hook (infra/hooks/postdeploy.mjs), run as azd runs it: a child process with the
 * azd environment in its variables. `azd` is a stand-in script on PATH that records its arguments and
 * hands out a token; Resource Manager is a local HTTPS server speaking the real "list functions" shape.
 */
import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:https';
import type { Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const HOOK = join(ROOT, 'infra', 'hooks', 'postdeploy.mjs');
const CERT = join(ROOT, 'tests', 'fixtures', 'tls', 'cert.pem');
const KEY = join(ROOT, 'tests', 'fixtures', 'tls', 'key.pem');
const LIST_PATH =
  '/subscriptions/sub-1/resourceGroups/rg-test/providers/Microsoft.Web/sites/func-test/functions';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  azdCalls: string[];
}

let server: Server;
let armUrl: string;
let workDir: string;
/** What the fake ARM lists on each successive call (the last entry repeats). */
let listings: string[][] = [];
let requests: { path: string; auth: string | undefined }[] = [];

beforeAll(async () => {
  server = createServer({ cert: readFileSync(CERT), key: readFileSync(KEY) }, (req, res) => {
    const url = new URL(req.url ?? '/', 'https://localhost');
    requests.push({
      path: `${url.pathname}?${url.searchParams.toString()}`,
      auth: req.headers.authorization,
    });
    if (url.pathname !== LIST_PATH || url.searchParams.get('api-version') !== '2024-04-01') {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { code: 'NotFound', message: 'no such route' } }));
      return;
    }
    const names = listings[Math.min(requests.length - 1, listings.length - 1)] ?? [];
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        value: names.map((n) => ({
          id: `${LIST_PATH}/${n}`,
          name: `func-test/${n}`,
          type: 'Microsoft.Web/sites/functions',
          properties: { name: n, config: {} },
        })),
      }),
    );
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  armUrl = `https://127.0.0.1:${String((server.address() as AddressInfo).port)}/`;
});

afterAll(async () => {
  await new Promise<void>((done) => server.close(() => done()));
});

beforeEach(() => {
  workDir = mkdtempSync(join(tmpdir(), 'postdeploy-'));
  // The stand-in azd: records its arguments, answers `auth token` like azd does.
  const fake = join(workDir, 'azd');
  writeFileSync(
    fake,
    [
      '#!/usr/bin/env node',
      "const fs = require('node:fs');",
      "fs.appendFileSync(process.env.FAKE_AZD_LOG, process.argv.slice(2).join(' ') + '\\n');",
      "if (process.argv[2] === 'auth') process.stdout.write(JSON.stringify({ token: 'test-token', expiresOn: '2099-01-01T00:00:00Z' }));",
    ].join('\n'),
  );
  chmodSync(fake, 0o755);
  writeFileSync(join(workDir, 'azd.log'), '');
  requests = [];
});

afterEach(() => {
  rmSync(workDir, { recursive: true, force: true });
});

function runHook(env: Record<string, string | undefined>): Promise<Run> {
  const base: Record<string, string | undefined> = {
    PATH: `${workDir}:${process.env.PATH ?? ''}`,
    FAKE_AZD_LOG: join(workDir, 'azd.log'),
    NODE_EXTRA_CA_CERTS: CERT,
    AZURE_ARM_ENDPOINT: armUrl,
    POSTDEPLOY_POLL_SECONDS: '0.05',
    POSTDEPLOY_WAIT_SECONDS: '3',
    AZURE_SUBSCRIPTION_ID: 'sub-1',
    AZURE_RESOURCE_GROUP: 'rg-test',
    AZURE_FUNCTION_APP_NAME: 'func-test',
    AZURE_EVENT_GRID_FUNCTION_NAME: 'aksEvents',
    AZURE_ALERT_WEBHOOK_FUNCTION_NAME: 'alertWebhook',
    DEPLOY_EVENT_SUBSCRIPTIONS: 'false',
  };
  const merged = Object.fromEntries(
    Object.entries({ ...base, ...env }).filter((e): e is [string, string] => e[1] !== undefined),
  );
  return new Promise((done) => {
    execFile(process.execPath, [HOOK], { env: merged, timeout: 20_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      const azdCalls = readFileSync(join(workDir, 'azd.log'), 'utf8').split('\n').filter(Boolean);
      done({ code, stdout, stderr, azdCalls });
    });
  });
}

describe('postdeploy hook', () => {
  it('waits until both functions are listed, then turns the flag on and provisions again', async () => {
    listings = [[], ['alertWebhook'], ['alertWebhook', 'aksEvents', 'alertProcess']];
    const run = await runHook({});
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(requests.length).toBeGreaterThanOrEqual(3);
    expect(requests.every((r) => r.auth === 'Bearer test-token')).toBe(true);
    const wiring = run.azdCalls.filter((c) => !c.startsWith('auth token'));
    expect(wiring).toEqual(['env set DEPLOY_EVENT_SUBSCRIPTIONS true', 'provision --no-prompt']);
    expect(run.stdout).toMatch(/waiting for aksEvents/);
  });

  it('does nothing once the flag is on (later deploys)', async () => {
    listings = [['alertWebhook', 'aksEvents']];
    const run = await runHook({ DEPLOY_EVENT_SUBSCRIPTIONS: 'True' });
    expect(run.code).toBe(0);
    expect(run.azdCalls).toEqual([]);
    expect(requests).toEqual([]);
  });

  it('can be switched off', async () => {
    const run = await runHook({ AZD_SKIP_SECOND_PROVISION: 'true' });
    expect(run.code).toBe(0);
    expect(run.azdCalls).toEqual([]);
  });

  it('names the missing azd environment values and provisions nothing', async () => {
    const run = await runHook({ AZURE_FUNCTION_APP_NAME: undefined, AZURE_RESOURCE_GROUP: '' });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/AZURE_RESOURCE_GROUP, AZURE_FUNCTION_APP_NAME/);
    expect(run.azdCalls).toEqual([]);
  });

  it('gives up with the manual command when a function never appears, without provisioning', async () => {
    listings = [['alertWebhook']];
    const run = await runHook({ POSTDEPLOY_WAIT_SECONDS: '0.5' });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/does not list aksEvents/);
    expect(run.stderr).toMatch(/azd env set DEPLOY_EVENT_SUBSCRIPTIONS true && azd provision/);
    expect(run.azdCalls.filter((c) => !c.startsWith('auth token'))).toEqual([]);
  });

  it('keeps polling through Resource Manager errors', async () => {
    listings = [['alertWebhook', 'aksEvents']];
    // Wrong app name first: the fake answers 404 for it, so the hook reports and keeps waiting until timeout.
    const run = await runHook({ AZURE_FUNCTION_APP_NAME: 'other-app', POSTDEPLOY_WAIT_SECONDS: '0.3' });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/could not list functions yet: listing functions: HTTP 404/);
  });
});
