import { describe, expect, it } from 'vitest';
import type { RoutingConfig } from '../../src/route/index.js';
import { explainRoute, parseRoutingConfig, routeNotification } from '../../src/route/index.js';
import {
  autoRepairFailure,
  groupNotification,
  notificationOf,
  operationFailure,
  plainAlertFailure,
  resolvedOf,
} from '../support/enrichedFailures.js';

const ENV = {
  A: 'https://a.example/hook',
  B: 'https://b.example/hook',
  C: 'https://c.example/hook',
  D: 'https://d.example/hook',
  KEY: 'R0123456789abcdef0123456789abcde',
};

function config(routes: string, extra = ''): RoutingConfig {
  const r = parseRoutingConfig(
    `receivers:
  - { name: a, type: teams, url: { setting: A } }
  - { name: b, type: slack, url: { setting: B } }
  - { name: c, type: generic, url: { setting: C } }
  - { name: d, type: generic, url: { setting: D } }
  - { name: pager, type: pagerduty, secret: { setting: KEY } }
routes:
${routes}
${extra}`,
    'routing.yaml',
    ENV,
  );
  if (!r.ok) throw new Error(r.errors.join('\n'));
  return r.config;
}

const prodOp = notificationOf([operationFailure()]); // error, vm-extension, aks-prod-weu-01, env=prod
const repair = notificationOf([autoRepairFailure()]); // error, auto-repair, node-auto-repair
const warning = notificationOf([plainAlertFailure()]); // warning, no cluster, storage account

describe('routeNotification', () => {
  it('stops at the first matching route unless it continues; the default gets what runs off the end', () => {
    const c = config(
      `  - { match: { severity: critical }, receivers: [pager] }
  - { match: { severity: '>= error' }, receivers: [a], continue: true }
  - { match: { category: vm-extension }, receivers: [b] }
  - { match: { category: vm-extension }, receivers: [c] }`,
      'default: { receivers: [d] }',
    );
    expect(routeNotification(c, prodOp)).toEqual(['a', 'b']);
    expect(routeNotification(c, repair)).toEqual(['a', 'd']); // only a continue route matched
    expect(routeNotification(c, warning)).toEqual(['d']);
    expect(routeNotification(c, notificationOf([operationFailure({ severity: 'critical' })]))).toEqual([
      'pager',
    ]);
  });

  it('adds the default when only continue routes matched', () => {
    const c = config(
      `  - { name: archive, receivers: [c], continue: true }\n  - { match: { cluster: aks-dev-* }, receivers: [b] }`,
      'default: { receivers: [d, c] }',
    );
    expect(routeNotification(c, prodOp)).toEqual(['c', 'd']);
    const e = explainRoute(c, prodOp);
    expect([e.usedDefault, e.receivers]).toEqual([true, ['c', 'd']]);
  });

  it('returns no receivers when nothing matches and there is no default', () => {
    const c = config('  - { match: { cluster: aks-dev-* }, receivers: [a] }');
    expect(routeNotification(c, prodOp)).toEqual([]);
  });

  it('does not repeat a receiver named by several routes', () => {
    const c = config(`  - { receivers: [a, b], continue: true }\n  - { receivers: [b, a, c] }`);
    expect(routeNotification(c, prodOp)).toEqual(['a', 'b', 'c']);
  });

  it('matches cluster, resource group, subscription and node pool by case-insensitive glob', () => {
    const at = (match: string) =>
      routeNotification(config(`  - { match: ${match}, receivers: [a] }`), prodOp);
    expect(at('{ cluster: AKS-PROD-* }')).toEqual(['a']);
    expect(at('{ cluster: [aks-dev-*, "aks-prod-???-01"] }')).toEqual(['a']);
    expect(at('{ cluster: aks-prod }')).toEqual([]);
    expect(at('{ resourceGroup: rg-aks-* }')).toEqual(['a']);
    expect(at('{ subscription: 3f2c1a9e-* }')).toEqual(['a']);
    expect(at('{ nodePool: node* }')).toEqual(['a']);
    expect(at('{ nodePool: user* }')).toEqual([]);
  });

  it('takes subscription and resource group from the resource id when there is no cluster', () => {
    const c = config('  - { match: { resourceGroup: rg-shared, subscription: 3f2c1a9e-* }, receivers: [a] }');
    expect(routeNotification(c, warning)).toEqual(['a']);
    expect(routeNotification(config('  - { match: { cluster: "*" }, receivers: [a] }'), warning)).toEqual([]);
  });

  it('matches catalog codes (any match or structured code), kind, source, status and category', () => {
    const at = (match: string, n = prodOp) =>
      routeNotification(config(`  - { match: ${match}, receivers: [a] }`), n);
    expect(at('{ code: OutboundConnFail* }')).toEqual(['a']);
    expect(at('{ code: vmextensionprovisioningerror }')).toEqual(['a']);
    expect(at('{ code: SubnetIsFull }')).toEqual([]);
    expect(at('{ kind: node-auto-repair }', repair)).toEqual(['a']);
    expect(at('{ kind: [alert, autoscaler] }', repair)).toEqual([]);
    expect(at('{ source: activity-log }')).toEqual(['a']);
    expect(at('{ status: resolved }')).toEqual([]);
    expect(at('{ status: resolved }', notificationOf([resolvedOf(operationFailure())]))).toEqual(['a']);
    expect(at('{ category: [networking, vm-extension] }')).toEqual(['a']);
    expect(at('{ category: networking }', warning)).toEqual([]);
  });

  it('matches resource tags by case-insensitive key and glob value', () => {
    const at = (tags: string, n = prodOp) =>
      routeNotification(config(`  - { match: { tags: ${tags} }, receivers: [a] }`), n);
    expect(at('{ ENV: prod }')).toEqual(['a']);
    expect(at('{ env: prod, team: pay* }')).toEqual(['a']);
    expect(at('{ env: prod, team: search }')).toEqual([]);
    expect(at('{ owner: "*" }')).toEqual([]);
    expect(at('{ env: prod }', warning)).toEqual([]);
  });

  it('routes a group by its severity and its lead failure', () => {
    const c = config(
      '  - { match: { severity: error, nodePool: nodepool1, kind: node-auto-repair }, receivers: [b] }',
    );
    expect(routeNotification(c, groupNotification(20))).toEqual(['b']);
  });

  it('a route without conditions matches everything', () => {
    expect(routeNotification(config('  - { receivers: [c] }'), warning)).toEqual(['c']);
  });
});

