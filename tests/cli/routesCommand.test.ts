import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import { groupNotification, operationFailure, plainAlertFailure } from '../support/enrichedFailures.js';
import { memoryIo } from '../support/io.js';
import { packageRoot } from '../../src/assets.js';
import { sampleFleetFailures } from '../../src/cli/sampleDay.js';

const dir = mkdtempSync(join(tmpdir(), 'routes-test-'));
const ROUTING = `
receivers:
  - { name: teams-oncall, type: teams, url: { setting: TEAMS_URL } }
  - { name: pager, type: pagerduty, secret: { setting: PD_KEY } }
routes:
  - name: page prod
    match: { severity: '>= error', cluster: 'aks-prod-*' }
    receivers: [pager]
default: { receivers: [teams-oncall] }
`;
writeFileSync(join(dir, 'routing.yaml'), ROUTING);
writeFileSync(join(dir, 'failure.json'), JSON.stringify(operationFailure()));
writeFileSync(join(dir, 'list.json'), JSON.stringify([operationFailure(), plainAlertFailure()]));
writeFileSync(join(dir, 'group.json'), JSON.stringify(groupNotification(4)));
writeFileSync(join(dir, 'bad.json'), JSON.stringify({ fingerprint: 'x', severity: 'fatal' }));
writeFileSync(
  join(dir, 'broken.yaml'),
  'receivers:\n  - { name: t, type: teams, url: https://x.example/?sig=SECRETSIG }\n',
);

async function run(args: string[], env: NodeJS.ProcessEnv = {}) {
  const m = memoryIo('', env, dir);
  const code = await runCli(['routes', 'test', ...args], m.io);
  return { code, out: m.stdout(), err: m.stderr() };
}

describe('routes test', () => {
  it('explains which routes match a failure file and which receivers it reaches', async () => {
    const r = await run(['--config', 'routing.yaml', '--failure', 'failure.json'], {
      TEAMS_URL: 'https://t.example/x',
    });
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toContain('Routing: routing.yaml');
    expect(r.out).toContain('receiver pager (pagerduty) — unset settings: PD_KEY');
    expect(r.out).toContain(
      'Failure 1: ERROR Node pool nodepool1 update failed on aks-prod-weu-01: VMExtensionProvisioningError [operation-failed, vm-extension]',
    );
    expect(r.out).toContain('routes[0] "page prod": MATCHED -> pager');
    expect(r.out).toContain('+ cluster aks-prod-weu-01 matches aks-prod-*');
    expect(r.out).toContain('default: not used (a route without continue matched)');
    expect(r.out).toContain('=> receivers: pager (pagerduty)');
    expect(r.out).not.toContain('https://t.example');
  });

  it('falls back to the default for what no route takes, for each failure in a list', async () => {
    const r = await run(['--config', 'routing.yaml', '--failure', 'list.json']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('Failure 2: WARNING Metric alert: High availability loss on stlogsweu01');
    expect(r.out).toContain('- severity warning is not one of critical, error');
    expect(r.out).toContain('default: USED -> teams-oncall');
    expect(r.out).toContain('=> receivers: teams-oncall (teams)');
  });

  it('reads a notification (a group) and prints JSON on request', async () => {
    const r = await run(['--config', 'routing.yaml', '--failure', 'group.json', '--json']);
    expect(r.code).toBe(0);
    const json = JSON.parse(r.out) as { results: { receivers: string[]; steps: { matched: boolean }[] }[] };
    expect(json.results[0]?.receivers).toEqual(['pager']);
    expect(json.results[0]?.steps[0]?.matched).toBe(true);
  });

  it('uses the sample fleet without --failure, and ROUTING_CONFIG_PATH without --config', async () => {
    const r = await run(['--sample'], { ROUTING_CONFIG_PATH: 'routing.yaml' });
    expect(r.code).toBe(0);
    expect(r.out).toContain("The sample fleet's failures of 2026-11-20, one per cluster and error:");
    expect(r.out).toMatch(/^Of \d+: /m);
    const verbose = await run(['--sample', '--verbose'], { ROUTING_CONFIG_PATH: 'routing.yaml' });
    expect(verbose.out).toContain('Failure 3:');
    expect(verbose.out).toContain('default: USED -> teams-oncall');
  });

  it("the sample routing file pages the sample fleet's production failures and spares development", async () => {
    const m = memoryIo('', {}, packageRoot());
    expect(
      await runCli(['routes', 'test', '--config', 'samples/routing.yaml', '--sample', '--json'], m.io),
    ).toBe(0);
    const { results } = JSON.parse(m.stdout()) as { results: { fingerprint: string; receivers: string[] }[] };
    const { failures } = await sampleFleetFailures();
    const byFingerprint = new Map(failures.map((f) => [f.fingerprint, f]));
    const prodErrors = results.filter((r) => {
      const f = byFingerprint.get(r.fingerprint);
      return f?.severity === 'error' && /-prod-/.test(f.cluster?.name ?? '');
    });
    expect(prodErrors.length).toBeGreaterThanOrEqual(5);
    for (const r of prodErrors)
      expect(r.receivers).toEqual(expect.arrayContaining(['pagerduty-aks', 'teams-oncall']));
    const dev = results.filter((r) =>
      /-(dev|staging)-/.test(byFingerprint.get(r.fingerprint)?.cluster?.name ?? ''),
    );
    expect(dev.length).toBeGreaterThan(0);
    for (const r of dev) expect(r.receivers).not.toContain('pagerduty-aks');
    const human = memoryIo('', {}, packageRoot());
    await runCli(['routes', 'test', '--config', 'samples/routing.yaml', '--sample'], human.io);
    expect(human.stdout()).toContain('Routing: samples/routing.yaml');
    expect(human.stdout()).toMatch(
      /Autoscaler can't scale pool gpu on aks-data-prod-eus: ZonalAllocationFailed\n +-> archive, pagerduty-aks, teams-oncall {2}\(page on production \(by name\)\)/,
    );
  });

  it('without any routing file, explains the single route to WEBHOOK_URL', async () => {
    const r = await run([], { WEBHOOK_URL: 'https://hooks.example/aks' });
    expect(r.code).toBe(0);
    expect(r.out).toContain('Routing: (default)');
    expect(r.out).toMatch(/-> webhook {2}\(default\)/);
    expect(r.out).toMatch(/^Of (\d+): webhook \(generic\) \1\.$/m);
  });

  it('reports routing file errors by file, receiver and field, without the inline URL', async () => {
    const r = await run(['--config', 'broken.yaml']);
    expect(r.code).toBe(1);
    expect(r.err).toContain(
      `${join(dir, 'broken.yaml')}: receivers[0] "t".url: inline URLs are not accepted`,
    );
    expect(r.err).not.toContain('SECRETSIG');
  });

  it('reports a failure file that is not a failure', async () => {
    const r = await run(['--config', 'routing.yaml', '--failure', 'bad.json']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^bad\.json: not an enriched failure or notification: severity: Invalid option/);
    const missing = await run(['--failure', 'nope.json']);
    expect([missing.code, missing.err]).toEqual([2, 'routes test: cannot read nope.json: ENOENT\n']);
  });

  it('rejects conflicting or unknown options', async () => {
    expect((await run(['--failure', 'failure.json', '--sample'])).code).toBe(2);
    expect((await run(['--frobnicate'])).code).toBe(2);
  });
});
