import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  jsonDeeperThan,
  parseCommonAlert,
  parseCommonAlertText,
  toCompactPayload,
} from '../../../src/sources/commonAlert/parseCommonAlert.js';
import type { CommonAlert } from '../../../src/sources/commonAlert/parseCommonAlert.js';
import {
  alertFixture,
  alertFixtureText,
  commonAlertSamples,
  commonAlertVariants,
} from '../../support/commonAlertFixtures.js';

function parsed(path: string): CommonAlert {
  const r = parseCommonAlertText(alertFixtureText(path));
  if (r.kind !== 'alert') throw new Error(`${path}: ${JSON.stringify(r)}`);
  return r.alert;
}

describe('parseCommonAlert', () => {
  it('finds the common-alert samples', () => {
    expect(commonAlertSamples().length).toBeGreaterThanOrEqual(7);
    expect(commonAlertVariants().length).toBeGreaterThanOrEqual(8);
  });

  it.each([...commonAlertSamples(), ...commonAlertVariants()])('accepts %s', (path) => {
    const alert = parsed(path);
    const raw = alertFixture(path) as { data: { essentials: { alertId: string } } };
    expect(alert.essentials.alertId).toBe(raw.data.essentials.alertId);
  });

  it.each([
    ['samples/common-alert-log-search.json', 'log-search'],
    ['samples/common-alert-activity-log-administrative.json', 'activity-log'],
    ['samples/common-alert-metric-static.json', 'metric'],
    ['samples/common-alert-metric-dynamic.json', 'metric'],
    ['samples/common-alert-metric-resolved.json', 'metric'],
    ['samples/common-alert-resource-health.json', 'activity-log'],
    ['samples/CONSTRUCTED-common-alert-activity-log-aks-agentpool-failed.json', 'activity-log'],
    ['commonAlert/prometheus-pod-crashlooping.json', 'prometheus'],
    ['commonAlert/log-search-resource-centric.json', 'log-search'],
  ])('classifies %s as %s', (path, type) => {
    expect(parsed(path).type).toBe(type);
  });

  it('re-parses its compact form to the same alert (what the inbox stores)', () => {
    for (const path of [...commonAlertSamples(), ...commonAlertVariants()]) {
      const alert = parsed(path);
      const again = parseCommonAlert(JSON.parse(JSON.stringify(toCompactPayload(alert))));
      expect(again).toEqual({ kind: 'alert', alert });
    }
  });

  it('drops fields it does not use (the caller token claims of activity-log alerts)', () => {
    const alert = parsed('samples/CONSTRUCTED-common-alert-activity-log-aks-agentpool-failed.json');
    expect(JSON.stringify(toCompactPayload(alert))).not.toContain('claims');
  });

  it('canonicalises monitorCondition, severity and signalType spelled in another case', () => {
    const body = alertFixture('samples/common-alert-metric-static.json') as {
      data: { essentials: Record<string, unknown> };
    };
    body.data.essentials.monitorCondition = 'fired';
    body.data.essentials.severity = 'sev2';
    body.data.essentials.signalType = 'METRIC';
    const r = parseCommonAlert(body);
    expect(r.kind).toBe('alert');
    if (r.kind !== 'alert') return;
    expect(r.alert.essentials).toMatchObject({
      monitorCondition: 'Fired',
      severity: 'Sev2',
      signalType: 'Metric',
    });
  });
});

