/**
 * Attack: receivers that fail and echo what they were sent (their URL with its signature or token,
 * the routing key, the signing secret), in other spellings and past where a reply is cut short. A
 * person reading the output, the state, the logs or `deliveries list` must see none of it.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import { answerSnippet } from '../../src/deliver/responseText.js';
import { redact } from '../../src/redact.js';
import { memoryIo } from '../support/io.js';
import type { LocalReceiver, ReceivedRequest } from '../support/sinkReceivers.js';
import { NORMAL_ANSWERS, startReceiver } from '../support/sinkReceivers.js';

const SIG = 'Qk9HVVNzaWduYXR1cmUtb2YtdGhlLWZsb3ctMDEyMzQ1Ng';
const FLOW = '0f1e2d3c4b5a69788796a5b4c3d2e1f0';
const SLACK_TOKEN = 'xq7Lm2Vb9Np4Rt6Yw8Zc1Ka3';
const ROUTING_KEY = 'R0UT1NGKEYc0ffee0123456789abcdef';
const SIGNING_SECRET = `whsec_${Buffer.from('archive-signing-secret-0123456789ab').toString('base64')}`;

const FILLER = 'The request could not be processed because the payload did not match. '.repeat(4);

const ROUTING = `
receivers:
  - { name: teams, type: teams, url: { setting: TEAMS_URL }, maxPerSecond: 50 }
  - { name: slack, type: slack, url: { setting: SLACK_URL }, maxPerSecond: 50 }
  - { name: pagerduty, type: pagerduty, url: { setting: PAGERDUTY_URL }, secret: { setting: PAGERDUTY_KEY }, maxPerSecond: 50 }
  - { name: archive, type: generic, url: { setting: ARCHIVE_URL }, secret: { setting: ARCHIVE_SECRET } }
routes:
  - name: everything everywhere
    receivers: [teams, slack, pagerduty, archive]
default:
  receivers: [archive]
`;

/** Every spelling a secret could be found in: raw, URL-encoded, JSON-escaped, and its base64 body. */
function spellings(secret: string): string[] {
  const out = new Set([secret, encodeURIComponent(secret), JSON.stringify(secret).slice(1, -1)]);
  if (secret.startsWith('whsec_')) out.add(secret.slice('whsec_'.length));
  return [...out];
}

const SECRETS = [SIG, FLOW, SLACK_TOKEN, ROUTING_KEY, SIGNING_SECRET].flatMap(spellings);

function leaks(text: string): string[] {
  return SECRETS.filter((s) => text.includes(s));
}

/** Pieces of 8 characters or more of any secret: what a cut through a secret leaves behind. */
function fragments(text: string): string[] {
  const found = new Set<string>();
  for (const secret of SECRETS)
    for (let i = 0; i + 8 <= secret.length; i++) if (text.includes(secret.slice(i, i + 8))) found.add(secret);
  return [...found];
}

/** Every file under a folder, as text. */
function filesText(dir: string): string {
  return readdirSync(dir)
    .map((name) => join(dir, name))
    .map((p) => (statSync(p).isDirectory() ? filesText(p) : readFileSync(p, 'utf8')))
    .join('\n');
}

let dir: string;
let receivers: LocalReceiver[];
let env: NodeJS.ProcessEnv;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'leaks-'));
  writeFileSync(join(dir, 'routing.yaml'), ROUTING);
  const echo =
    (answer: (req: ReceivedRequest, url: string) => string, status: number) => (req: ReceivedRequest) => ({
      status,
      body: answer(req, `http://${req.headers.host ?? ''}${req.path}`),
      headers: { 'content-type': 'application/json' },
    });
  // The echoes are placed where shortening to 200 characters first would keep them, or cut through them.
  const teams = await startReceiver(
    NORMAL_ANSWERS.teams,
    echo(
      (_req, url) =>
        JSON.stringify({
          error: {
            code: 'TriggerInputSchemaMismatch',
            message: `Signature sig=${SIG} does not match flow ${FLOW}. ${FILLER} The flow at ${url} rejected it.`,
          },
        }),
      400,
    ),
  );
  const slack = await startReceiver(
    NORMAL_ANSWERS.slack,
    echo(
      (req) =>
        `invalid_token ${'.'.repeat(150)} token=${SLACK_TOKEN} for ${req.path} (${encodeURIComponent(req.path)})`,
      403,
    ),
  );
  const pagerduty = await startReceiver(
    NORMAL_ANSWERS.pagerduty,
    echo((req) => {
      const key = (JSON.parse(req.body) as { routing_key: string }).routing_key;
      const head = '{"status":"invalid event","message":"';
      // The key starts at character 185: a cut at 200 keeps a piece of it.
      const pad = 'x'.repeat(185 - head.length - '","errors":["Routing key '.length);
      return `${head}${pad}","errors":["Routing key ${key} is invalid"]}`;
    }, 400),
  );
  const archive = await startReceiver(
    NORMAL_ANSWERS.teams,
    echo(() => `{"error":"bad signature","detail":"${FILLER}","expected_secret":"${SIGNING_SECRET}"}`, 400),
  );
  receivers = [teams, slack, pagerduty, archive];
  const base = (r: LocalReceiver) => r.url.replace(/\/hook$/, '');
  env = {
    TEAMS_URL: `${base(teams)}/workflows/${FLOW}/triggers/manual/paths/invoke?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=${SIG}`,
    SLACK_URL: `${base(slack)}/services/T0A1B2C3D/B0A1B2C3D/${SLACK_TOKEN}`,
    PAGERDUTY_URL: `${base(pagerduty)}/v2/enqueue`,
    PAGERDUTY_KEY: ROUTING_KEY,
    ARCHIVE_URL: `${base(archive)}/hooks/aks`,
    ARCHIVE_SECRET: SIGNING_SECRET,
    DELIVERY_MAX_ATTEMPTS: '1',
  };
});

