import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadRoutingConfig, parseRoutingConfig, receiversOf } from '../../src/route/index.js';

const ENV = {
  TEAMS_ONCALL_URL:
    'https://prod-12.westeurope.logic.azure.com/workflows/abc/triggers/manual/paths/invoke?sig=SECRETSIG',
  SLACK_URL: 'https://hooks.slack.com/services/T000/B000/SECRETTOKEN',
  PD_KEY: 'R0123456789abcdef0123456789abcde',
  ARCHIVE_URL: 'https://archive.contoso.example/hooks/aks',
  ARCHIVE_SECRET: 'whsec_c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0',
};

const GOOD = `
receivers:
  - name: teams-oncall
    type: teams
    url: { setting: TEAMS_ONCALL_URL }
  - name: slack-platform
    type: slack
    url: { setting: SLACK_URL }
  - name: pager
    type: pagerduty
    secret: { setting: PD_KEY }
  - name: archive
    type: generic
    url: { setting: ARCHIVE_URL }
    secret: { setting: ARCHIVE_SECRET }
    maxPerSecond: 10
routes:
  - name: page on prod
    match: { severity: '>= error', cluster: 'aks-prod-*', tags: { env: prod } }
    receivers: [pager, teams-oncall]
    continue: true
  - name: dev to slack
    match: { cluster: [aks-dev-*, aks-test-*] }
    receivers: [slack-platform]
default:
  receivers: [teams-oncall]
digest:
  receivers: [teams-oncall, archive]
grouping: { window: 5m, keys: [cluster, code] }
silences:
  - matchers: { cluster: aks-dev-01 }
    start: 2026-03-14T00:00:00Z
    end: 2026-03-15T00:00:00Z
`;

function errorsOf(text: string, env: NodeJS.ProcessEnv = ENV): string[] {
  const r = parseRoutingConfig(text, 'routing.yaml', env);
  if (r.ok) throw new Error('expected errors');
  return r.errors;
}