describe('parseCommonAlert rejects what is not a common-schema alert', () => {
  const base = () =>
    alertFixture('samples/common-alert-metric-static.json') as {
      schemaId?: unknown;
      data: { essentials: Record<string, unknown>; alertContext: Record<string, unknown> };
    };

  it('reports text that is not JSON without quoting it', () => {
    const r = parseCommonAlertText('{"schemaId": "azureMonitorCommonAlertSchema", secret-token-123');
    expect(r.kind).toBe('invalid');
    if (r.kind !== 'invalid') return;
    expect(r.stage).toBe('json');
    expect(r.problems[0]?.message).toMatch(/not valid JSON/);
    expect(JSON.stringify(r)).not.toContain('secret-token-123');
  });

  it('reports an empty body', () => {
    expect(parseCommonAlertText('  ')).toMatchObject({ kind: 'invalid', stage: 'json' });
  });

  it.each([[[1, 2]], ['a string'], [null], [42]])('rejects the JSON value %j', (value) => {
    expect(parseCommonAlert(value)).toMatchObject({ kind: 'invalid', stage: 'schema' });
  });

  it('explains a payload without the common schema (e.g. the legacy metric alert webhook)', () => {
    const r = parseCommonAlert({ schemaId: 'AzureMonitorMetricAlert', data: { status: 'Activated' } });
    expect(r.kind).toBe('invalid');
    if (r.kind !== 'invalid') return;
    expect(r.problems.find((p) => p.path === 'schemaId')?.message).toContain(
      'enable the common alert schema',
    );
  });

  it('names every missing or mistyped essentials field by path', () => {
    const body = base();
    delete body.data.essentials.alertId;
    body.data.essentials.firedDateTime = 'yesterday';
    body.data.essentials.severity = 'Sev9';
    body.data.essentials.alertTargetIDs = 'not-a-list';
    const r = parseCommonAlert(body);
    expect(r.kind).toBe('invalid');
    if (r.kind !== 'invalid') return;
    const paths = r.problems.map((p) => p.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        'data.essentials.alertId',
        'data.essentials.firedDateTime',
        'data.essentials.severity',
        'data.essentials.alertTargetIDs',
      ]),
    );
    expect(r.problems.find((p) => p.path === 'data.essentials.alertId')?.message).toBe('is required');
  });

  it('names problems inside the alert context of a log search alert', () => {
    const body = alertFixture('samples/common-alert-log-search.json') as {
      data: { alertContext: { condition: { allOf: Record<string, unknown>[] } } };
    };
    const criterion = body.data.alertContext.condition.allOf[0];
    if (!criterion) throw new Error('fixture has no criterion');
    delete criterion.searchQuery;
    criterion.dimensions = 'Computer';
    const r = parseCommonAlert(body);
    expect(r.kind).toBe('invalid');
    if (r.kind !== 'invalid') return;
    expect(r.problems.map((p) => p.path)).toEqual(
      expect.arrayContaining([
        'data.alertContext.condition.allOf[0].searchQuery',
        'data.alertContext.condition.allOf[0].dimensions',
      ]),
    );
  });

  it('accepts an unknown signalType as an alert of its own kind, not invalid', () => {
    const body = base();
    body.data.essentials.signalType = 'Smart Signal';
    body.data.alertContext = { whatever: { nested: true } };
    const r = parseCommonAlert(body);
    expect(r.kind).toBe('alert');
    if (r.kind !== 'alert') return;
    expect(r.alert.type).toBe('other');
    expect(r.alert.essentials.signalType).toBe('Smart Signal');
  });
});

describe('jsonDeeperThan', () => {
  const depthOf = (v: unknown): number =>
    v !== null && typeof v === 'object' ? 1 + Math.max(0, ...Object.values(v).map(depthOf)) : 0;

  it('measures the nesting of any JSON value, brackets and escaped quotes inside strings ignored', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 12 }), fc.integer({ min: 0, max: 12 }), (value, max) => {
        const text = JSON.stringify(value);
        expect(jsonDeeperThan(text, max)).toBe(depthOf(value) > max);
      }),
      { numRuns: 500 },
    );
    expect(jsonDeeperThan('{"a":"[[[\\"[[[","b":[[1]]}', 2)).toBe(true);
    expect(jsonDeeperThan('{"a":"[[[\\\\","b":[1]}', 2)).toBe(false);
  });

  it('refuses a deep body before parsing it', () => {
    const r = parseCommonAlertText(`${'['.repeat(100)}${']'.repeat(100)}`);
    expect(r).toMatchObject({
      kind: 'invalid',
      stage: 'json',
      problems: [{ message: 'nests deeper than 64 levels' }],
    });
  });
});