describe('explainRoute', () => {
  const c = config(
    `  - name: page prod
    match: { severity: '>= error', cluster: aks-prod-*, tags: { env: prod } }
    receivers: [pager]
    continue: true
  - name: dev
    match: { cluster: aks-dev-* }
    receivers: [b]
  - name: teams for everything
    receivers: [a]
  - name: never reached
    receivers: [c]`,
    'default: { receivers: [d] }',
  );

  it('says which routes matched, which did not and why, and where evaluation stopped', () => {
    const e = explainRoute(c, operationFailure());
    expect(e.receivers).toEqual(['pager', 'a']);
    expect(e.usedDefault).toBe(false);
    expect(e.steps.map((s) => [s.name, s.evaluated, s.matched])).toEqual([
      ['page prod', true, true],
      ['dev', true, false],
      ['teams for everything', true, true],
      ['never reached', false, false],
    ]);
    expect(e.steps[0]?.conditions.map((x) => x.detail)).toEqual([
      'severity error is one of critical, error',
      'cluster aks-prod-weu-01 matches aks-prod-*',
      'tag env=prod matches prod',
    ]);
    expect(e.steps[1]?.conditions).toEqual([
      { field: 'cluster', ok: false, detail: 'cluster aks-prod-weu-01 does not match aks-dev-*' },
    ]);
  });

  it('names unknown values and the default route', () => {
    const onlyDev = config(
      '  - { name: dev, match: { cluster: aks-dev-*, tags: { env: dev } }, receivers: [b] }',
      'default: { receivers: [d] }',
    );
    const e = explainRoute(onlyDev, plainAlertFailure());
    expect(e.usedDefault).toBe(true);
    expect(e.receivers).toEqual(['d']);
    expect(e.steps[0]?.conditions.map((x) => x.detail)).toEqual([
      'cluster is not known (wanted aks-dev-*)',
      'tags are not known (wanted env=dev)',
    ]);
  });

  it('agrees with routeNotification', () => {
    for (const n of [
      prodOp,
      repair,
      warning,
      groupNotification(5),
      notificationOf([resolvedOf(operationFailure())]),
    ])
      expect(explainRoute(c, n).receivers).toEqual(routeNotification(c, n));
  });
});
