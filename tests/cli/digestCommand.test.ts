import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { digestCommand } from '../../src/cli/digestCommand.js';
import type { Digest } from '../../src/model.js';
import { memoryIo } from '../support/io.js';
import { WebhookReceiver } from '../support/webhookReceiver.js';

const SECRET = `whsec_${Buffer.from('digest-command-signing-secret-0123').toString('base64')}`;

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'digest-cli-'));
}

describe('digest command', () => {
  it('writes HTML, Markdown and JSON for the sample fleet', async () => {
    const dir = tmp();
    const { io, stdout, stderr } = memoryIo('', {}, dir);
    expect(await digestCommand.run(['--source', 'sample', '--out', 'report'], io)).toBe(0);
    expect(stderr()).toBe('');
    const json = JSON.parse(readFileSync(join(dir, 'report', 'digest.json'), 'utf8')) as Digest;
    expect(json.totals.failures).toBeGreaterThan(10);
    expect(json.clusters.length).toBeGreaterThan(3);
    expect(json.autoRepair.failed).toBeGreaterThan(0);
    expect(readFileSync(join(dir, 'report', 'digest.md'), 'utf8')).toContain('## Top errors');
    expect(readFileSync(join(dir, 'report', 'digest.html'), 'utf8')).toContain('data-chart="hourly"');
    expect(stdout()).toMatch(/AKS failures on \d+ clusters/);
    expect(stdout()).toContain('wrote ');
    // The sample is full enough to show every part: versions from its saved cluster list, a
    // support notice, the day before for the trend, and a node back under repair.
    expect(json.clusters.every((c) => /^1\.\d+\.\d+$/.test(c.kubernetesVersion ?? ''))).toBe(true);
    expect(json.clusters.find((c) => c.support)).toMatchObject({
      name: 'aks-ml-dev-eus2',
      support: 'ending',
    });
    expect(json.totals.previous.failures).toBeGreaterThan(0);
    expect(json.totals.recurringProblems).toBeGreaterThan(0);
    expect(json.errors.some((e) => !e.isNew && e.previousCount > 0)).toBe(true);
    expect(json.autoRepair.repeatedNodes).toEqual([expect.objectContaining({ episodes: 2 })]);
    expect(json.errors.every((e) => !e.code.startsWith('unmatched:'))).toBe(true);
    expect(json.uncatalogued.length).toBeGreaterThan(0);
  });

  it('reads an exported file over a given window into one format', async () => {
    const dir = tmp();
    const rows = [
      {
        TimeGenerated: '2026-11-20T08:00:00Z',
        ClusterName: 'aks-x',
        _ResourceId:
          '/subscriptions/3f2c1a9e-7b4d-4c1e-9a8f-2d6e5b4c3a21/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks-x',
        ObjectKind: 'Node',
        Name: 'aks-pool-1-vmss000001',
        Reason: 'NodeRebootError',
        KubeEventType: 'Warning',
        SourceComponent: 'aks-auto-repair',
        Message:
          'Node auto-repair reboot action failed due to an operation failure: ARM ErrorCode: VMRedeploymentFailed',
      },
    ];
    writeFileSync(join(dir, 'rows.json'), JSON.stringify(rows));
    const { io, stdout } = memoryIo('', {}, dir);
    const code = await digestCommand.run(
      [
        '--source',
        'rows.json',
        '--from',
        '2026-11-20T06:00:00Z',
        '--to',
        '2026-11-20T12:00:00Z',
        '--format',
        'json',
        '--out',
        'd.json',
      ],
      io,
    );
    expect(code).toBe(0);
    const d = JSON.parse(readFileSync(join(dir, 'd.json'), 'utf8')) as Digest;
    expect(d.window).toEqual({ start: '2026-11-20T06:00:00.000Z', end: '2026-11-20T12:00:00.000Z' });
    expect(d.hourly.hours).toHaveLength(6);
    expect(d.totals.failures).toBe(1);
    expect(d.autoRepair.failed).toBe(1);
    expect(stdout()).toContain('1 AKS failures on 1 cluster');
  });

  it('names bad arguments and unreadable input', async () => {
    const dir = tmp();
    const cases: [string[], RegExp][] = [
      [['--format', 'pdf'], /unknown --format pdf/],
      [['--from', 'yesterday'], /--from is not a date\/time/],
      [['--window', 'soon'], /--window must be a duration/],
      [['--source', 'missing.json'], /cannot read missing\.json: ENOENT/],
      [['--source', 'workspace:'], /needs at least one workspace id/],
      [['--out', 'x.html'], /is one file; give one --format/],
      [['--from', '2026-11-20T10:00:00Z', '--to', '2026-11-20T09:00:00Z'], /--to must be after --from/],
      [['--webhook', 'http://hooks.example.com/x'], /--webhook must be https/],
    ];
    for (const [args, message] of cases) {
      const { io, stderr } = memoryIo('', {}, dir);
      expect(await digestCommand.run(args, io)).toBe(2);
      expect(stderr()).toMatch(message);
    }
  });
});