describe('parseRoutingConfig', () => {
  it('reads receivers with settings resolved, ordered routes, default, digest and the notify sections', () => {
    const r = parseRoutingConfig(GOOD, 'routing.yaml', ENV);
    if (!r.ok) throw new Error(r.errors.join('\n'));
    expect(r.warnings).toEqual([]);
    const receivers = receiversOf(r.config);
    expect(receivers.get('teams-oncall')).toEqual({
      name: 'teams-oncall',
      type: 'teams',
      url: ENV.TEAMS_ONCALL_URL,
      maxPerSecond: 4,
    });
    expect(receivers.get('pager')).toEqual({
      name: 'pager',
      type: 'pagerduty',
      url: 'https://events.pagerduty.com/v2/enqueue',
      secret: ENV.PD_KEY,
      maxPerSecond: 2,
    });
    expect(receivers.get('archive')?.maxPerSecond).toBe(10);
    expect(receivers.get('slack-platform')?.maxPerSecond).toBe(1);
    expect(r.config.routes.map((x) => [x.index, x.name, x.continue])).toEqual([
      [0, 'page on prod', true],
      [1, 'dev to slack', false],
    ]);
    expect(r.config.routes[0]?.match.severity).toEqual(['critical', 'error']);
    expect(r.config.routes[1]?.match.cluster).toEqual(['aks-dev-*', 'aks-test-*']);
    expect(r.config.defaultReceivers).toEqual(['teams-oncall']);
    expect(r.config.digest.receivers).toEqual(['teams-oncall', 'archive']);
    expect(r.config.notify.grouping).toEqual({ window: '5m', keys: ['cluster', 'code'] });
    expect(Array.isArray(r.config.notify.silences)).toBe(true);
    expect(r.config.receiverInfo.find((i) => i.name === 'archive')).toEqual({
      name: 'archive',
      type: 'generic',
      settings: { url: 'ARCHIVE_URL', secret: 'ARCHIVE_SECRET' },
      unset: [],
    });
  });

  it('reads the same config written as JSON', () => {
    const json = JSON.stringify({
      receivers: [{ name: 'a', type: 'slack', url: { setting: 'SLACK_URL' } }],
      routes: [{ match: { severity: ['warning'] }, receivers: ['a'] }],
    });
    const r = parseRoutingConfig(json, 'routing.json', ENV);
    expect(r.ok && r.config.routes[0]?.name).toBe('routes[0]');
  });

  it('parses severity comparisons', () => {
    const sev = (s: string) => {
      const r = parseRoutingConfig(
        `receivers: [{name: a, type: slack, url: {setting: SLACK_URL}}]\nroutes: [{match: {severity: '${s}'}, receivers: [a]}]`,
        'r.yaml',
        ENV,
      );
      return r.ok ? r.config.routes[0]?.match.severity : r.errors;
    };
    expect(sev('>= error')).toEqual(['critical', 'error']);
    expect(sev('> warning')).toEqual(['critical', 'error']);
    expect(sev('<= warning')).toEqual(['warning', 'info']);
    expect(sev('critical')).toEqual(['critical']);
    expect(sev('>= severe')).toEqual([
      "r.yaml: routes[0].match.severity: expected a severity (critical, error, warning, info), a list of them, or a comparison like '>= error'",
    ]);
  });

  it('rejects inline URLs and secrets, telling the user to use an app setting', () => {
    const errors = errorsOf(
      `receivers:\n  - name: t\n    type: teams\n    url: https://prod-1.logic.azure.com/x?sig=SECRETSIG\n  - name: p\n    type: pagerduty\n    secret: R0123\n`,
    );
    expect(errors).toHaveLength(2);
    expect(errors[0]).toMatch(
      /^routing\.yaml: receivers\[0\] "t"\.url: inline URLs are not accepted.*url: \{ setting: APP_SETTING_NAME \}/,
    );
    expect(errors[1]).toMatch(/^routing\.yaml: receivers\[1\] "p"\.secret: inline secrets are not accepted/);
    for (const e of errors) expect(e).not.toMatch(/SECRETSIG|R0123/);
  });

  it('names the file, the route and the field', () => {
    const errors = errorsOf(`
receivers: [{ name: a, type: slack, url: { setting: SLACK_URL } }]
routes:
  - name: first
    receivers: [a]
  - name: broken
    match: { severity: [fatal], clustr: x, category: disks, kind: pods }
    receivers: [a, b]
`);
    expect(errors).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^routing\.yaml: routes\[1\] "broken"\.match\.severity/),
        expect.stringMatching(/^routing\.yaml: routes\[1\] "broken"\.match: Unrecognized key.*clustr/),
        expect.stringMatching(/^routing\.yaml: routes\[1\] "broken"\.match\.category\[0\]: Invalid option/),
        expect.stringMatching(/^routing\.yaml: routes\[1\] "broken"\.match\.kind\[0\]: Invalid option/),
      ]),
    );
  });

  it('reports unknown receiver names, duplicates and missing URLs or keys', () => {
    const errors = errorsOf(`
receivers:
  - { name: a, type: slack, url: { setting: SLACK_URL } }
  - { name: a, type: teams, url: { setting: TEAMS_ONCALL_URL } }
  - { name: g, type: generic }
  - { name: p, type: pagerduty }
routes:
  - { name: r0, receivers: [a, nobody] }
default: { receivers: [ghost] }
digest: { receivers: [a] }
`);
    expect(errors).toEqual([
      'routing.yaml: receivers[1] "a".name: used twice',
      'routing.yaml: routes[0] "r0".receivers[1]: no receiver named "nobody" (receivers: a, g, p)',
      'routing.yaml: default.receivers[0]: no receiver named "ghost" (receivers: a, g, p)',
      'routing.yaml: receivers[2] "g".url: required for a generic receiver, as `url: { setting: APP_SETTING_NAME }`',
      'routing.yaml: receivers[3] "p".secret: a pagerduty receiver needs its routing key, as `secret: { setting: APP_SETTING_NAME }`',
    ]);
  });

  it('reports unset settings and settings that are not https URLs, without echoing values', () => {
    const errors = errorsOf(
      `receivers:\n  - { name: a, type: slack, url: { setting: MISSING_URL } }\n  - { name: b, type: teams, url: { setting: PLAIN } }\n`,
      { PLAIN: 'http://hooks.example.com/SECRETTOKEN' },
    );
    expect(errors).toEqual([
      'routing.yaml: receivers[0] "a".url: app setting MISSING_URL is not set',
      'routing.yaml: receivers[1] "b".url: app setting PLAIN does not hold an https URL (without user info)',
    ]);
  });

  it('for a dry run, lists unset settings per receiver instead', () => {
    const r = parseRoutingConfig(GOOD, 'routing.yaml', {}, { requireSettings: false });
    if (!r.ok) throw new Error(r.errors.join('\n'));
    expect(r.warnings).toEqual([]);
    expect(r.config.receiverInfo.find((i) => i.name === 'pager')?.unset).toEqual(['PD_KEY']);
    expect(r.config.receiverInfo.find((i) => i.name === 'archive')?.unset).toEqual([
      'ARCHIVE_URL',
      'ARCHIVE_SECRET',
    ]);
  });

  it('reports YAML syntax errors and empty files', () => {
    expect(errorsOf('receivers: [a, b')[0]).toMatch(/^routing\.yaml: not valid YAML or JSON: /);
    expect(errorsOf('')).toEqual(['routing.yaml: the file is empty']);
    expect(errorsOf('routes: []')[0]).toMatch(/^routing\.yaml: receivers: /);
  });
});

