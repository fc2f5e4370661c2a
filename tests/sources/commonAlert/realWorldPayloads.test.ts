import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fromCommonAlert } from '../../../src/sources/commonAlert/fromCommonAlert.js';
import {
  parseCommonAlert,
  parseCommonAlertText,
  toCompactPayload,
} from '../../../src/sources/commonAlert/parseCommonAlert.js';
import type { CommonAlert } from '../../../src/sources/commonAlert/parseCommonAlert.js';
import { signalsFromCommonAlertText } from '../../../src/sources/commonAlert/signalsFromCommonAlert.js';
import { kqlString } from '../../../src/azure/kql.js';

// Documented payloads (see tests/fixtures/realWorld/README.md for where each comes from).
const DIR = join(import.meta.dirname, '..', '..', 'fixtures', 'realWorld', 'commonAlert');
const FILES = readdirSync(DIR).filter((f) => f.endsWith('.json'));
const text = (name: string): string => readFileSync(join(DIR, name), 'utf8');
const body = (name: string): Record<string, unknown> => JSON.parse(text(name)) as Record<string, unknown>;

function alertOf(name: string): CommonAlert {
  const r = parseCommonAlertText(text(name));
  if (r.kind !== 'alert') throw new Error(`${name}: ${JSON.stringify(r)}`);
  return r.alert;
}

describe('real-world common-schema payloads', () => {
  it('has the documented samples', () => {
    expect(FILES.length).toBeGreaterThanOrEqual(11);
  });

  it.each(FILES)('%s is accepted, and its compact form re-parses to the same alert', (name) => {
    const alert = alertOf(name);
    const again = parseCommonAlert(JSON.parse(JSON.stringify(toCompactPayload(alert))));
    expect(again).toEqual({ kind: 'alert', alert });
    const signal = fromCommonAlert(alert);
    expect(signal.title.trim()).not.toBe('');
    expect(signal.texts.length).toBeGreaterThan(0);
    expect(Number.isNaN(Date.parse(signal.occurredAt))).toBe(false);
  });

  it('reads the service health test action (signalType "ActivityLog", numeric eventSource and level)', () => {
    const alert = alertOf('testaction-servicehealth.json');
    expect(alert.type).toBe('activity-log');
    expect(alert.essentials.signalType).toBe('Activity Log');
    const s = fromCommonAlert(alert);
    // Its activity-log status is Resolved: the incident is over.
    expect(s).toMatchObject({
      kind: 'alert',
      status: 'resolved',
      occurredAt: '2025-04-15T18:20:36.256Z',
      title: 'test-ServiceHealthAlertRule: Service Health - TestActionGroup-TestServiceHealthAlert',
      severityHint: 'info',
      resourceId: '/subscriptions/aaaa0a0a-bb1b-cc2c-dd3d-eeeeee4e4e4e',
    });
    expect(s.attributes['health.trackingId']).toBe('TEST-TTT');
    expect(s.cluster).toBeUndefined();
  });

  it('reads a planned service health maintenance as a firing Service Health alert', () => {
    const s = fromCommonAlert(alertOf('servicehealth-maintenance.json'));
    expect(s).toMatchObject({
      kind: 'alert',
      status: 'firing',
      occurredAt: '2019-06-24T11:31:19.031Z',
      title:
        'service-health-maintenance: Service Health - Azure Synapse Analytics Scheduled Maintenance Pending',
    });
    expect(s.attributes).toMatchObject({ 'health.incidentType': 'Maintenance', level: '3' });
  });

  it('delivers a budget alert, which has no rule, severity or signal type', () => {
    const alert = alertOf('testaction-budget.json');
    expect(alert.type).toBe('other');
    expect(alert.essentials.alertRule).toBe('CostAlerts alert');
    const s = fromCommonAlert(alert);
    expect(s.severityHint).toBeUndefined();
    expect(s).toMatchObject({
      kind: 'alert',
      status: 'firing',
      title:
        'CostAlerts alert: Delivery Confirmation: This is a sample budget alert from Azure Monitor Action Groups.',
      occurredAt: '2025-04-15T17:49:34.022Z',
    });
    expect(s.attributes['context.AlertCategory']).toBe('budgets');
  });

  it('names a rule from the alert id when neither rule nor monitoring service is sent', () => {
    const b = body('testaction-budget.json') as { data: { essentials: Record<string, unknown> } };
    b.data.essentials.monitoringService = null;
    const r = parseCommonAlert(b);
    expect(r.kind === 'alert' && r.alert.essentials.alertRule).toBe('Test_Alert');
  });

  it('reads the smart detector and Prometheus samples with their own titles', () => {
    const smart = fromCommonAlert(alertOf('testaction-smart-detector.json'));
    expect(smart.attributes['context.SmartDetectorId']).toBe('DependencyPerformanceDegradationDetector');
    const prom = fromCommonAlert(alertOf('prometheus.json'));
    expect(prom).toMatchObject({
      title: 'test-prometheus-rule: alert on SQL availability',
      texts: ['sql_up > 0'],
    });
    expect(prom.attributes['label.cluster']).toBe('myCluster1');
  });

  it('reads autoscale, policy and security activity-log alerts as plain alerts with their text', () => {
    const autoscale = fromCommonAlert(alertOf('activitylog-autoscale.json'));
    expect(autoscale.kind).toBe('alert');
    expect(autoscale.texts[0]).toMatch(/^The autoscale engine attempting to scale resource/);
    const policy = fromCommonAlert(alertOf('activitylog-policy.json'));
    expect(policy.texts[0]).toContain('AuditIfNotExists');
    const security = fromCommonAlert(alertOf('activitylog-security.json'));
    expect(security.title).toBe(
      'security-alerts: Microsoft.Security/locations/alerts/activate/action Active',
    );
  });

  it('finds free-text activity-log properties whatever their case (autoscale has sent "Description")', () => {
    const b = body('activitylog-autoscale.json') as {
      data: { alertContext: { properties: Record<string, unknown> } };
    };
    const props = b.data.alertContext.properties;
    props.Description = props.description;
    delete props.description;
    const r = parseCommonAlert(b);
    if (r.kind !== 'alert') throw new Error(JSON.stringify(r));
    expect(fromCommonAlert(r.alert).texts[0]).toMatch(/^The autoscale engine attempting to scale resource/);
  });

  it('turns embedded V1 rows into signals, identical rows once', async () => {
    const r = await signalsFromCommonAlertText(text('testaction-log-v1-metric-measurement.json'), {
      maxRows: 10,
      kqlString,
    });
    if (!r.ok) throw new Error(JSON.stringify(r));
    // The sample's two rows are identical: one signal, not two with one source id.
    expect(r.signals).toHaveLength(1);
    expect(r.signals[0]?.attributes['row.AggregatedValue']).toBe('11');
  });

  it('says what type a present field should have, and "is required" only when it is missing', () => {
    const b = body('testaction-resourcehealth.json') as { data: { essentials: Record<string, unknown> } };
    b.data.essentials.description = { text: 'Alert rule description' };
    delete b.data.essentials.alertId;
    const r = parseCommonAlert(b);
    expect(r.kind).toBe('invalid');
    if (r.kind !== 'invalid') return;
    expect(r.problems).toEqual([
      { path: 'data.essentials.alertId', message: 'is required' },
      { path: 'data.essentials.description', message: 'Invalid input: expected string, received object' },
    ]);
  });
});
