import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import { cardProblems } from '../render/cardValidator.js';
import { memoryIo } from '../support/io.js';
import type { LocalReceiver } from '../support/sinkReceivers.js';
import { NORMAL_ANSWERS, startReceiver } from '../support/sinkReceivers.js';
import { WebhookReceiver } from '../support/webhookReceiver.js';

const SECRET = `whsec_${Buffer.from('every-sink-signing-secret-0123456789').toString('base64')}`;
const ROUTING_KEY = 'R0UT1NGKEY0000000000000000000000';

/** Every receiver type, each fed by every notification (rate limits raised: the services are local). */
const ROUTING = `
receivers:
  - { name: teams, type: teams, url: { setting: TEAMS_URL }, maxPerSecond: 50 }
  - { name: slack, type: slack, url: { setting: SLACK_URL }, maxPerSecond: 50 }
  - { name: pagerduty, type: pagerduty, url: { setting: PAGERDUTY_URL }, secret: { setting: PAGERDUTY_KEY } }
  - { name: archive, type: generic, url: { setting: ARCHIVE_URL }, secret: { setting: ARCHIVE_SECRET } }
routes:
  - name: everything everywhere
    receivers: [teams, slack, pagerduty, archive]
default:
  receivers: [archive]
`;

let dir: string;
let teams: LocalReceiver;
let slack: LocalReceiver;
let pagerduty: LocalReceiver;
let archive: WebhookReceiver;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'run-sinks-'));
  writeFileSync(join(dir, 'routing.yaml'), ROUTING);
  teams = await startReceiver(NORMAL_ANSWERS.teams);
  slack = await startReceiver(NORMAL_ANSWERS.slack);
  pagerduty = await startReceiver(NORMAL_ANSWERS.pagerduty);
  archive = new WebhookReceiver(SECRET);
  await archive.start();
});

afterEach(async () => {
  await Promise.all([teams.close(), slack.close(), pagerduty.close(), archive.stop()]);
  rmSync(dir, { recursive: true, force: true });
});

describe('run --source sample --config with Teams, Slack, PagerDuty and generic receivers', () => {
  it('delivers every notification to each, in each service format, once', async () => {
    const env = {
      TEAMS_URL: teams.url,
      SLACK_URL: slack.url,
      PAGERDUTY_URL: pagerduty.url,
      PAGERDUTY_KEY: ROUTING_KEY,
      ARCHIVE_URL: archive.url,
      ARCHIVE_SECRET: SECRET,
    };
    const run = async () => {
      const m = memoryIo('', env, dir);
      const code = await runCli(
        [
          'run',
          '--source',
          'sample',
          '--config',
          'routing.yaml',
          '--state',
          'state',
          '--out',
          'out',
          '--quiet',
        ],
        m.io,
      );
      return { code, out: m.stdout(), err: m.stderr() };
    };
    const first = await run();
    expect(first.code, first.err).toBe(0);
    const planned = Number(/(\d+) planned/.exec(first.out)?.[1]);
    expect(planned).toBeGreaterThan(5);
    expect(first.out).toContain(`Delivery: ${4 * planned} delivered, 0 pending`);

    expect(teams.requests).toHaveLength(planned);
    for (const r of teams.requests) {
      const body = JSON.parse(r.body) as {
        type: string;
        attachments: { contentType: string; content: unknown }[];
      };
      expect(body.type).toBe('message');
      expect(body.attachments[0]?.contentType).toBe('application/vnd.microsoft.card.adaptive');
      expect(cardProblems(body.attachments[0]?.content)).toEqual([]);
      expect(Buffer.byteLength(r.body)).toBeLessThan(28_000);
    }

    expect(slack.requests).toHaveLength(planned);
    for (const r of slack.requests) {
      const body = JSON.parse(r.body) as { text: string; blocks: unknown[] };
      expect(body.text.length).toBeGreaterThan(0);
      expect(body.blocks.length).toBeGreaterThan(0);
      expect(body.blocks.length).toBeLessThanOrEqual(50);
    }

    expect(pagerduty.requests).toHaveLength(planned);
    for (const r of pagerduty.requests) {
      const body = JSON.parse(r.body) as {
        routing_key: string;
        event_action: string;
        dedup_key: string;
        payload?: { summary: string; severity: string };
      };
      expect(body.routing_key).toBe(ROUTING_KEY);
      expect(['trigger', 'resolve']).toContain(body.event_action);
      expect(body.dedup_key).toMatch(/^[0-9a-f]{32}$/);
      if (body.event_action === 'trigger') {
        expect(body.payload?.summary.length).toBeLessThanOrEqual(1024);
        expect(['critical', 'error', 'warning', 'info']).toContain(body.payload?.severity);
      }
    }

    expect(archive.requests).toHaveLength(planned);
    expect(archive.requests.every((q) => q.signatureValid)).toBe(true);

    // Nothing is sent twice on the next run, and no secret reached the output.
    const second = await run();
    expect(second.out).toContain('Delivery: 0 delivered, 0 pending');
    expect(teams.requests.length + slack.requests.length + pagerduty.requests.length).toBe(3 * planned);
    expect(first.out + first.err + second.out + second.err).not.toContain(ROUTING_KEY);
  });
});
