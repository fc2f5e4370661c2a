import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import type { Digest } from '../../src/model.js';
import type { EnrichedFailure } from '../../src/model.js';
import { isNotice } from '../../src/model.js';
import { memoryIo } from '../support/io.js';
import { WebhookReceiver } from '../support/webhookReceiver.js';

const SECRET = `whsec_${Buffer.from('run-command-signing-secret-0123456789').toString('base64')}`;

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'run-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function run(...args: string[]) {
  const m = memoryIo('', {}, dir);
  const code = await runCli(['run', '--state', join(dir, 'state'), '--out', join(dir, 'out'), ...args], m.io);
  return { code, out: m.stdout(), err: m.stderr() };
}

describe('run on the bundled sample fleet', () => {
  it('prints enriched failures with mitigations and links, writes JSON, and processes nothing twice', async () => {
    const first = await run();
    expect(first.code).toBe(0);
    expect(first.out).toContain('SubnetIsFull: ');
    expect(first.out).toContain('What to do: ');
    expect(first.out).toMatch(/Troubleshoot \S+: https:\/\/learn\.microsoft\.com\//);
    expect(first.out).toMatch(/Failures: (\d+) found, \1 new, 0 already processed/);
    // Repair progress, new versions and support notices are counted apart, never as failures.
    const failures = Number(/Failures: (\d+) found/.exec(first.out)?.[1]);
    const notices = Number(/Notices: (\d+) found, \1 new \(/.exec(first.out)?.[1]);
    expect(notices).toBeGreaterThan(0);
    const written = JSON.parse(
      readFileSync(join(dir, 'out', 'enriched-failures.json'), 'utf8'),
    ) as EnrichedFailure[];
    expect(written.length).toBeGreaterThan(10);
    expect(written.filter(isNotice)).toHaveLength(notices);
    expect(written.length).toBe(failures + notices);
    expect(written.every((f) => /^[0-9a-f]{32}$/.test(f.fingerprint))).toBe(true);
    expect(written.filter((f) => f.matches.length > 0).length).toBeGreaterThan(written.length / 2);

    const second = await run();
    expect(second.out).toMatch(/Failures: (\d+) found, 0 new, \1 already processed/);
    expect(second.out).toContain(`Notices: ${String(notices)} found, 0 new`);
    expect(JSON.parse(readFileSync(join(dir, 'out', 'enriched-failures.json'), 'utf8'))).toEqual([]);
  });

  it("also writes the sample's daily digest (the digest command's output) and says where", async () => {
    const r = await run('--quiet');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(
      /Digest 2026-11-20T00:00:00\.000Z \.\. 2026-11-21T00:00:00\.000Z: \d+ AKS failures/,
    );
    for (const f of ['digest.html', 'digest.md', 'digest.json'])
      expect(r.out).toContain(`Wrote ${join(dir, 'out', f)}`);
    const digest = JSON.parse(readFileSync(join(dir, 'out', 'digest.json'), 'utf8')) as Digest;
    const cli = memoryIo('', {}, dir);
    expect(
      await runCli(['digest', '--source', 'sample', '--format', 'json', '--out', 'd.json'], cli.io),
    ).toBe(0);
    const direct = JSON.parse(readFileSync(join(dir, 'd.json'), 'utf8')) as Digest;
    expect({ ...digest, generatedAt: '' }).toEqual({ ...direct, generatedAt: '' });
    expect(readFileSync(join(dir, 'out', 'digest.md'), 'utf8')).toContain('## Top errors');
    // The sample's auto-repair progress and support-ending notice are notices, not failures.
    expect(digest.totals.info).toBeGreaterThan(0);
    expect(digest.errors.some((e) => /support/i.test(e.code))).toBe(false);
    expect(readFileSync(join(dir, 'out', 'digest.md'), 'utf8')).toContain(
      `- Notices (auto-repair, upgrades, new versions, support; not failures): ${String(digest.totals.info)};`,
    );
    expect(readFileSync(join(dir, 'out', 'digest.html'), 'utf8')).toContain('<h1>AKS failure digest</h1>');

    // A run that finds nothing new still writes the whole sample's digest.
    const again = await run('--quiet');
    expect(again.out).toContain(`Wrote ${join(dir, 'out', 'digest.json')}`);
    const second = JSON.parse(readFileSync(join(dir, 'out', 'digest.json'), 'utf8')) as Digest;
    expect(second.totals).toEqual(digest.totals);
  });

  it('writes no digest for an exported file (only the sample fleet has one)', async () => {
    const file = join(dir, 'empty.json');
    writeFileSync(file, '[]');
    const r = await run('--source', file, '--quiet');
    expect(r.out).not.toContain('digest.json');
  });
});

describe('run with a webhook', () => {
  let receiver: WebhookReceiver;
  beforeEach(async () => {
    receiver = new WebhookReceiver(SECRET);
    await receiver.start();
  });
  afterEach(() => receiver.stop());

  it('delivers signed notifications to a local receiver', async () => {
    const r = await run('--webhook', receiver.url, '--secret', SECRET, '--quiet');
    expect(r.code).toBe(0);
    const queued = Number(/(\d+) queued/.exec(r.out)?.[1]);
    expect(queued).toBeGreaterThan(5);
    expect(receiver.requests).toHaveLength(queued);
    expect(receiver.requests.every((q) => q.signatureValid)).toBe(true);
    expect(r.out).toContain(`Delivery: ${queued} delivered, 0 pending`);
    expect(r.out + r.err).not.toContain('secret-path-token');
  });

  it('delivers everything exactly once on the next run after a receiver outage', async () => {
    receiver.fallback = { status: 503 };
    const down = await run('--webhook', receiver.url, '--secret', SECRET, '--quiet');
    const queued = Number(/(\d+) queued/.exec(down.out)?.[1]);
    expect(queued).toBeGreaterThan(5);
    expect(down.out).toContain('Delivery: 0 delivered');
    expect(receiver.acceptedIds().size).toBe(0);

    receiver.fallback = { status: 200, body: 'ok' };
    const back = await run('--webhook', receiver.url, '--secret', SECRET, '--quiet');
    expect(back.out).toContain(`Delivery: ${queued} delivered, 0 pending`);
    const third = await run('--webhook', receiver.url, '--secret', SECRET, '--quiet');
    expect(third.out).toContain('Delivery: 0 delivered, 0 pending');
    const accepted = receiver.requests.filter((q) => q.headers['x-test-accepted'] === '1');
    expect(accepted).toHaveLength(queued);
    expect(receiver.acceptedIds().size).toBe(queued);
  });

  it('refuses a plain-http webhook that is not on this machine', async () => {
    const r = await run('--webhook', 'http://hooks.example.com/x');
    expect(r.code).toBe(2);
    expect(r.err).toContain('--webhook must be https');
  });
});

describe('run on an exported file', () => {
  it('reads the good rows beside a bad one and names the bad one', async () => {
    const file = join(dir, 'export.json');
    writeFileSync(
      file,
      JSON.stringify([
        {
          TimeGenerated: '2026-11-21T03:00:00Z',
          ObjectKind: 'Node',
          Name: 'aks-nodepool1-12345678-vmss000001',
          Reason: 'NodeRebootError',
          Message:
            'Node auto-repair reboot action failed due to an operation failure: ARM ErrorCode: VMRedeploymentFailed',
          Namespace: '',
          KubeEventType: 'Warning',
          SourceComponent: 'aks-auto-repair',
          ClusterName: 'prod',
          ClusterId:
            '/subscriptions/3f2c1a9e-7b4d-4c1e-9a8f-2d6e5b4c3a21/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/prod',
          _ResourceId:
            '/subscriptions/3f2c1a9e-7b4d-4c1e-9a8f-2d6e5b4c3a21/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/prod',
          FirstSeen: '2026-11-21T03:00:00Z',
          LastSeen: '2026-11-21T03:00:00Z',
          Count: 1,
        },
        { TimeGenerated: 'yesterday', Type: 'KubeEvents', ObjectKind: 'Node' },
      ]),
    );
    const r = await run('--source', file);
    expect(r.out).toContain('VMRedeploymentFailed');
    expect(r.out).toMatch(/Failures: 1 found, 1 new/);
    expect(r.err).toMatch(/row error: .*row 1/);
  });

  it('names a file that is not a query result', async () => {
    const file = join(dir, 'bad.json');
    writeFileSync(file, '{"hello": "world"}');
    const r = await run('--source', file);
    expect(r.code).toBe(2);
    expect(r.err).toContain('not a query result');
  });
});