afterEach(async () => {
  await Promise.all(receivers.map((r) => r.close()));
  rmSync(dir, { recursive: true, force: true });
  vi.restoreAllMocks();
});

async function cli(args: string[]): Promise<{ code: number; text: string }> {
  const m = memoryIo('', env, dir);
  const code = await runCli(args, m.io);
  return { code, text: m.stdout() + m.stderr() };
}

describe('attack: receivers that fail and echo their secrets', () => {
  it('leave no secret in the run output, the logs, the state, or deliveries list', async () => {
    const logged: string[] = [];
    for (const level of ['log', 'info', 'warn', 'error', 'debug'] as const)
      vi.spyOn(console, level).mockImplementation(
        (...args: unknown[]) => void logged.push(args.map(String).join(' ')),
      );

    const run = await cli([
      'run',
      '--source',
      'sample',
      '--config',
      'routing.yaml',
      '--state',
      'state',
      '--out',
      'out',
    ]);
    // Every receiver was reached and answered with its secrets, and everything was dead-lettered.
    for (const r of receivers) expect(r.requests.length).toBeGreaterThan(0);
    expect(run.text).toMatch(/dead-lettered|dead/);

    const list = await cli(['deliveries', 'list', '--state', 'state', '--status', 'dead']);
    const json = await cli(['deliveries', 'list', '--state', 'state', '--status', 'dead', '--json']);
    // The errors are there to read, with the secrets taken out.
    expect(list.text).toMatch(/last error: HTTP 400: \{"error":\{"code":"TriggerInputSchemaMismatch"/);
    expect(list.text).toMatch(/last error: HTTP 403: invalid_token \.+ token=<redacted>/);

    // Not a secret whole, nor a piece of one long enough to matter.
    expect(fragments(run.text)).toEqual([]);
    expect(fragments(logged.join('\n'))).toEqual([]);
    expect(fragments(filesText(join(dir, 'state')))).toEqual([]);
    expect(fragments(list.text)).toEqual([]);
    expect(fragments(json.text)).toEqual([]);
  });

  /** `before` + secret + `after`, padded so that the secret starts at character 190 of 200. */
  const straddling = (before: string, secret: string, after = ` ${FILLER}`): string =>
    `${'x'.repeat(Math.max(0, 189 - before.length))} ${before}${secret}${after}`;
  it.each([
    [
      'a Teams Workflows sig',
      straddling(
        `https://prod-12.westeurope.logic.azure.com:443/workflows/${FLOW}/triggers/manual/paths/invoke?api-version=2016-06-01&sv=1.0&sig=`,
        SIG,
      ),
    ],
    [
      'a Slack webhook token',
      straddling('https://hooks.slack.com/services/T0A1B2C3D/B0A1B2C3D/', SLACK_TOKEN),
    ],
    ['a PagerDuty routing key', straddling('{"routing_key":"', ROUTING_KEY, `"} ${FILLER}`)],
    ['a signing secret', straddling('secret=', SIGNING_SECRET)],
    [
      'a Teams sig inside the first 200 characters, URL-encoded',
      `sig%3D${encodeURIComponent(SIG)} was refused`,
    ],
  ])('an answer echoing %s leaves no piece of it in the delivery reason', (_label, body) => {
    expect(fragments(answerSnippet(400, body))).toEqual([]);
  });

  it("redacts a receiver's own secrets in every spelling, even outside any URL", () => {
    const receiver = {
      url: `https://hooks.slack.com/services/T0A1B2C3D/B0A1B2C3D/${SLACK_TOKEN}`,
      secret: ROUTING_KEY,
    };
    const text = `token ${SLACK_TOKEN}; key ${ROUTING_KEY}; encoded ${encodeURIComponent(`/B0A1B2C3D/${SLACK_TOKEN}`)}`;
    expect(leaks(redact(text, [receiver]))).toEqual([]);
  });
});
