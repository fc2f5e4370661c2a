import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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
  it('prints one line per notification, grouped by cluster and marked, and processes nothing twice', async () => {
    const first = await run();
    expect(first.code, first.err).toBe(0);
    expect(first.err).toBe('');
    const planned = Number(/Notifications: (\d+) planned/.exec(first.out)?.[1]);
    expect(planned).toBeGreaterThan(5);
    const lines = first.out.trimEnd().split('\n');
    expect(lines.length).toBeLessThanOrEqual(4 * planned + 20);
    // No portal URLs or fingerprints without --verbose; no colour when not on a terminal.
    expect(first.out).not.toContain('https://');
    expect(first.out).not.toContain('\u001b[');
    // Marked lines under cluster headings: production clusters come before development ones.
    const marked = lines.filter((l) =>
      /^ {2}(CRITICAL|ERROR|WARNING|INFO) +(new|update|resolved|suppressed|held|grouped|silenced) /.test(l),
    );
    expect(marked.length).toBeGreaterThanOrEqual(planned);
    expect(first.out).toMatch(
      /^ {2}ERROR +new +\d\d:\d\d {2}Node pool userpool update failed: SubnetIsFull$/m,
    );
    expect(first.out).toMatch(/suppressed .*\(repeat of the \d\d:\d\d notification\)/);
    const headings = lines.filter((l) => /^aks-/.test(l)).map((l) => l.split(' ')[0]);
    expect(headings.indexOf('aks-shop-prod-weu')).toBeLessThan(headings.indexOf('aks-ml-dev-eus2'));
    expect(headings.indexOf('aks-data-prod-eus')).toBeLessThan(headings.indexOf('aks-batch-dev-weu'));
    // A node's repairs are one timeline line: every step, its outcome, what was decided.
    const node = lines.filter((l) => l.includes('aks-userpool-81681492-vmss000003'));
    expect(node).toHaveLength(1);
    expect(node[0]).toMatch(
      /reboot \d\d:\d\d–\d\d:\d\d ✓ · reimage \d\d:\d\d–\d\d:\d\d ✗ · redeploy .* TooManyVMRedeploymentRequests/,
    );
    expect(first.out).toMatch(/Failures: (\d+) found, \1 new, 0 already processed/);
    // Repair progress, new versions and support notices are counted apart, never as failures.
    const failures = Number(/Failures: (\d+) found/.exec(first.out)?.[1]);
    const notices = Number(/Notices: (\d+) found, \1 new \(/.exec(first.out)?.[1]);
    expect(notices).toBeGreaterThan(0);
    const written = JSON.parse(
      readFileSync(join(dir, 'out', 'enriched-failures.json'), 'utf8'),
    ) as EnrichedFailure[];
    expect(written.length).toBeGreaterThan(10);
    // The sample's last day only: the day before feeds the digest's trend.
    expect(written.every((f) => f.occurredAt.startsWith('2026-11-20'))).toBe(true);
    expect(written.filter(isNotice)).toHaveLength(notices);
    expect(written.length).toBe(failures + notices);
    expect(written.every((f) => /^[0-9a-f]{32}$/.test(f.fingerprint))).toBe(true);

    const second = await run();
    expect(second.code).toBe(0);
    expect(second.out).toMatch(/Failures: (\d+) found, 0 new, \1 already processed/);
    // Nothing new: the earlier output is kept, and the run says so.
    expect(second.out).toContain('Nothing new: ');
    expect(second.out).toContain(`Notices: ${String(notices)} found, 0 new`);
    expect(JSON.parse(readFileSync(join(dir, 'out', 'enriched-failures.json'), 'utf8'))).toEqual(written);
  });

  it('--verbose adds what to do, the links and the fingerprints under each line', async () => {
    const r = await run('--verbose');
    expect(r.out).toContain('What to do: ');
    expect(r.out).toMatch(/Troubleshoot \S+: https:\/\/learn\.microsoft\.com\//);
    expect(r.out).toMatch(/Fingerprint: [0-9a-f]{32}/);
  });

  it('--json prints the run: each line with its mark, the counts and what was written', async () => {
    const r = await run('--json');
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.out) as {
      day: string;
      notifications: { mark: string; cluster: string; fingerprints: string[] }[];
      counts: { planned: number; suppressed: number };
      written: string[];
      exitCode: number;
    };
    expect(doc.day).toBe('2026-11-20');
    expect(doc.counts.planned).toBeGreaterThan(5);
    expect(doc.notifications.filter((n) => n.mark === 'new').length).toBeGreaterThan(5);
    expect(doc.notifications.some((n) => n.mark === 'suppressed')).toBe(true);
    expect(doc.written).toContain(join(dir, 'out', 'enriched-failures.json'));
    expect(doc.exitCode).toBe(0);
  });

  it('--out - writes the enriched failures to standard output and the report to standard error', async () => {
    const r = await run('--out', '-');
    expect(r.code).toBe(0);
    const failures = JSON.parse(r.out) as EnrichedFailure[];
    expect(failures.length).toBeGreaterThan(10);
    expect(r.err).toMatch(/Failures: \d+ found/);
    expect(existsSync(join(dir, '-'))).toBe(false);
  });

  it('colours severities on a terminal, and not with NO_COLOR', async () => {
    const tty = async (env: NodeJS.ProcessEnv) => {
      const m = memoryIo('', env, dir);
      (m.io.stdout as unknown as { isTTY: boolean }).isTTY = true;
      await runCli(
        ['run', '--state', join(dir, `state-${String(Object.keys(env).length)}`), '--out', join(dir, 'o')],
        m.io,
      );
      return m.stdout();
    };
    expect(await tty({})).toContain('\u001b[31mERROR');
    expect(await tty({ NO_COLOR: '1' })).not.toContain('\u001b[');
  });

  it('shows progress on standard error on a terminal only, and clears it', async () => {
    const m = memoryIo('', {}, dir);
    (m.io.stderr as unknown as { isTTY: boolean }).isTTY = true;
    expect(await runCli(['run', '--state', join(dir, 'tty'), '--out', join(dir, 'o'), '--quiet'], m.io)).toBe(
      0,
    );
    expect(m.stderr()).toContain('\r\u001b[Kenriching and planning 27 failures…');
    expect(m.stderr().endsWith('\r\u001b[K')).toBe(true);
    expect(m.stdout()).not.toContain('enriching');
    const piped = await run('--quiet');
    expect(piped.err).toBe('');
  });

  it("also writes the sample's daily digest (the digest command's output) and says where", async () => {
    const r = await run('--quiet');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(
      /Digest 2026-11-20T00:00:00\.000Z \.\. 2026-11-21T00:00:00\.000Z: \d+ AKS failures/,
    );
    for (const f of ['digest.html', 'digest.md', 'digest.json']) expect(r.out).toContain(join('out', f));
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
    expect(readFileSync(join(dir, 'out', 'digest.html'), 'utf8')).toContain('<h1>AKS failure digest');

    // A run that finds nothing new still writes the whole sample's digest.
    const again = await run('--quiet');
    expect(again.out).toContain(join('out', 'digest.json'));
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

describe('run: usage and input errors', () => {
  it('answers an unknown option with the usage status and a pointer to --help', async () => {
    const r = await run('--bogus');
    expect(r.code).toBe(2);
    expect(r.err).toContain("Unknown option '--bogus'");
    expect(r.err).toContain('run --help');
  });

  it('calls an empty file an error', async () => {
    const file = join(dir, 'blank.json');
    writeFileSync(file, ' \n');
    const r = await run('--source', file);
    expect(r.code).toBe(2);
    expect(r.err).toContain('blank.json is empty');
  });

  it('says in one line, before any query, that there is no Azure login', async () => {
    const m = memoryIo(
      '',
      { PATH: process.env.PATH ?? '', HOME: dir, LOG_ANALYTICS_ENDPOINT: 'https://127.0.0.1:9/v1' },
      dir,
    );
    const code = await runCli(
      ['run', '--source', 'workspace:b1e2c3d4-5f60-4a7b-8c9d-0e1f2a3b4c5d', '--state', join(dir, 'state')],
      m.io,
    );
    expect(code).toBe(1);
    expect(m.stderr().trim().split('\n')).toEqual([
      expect.stringMatching(/^run: no Azure login: run 'az login'/),
    ]);
    expect(m.stdout()).toBe('');
  }, 60_000);
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
    const r = await run('--source', file, '--verbose');
    expect(r.out).toContain('VMRedeploymentFailed');
    expect(r.out).toMatch(/Failures: 1 found, 1 new/);
    expect(r.err).toMatch(/row error: .*row 1/);
    // Done in part: the unreadable row is named, with the columns rows are read by.
    expect(r.code).toBe(1);
    expect(r.err).toMatch(
      /rows are read by their columns: KubeEvents needs Reason, ObjectKind\|KubeEventType\|SourceComponent/,
    );
  });

  it('names a file that is not a query result', async () => {
    const file = join(dir, 'bad.json');
    writeFileSync(file, '{"hello": "world"}');
    const r = await run('--source', file);
    expect(r.code).toBe(2);
    expect(r.err).toContain('not a query result');
  });
});