describe('loadRoutingConfig', () => {
  it('reads the file at the path', () => {
    const dir = mkdtempSync(join(tmpdir(), 'routing-'));
    const path = join(dir, 'routing.yaml');
    writeFileSync(path, GOOD);
    const r = loadRoutingConfig(path, ENV);
    expect(r.ok && r.config.source).toBe(path);
  });

  it('reads a relative path from the app root, whatever the working directory', () => {
    const r = loadRoutingConfig('samples/routing.yaml', {}, { requireSettings: false });
    expect(r.ok && r.config.receiverInfo.map((i) => i.name)).toEqual([
      'teams-oncall',
      'slack-platform',
      'pagerduty-aks',
      'archive',
    ]);
    const missing = loadRoutingConfig('config/nope.yaml', ENV);
    expect(missing.ok ? [] : missing.errors[0]).toMatch(
      /^config\/nope\.yaml \(\/.+\/config\/nope\.yaml\): cannot read the routing file \(ENOENT\)$/,
    );
  });

  it('names a file it cannot read', () => {
    expect(loadRoutingConfig('/nonexistent/routing.yaml', ENV)).toEqual({
      ok: false,
      errors: ['/nonexistent/routing.yaml: cannot read the routing file (ENOENT)'],
    });
  });

  it('without a path, routes everything to the generic webhook from WEBHOOK_URL / WEBHOOK_SECRET', () => {
    const r = loadRoutingConfig(undefined, {
      WEBHOOK_URL: ENV.ARCHIVE_URL,
      WEBHOOK_SECRET: ENV.ARCHIVE_SECRET,
    });
    if (!r.ok) throw new Error('expected ok');
    expect(r.config.receivers).toEqual([
      { name: 'webhook', type: 'generic', url: ENV.ARCHIVE_URL, secret: ENV.ARCHIVE_SECRET },
    ]);
    expect(r.config.defaultReceivers).toEqual(['webhook']);
    expect(r.config.routes).toEqual([]);
  });

  it('without a path or WEBHOOK_URL, warns that notifications go nowhere', () => {
    const r = loadRoutingConfig('', {});
    expect(r.ok && r.warnings).toEqual([
      'neither ROUTING_CONFIG_PATH nor WEBHOOK_URL is set: notifications go nowhere',
    ]);
  });

  it('rejects a WEBHOOK_URL that is not https without echoing it', () => {
    expect(loadRoutingConfig(undefined, { WEBHOOK_URL: 'ftp://SECRET@x' })).toEqual({
      ok: false,
      errors: ['app setting WEBHOOK_URL does not hold an https URL (without user info)'],
    });
  });
});