describe('digest --webhook', () => {
  let receiver: WebhookReceiver;
  beforeEach(async () => {
    receiver = new WebhookReceiver(SECRET);
    await receiver.start();
  });
  afterEach(() => receiver.stop());

  async function send(dir: string, env: NodeJS.ProcessEnv = {}, ...extra: string[]) {
    const m = memoryIo('', env, dir);
    const code = await digestCommand.run(
      ['--source', 'sample', '--format', 'json', '--out', 'd', '--webhook', receiver.url, ...extra],
      m.io,
    );
    return { code, out: m.stdout(), err: m.stderr() };
  }

  it('sends the JSON digest once per window, signed, through the outbox of the state folder', async () => {
    const dir = tmp();
    const first = await send(dir, {}, '--secret', SECRET, '--state', 'st');
    expect(first.code).toBe(0);
    expect(first.err).toBe('');
    expect(first.out).toContain('webhook: digest queued');
    expect(first.out).toContain('delivery: 1 delivered, 0 pending, 0 dead-lettered');
    expect(receiver.requests).toHaveLength(1);
    const req = receiver.requests[0];
    expect(req?.signatureValid).toBe(true);
    const written = JSON.parse(readFileSync(join(dir, 'd', 'digest.json'), 'utf8')) as Digest;
    const body = JSON.parse(req?.body ?? '{}') as { type: string; digest: Digest };
    expect(body.type).toBe('aks.digest');
    expect(body.digest.window).toEqual(written.window);
    expect(body.digest.totals).toEqual(written.totals);
    expect(req?.headers['webhook-id']).toBe(`digest:${written.window.end}:webhook`);

    // The same window again, secret from the environment this time: nothing new is sent.
    const second = await send(dir, { WEBHOOK_SECRET: SECRET }, '--state', 'st');
    expect(second.code).toBe(0);
    expect(second.out).toContain('queued before (sent or waiting); not queued again');
    expect(second.out).toContain('delivery: 0 delivered, 0 pending');
    expect(receiver.requests).toHaveLength(1);

    // Another window is another digest.
    const other = await send(dir, {}, '--secret', SECRET, '--state', 'st', '--to', '2026-11-20T12:00:00Z');
    expect(other.out).toContain('webhook: digest queued');
    expect(receiver.requests).toHaveLength(2);
    expect(receiver.requests[1]?.signatureValid).toBe(true);
  });

  it('keeps an undelivered digest in the outbox and sends it on the next invocation', async () => {
    const dir = tmp();
    receiver.fallback = { status: 503 };
    const down = await send(dir, {}, '--secret', SECRET, '--state', 'st');
    // Not delivered yet: done in part.
    expect(down.code).toBe(1);
    expect(down.out).toContain('delivery: 0 delivered, 1 pending');
    expect(down.err).toMatch(/delivery: .*503/);
    receiver.fallback = { status: 200, body: 'ok' };
    const back = await send(dir, {}, '--secret', SECRET, '--state', 'st');
    expect(back.out).toContain('not queued again');
    expect(back.out).toContain('delivery: 1 delivered, 0 pending');
    expect(receiver.acceptedIds().size).toBe(1);
    expect(back.out + back.err).not.toContain('secret-path-token');
  });
});
