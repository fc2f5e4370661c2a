import { describe, expect, it } from 'vitest';
import { enrichFailure } from '../../../src/enrich/enrichFailure.js';
import type { CatalogLookup } from '../../../src/ports.js';
import type { FailureSignal } from '../../../src/model.js';
import { commonAlertKey } from '../../../src/sources/commonAlert/alertIdentity.js';
import { fromCommonAlert } from '../../../src/sources/commonAlert/fromCommonAlert.js';
import { parseCommonAlertText } from '../../../src/sources/commonAlert/parseCommonAlert.js';
import type { CommonAlert } from '../../../src/sources/commonAlert/parseCommonAlert.js';
import {
  alertFixtureText,
  commonAlertSamples,
  commonAlertVariants,
  getAt,
  setAt,
} from '../../support/commonAlertFixtures.js';

function alertOf(path: string, edit?: (body: unknown) => void): CommonAlert {
  const body = JSON.parse(alertFixtureText(path)) as unknown;
  edit?.(body);
  const r = parseCommonAlertText(JSON.stringify(body));
  if (r.kind !== 'alert') throw new Error(`${path}: ${JSON.stringify(r)}`);
  return r.alert;
}

const signalOf = (path: string, edit?: (body: unknown) => void): FailureSignal =>
  fromCommonAlert(alertOf(path, edit));

/** A catalog that knows a few codes by name, enough to see which code an enriched failure keys on. */
const catalog: CatalogLookup = {
  matchText(text) {
    const known = ['SubnetIsFull', 'OperationNotAllowed'];
    const matches = known
      .filter((code) => text.includes(code))
      .map((code) => ({
        code,
        aliases: [],
        title: code,
        category: 'capacity' as const,
        severity: 'error' as const,
        meaning: '',
        mitigation: '',
        docUrl: '',
        matchedText: code,
      }));
    return { matches, unrecognised: [] };
  },
};
const fingerprint = (s: FailureSignal): string => enrichFailure(s, catalog).fingerprint;

const SUB = '3f1c2b7e-5a4d-4e8f-9c21-7d0b6a9e4c11';
const CLUSTER_ID_LOWER = `/subscriptions/${SUB}/resourcegroups/rg-aks-prod/providers/microsoft.containerservice/managedclusters/aks-prod-weu`;

describe('fromCommonAlert: every sample and variant becomes one well-formed signal', () => {
  it.each([...commonAlertSamples(), ...commonAlertVariants()])('%s', (path) => {
    const alert = alertOf(path);
    const s = fromCommonAlert(alert);
    expect(s.source).toBe('common-alert');
    expect(s.sourceId).toBe(commonAlertKey(alert.essentials));
    expect(s.title.length).toBeGreaterThan(0);
    expect(s.texts.length).toBeGreaterThan(0);
    expect(Date.parse(s.occurredAt)).not.toBeNaN();
    expect(s.occurredAt).toMatch(/Z$/);
    expect(s.attributes.alertRule).toBe(alert.essentials.alertRule);
    for (const v of Object.values(s.attributes)) expect(typeof v).toBe('string');
    expect(JSON.parse(JSON.stringify(s))).toEqual(s);
  });
});

describe('activity log alerts on failed AKS operations', () => {
  it('reads the specific code from statusMessage details[] first (SubnetIsFull under a generic wrapper)', () => {
    const s = signalOf('commonAlert/activity-log-agentpool-subnet-full.json');
    expect(s.kind).toBe('operation-failed');
    expect(s.status).toBe('firing');
    expect(s.errorCodes).toEqual(['SubnetIsFull', 'ResourceOperationFailure']);
    expect(s.texts[0]).toMatch(/does not have enough capacity for 30 IP addresses/);
    expect(s.cluster?.name).toBe('aks-prod-weu');
    expect(s.nodePool).toBe('spotpool');
    expect(s.severityHint).toBe('error');
    expect(s.correlationId).toBe('9a7b6c5d-4e3f-4a1b-8c2d-0e1f2a3b4c5d');
    expect(s.reason).toBe('Microsoft.ContainerService/managedClusters/agentPools/write');
    expect(s.occurredAt).toBe('2026-03-04T07:40:55.102Z');
    expect(s.title).toBe('managedClusters/agentPools/write failed: SubnetIsFull');
    expect(s.attributes).toMatchObject({ statusCode: 'BadRequest', caller: 'platform-team@contoso.com' });
    expect(enrichFailure(s, catalog).matches[0]?.code).toBe('SubnetIsFull');
  });

  it('reads the constructed quota sample the same way', () => {
    const s = signalOf('samples/CONSTRUCTED-common-alert-activity-log-aks-agentpool-failed.json');
    expect(s).toMatchObject({ kind: 'operation-failed', nodePool: 'userpool1', severityHint: 'warning' });
    expect(s.errorCodes).toEqual(['OperationNotAllowed', 'ResourceDeploymentFailure']);
  });

  it('keeps a statusMessage that is plain text as the text to match', () => {
    const s = signalOf('commonAlert/activity-log-agentpool-subnet-full.json', (b) => {
      setAt(b, 'data.alertContext.properties.statusMessage', 'Preflight validation failed: SubnetIsFull');
    });
    expect(s.texts).toEqual(['Preflight validation failed: SubnetIsFull']);
    expect(s.kind).toBe('operation-failed');
  });

  it('is a plain alert for a successful operation and for non-AKS resources', () => {
    const ok = signalOf('commonAlert/activity-log-agentpool-subnet-full.json', (b) => {
      setAt(b, 'data.alertContext.status', 'Succeeded');
      setAt(b, 'data.alertContext.level', 'Informational');
      setAt(b, 'data.alertContext.properties.statusMessage', undefined);
    });
    expect(ok.kind).toBe('alert');
    expect(ok.errorCodes).toEqual([]);
    const vm = signalOf('samples/common-alert-activity-log-administrative.json');
    expect(vm.kind).toBe('alert');
    expect(vm.cluster).toBeUndefined();
    expect(vm.resourceId).toMatch(/virtualMachines\/test-VM$/);
  });
});

describe('metric, Prometheus and health alerts on AKS', () => {
  it('passes a metric alert through with cluster context, node from its dimension, the rest in the reason', () => {
    const s = signalOf('commonAlert/metric-cluster-node-not-ready.json');
    expect(s).toMatchObject({
      kind: 'alert',
      status: 'firing',
      node: 'aks-userpool-27401163-vmss000004',
      severityHint: 'error',
      reason: 'aks-node-not-ready {condition=Ready, status2=NotReady}',
      errorCodes: [],
    });
    expect(s.cluster?.resourceId).toBe(CLUSTER_ID_LOWER);
    expect(s.resourceId).toBeUndefined();
    expect(s.title).toBe('aks-node-not-ready: kube_node_status_condition (Average) 1, alert when > 0');
    expect(s.attributes).toMatchObject({ 'metric.value': '1', 'metric.threshold': '0', windowSize: 'PT5M' });
  });

  it('gives a resolved metric alert the fingerprint of its fired alert', () => {
    const fired = signalOf('commonAlert/metric-cluster-node-not-ready.json');
    const resolved = signalOf('commonAlert/metric-cluster-node-not-ready-resolved.json');
    expect(resolved.status).toBe('resolved');
    expect(resolved.occurredAt).toBe('2026-03-04T09:21:40.552Z');
    expect(resolved.sourceId).not.toBe(fired.sourceId);
    expect(resolved.sourceId.endsWith('|resolved')).toBe(true);
    expect(fingerprint(resolved)).toBe(fingerprint(fired));
  });

  it('keeps fired and resolved fingerprints together even when the cluster has a provisioning error', () => {
    const context = { provisioningError: { code: 'SubnetIsFull', message: 'SubnetIsFull' } };
    const fired = enrichFailure(signalOf('commonAlert/metric-cluster-node-not-ready.json'), catalog, {
      context,
    });
    const resolved = enrichFailure(
      signalOf('commonAlert/metric-cluster-node-not-ready-resolved.json'),
      catalog,
      {
        context,
      },
    );
    expect(resolved.fingerprint).toBe(fired.fingerprint);
  });

  it('tells alert instances of one rule apart by their dimensions', () => {
    const a = signalOf('commonAlert/metric-cluster-node-not-ready.json');
    const b = signalOf('commonAlert/metric-cluster-node-not-ready.json', (body) => {
      setAt(body, 'data.essentials.alertId', `${String(getAt(body, 'data.essentials.alertId'))}0`);
      setAt(
        body,
        'data.alertContext.condition.allOf.0.dimensions.0.value',
        'aks-userpool-27401163-vmss000005',
      );
    });
    expect(fingerprint(a)).not.toBe(fingerprint(b));
  });

  it('reads a Prometheus alert: labels as identity, annotations as the headline, the cluster from the targets', () => {
    const s = signalOf('commonAlert/prometheus-pod-crashlooping.json');
    expect(s.cluster?.name).toBe('aks-prod-weu');
    expect(s.title).toBe('KubePodCrashLooping: Pod container waiting in CrashLoopBackOff');
    expect(s.reason).toContain('pod=payments-api-7c9f8d6b5-x2kqp');
    expect(s.reason).not.toContain('alertname=');
    expect(s.attributes['label.namespace']).toBe('payments');
    expect(s.severityHint).toBe('info');
  });

  it('passes Resource Health through with cluster context, and pairs the recovery with the degradation', () => {
    const degraded = signalOf('commonAlert/resource-health-cluster-degraded.json');
    expect(degraded).toMatchObject({ kind: 'alert', status: 'firing', errorCodes: [] });
    expect(degraded.cluster?.name).toBe('aks-prod-weu');
    expect(degraded.title).toBe(
      "aks-resource-health: Resource Health - The cluster's API server is degraded",
    );
    expect(degraded.attributes['health.currentHealthStatus']).toBe('Degraded');
    const recovered = signalOf('commonAlert/resource-health-cluster-recovered.json');
    expect(recovered.status).toBe('resolved');
    expect(fingerprint(recovered)).toBe(fingerprint(degraded));
  });
});

describe('alerts on resources that are not AKS', () => {
  it.each([
    'samples/common-alert-metric-static.json',
    'samples/common-alert-metric-dynamic.json',
    'samples/common-alert-resource-health.json',
    'samples/common-alert-metric-resolved.json',
  ])('%s: passed through without cluster context', (path) => {
    const s = signalOf(path);
    expect(s.cluster).toBeUndefined();
    expect(s.resourceId).toMatch(/^\/subscriptions\//);
    expect(s.kind).toBe('alert');
  });

  it('maps every severity', () => {
    const hints = ['Sev0', 'Sev1', 'Sev2', 'Sev3', 'Sev4'].map(
      (sev) =>
        signalOf('samples/common-alert-metric-static.json', (b) => {
          setAt(b, 'data.essentials.severity', sev);
        }).severityHint,
    );
    expect(hints).toEqual(['critical', 'error', 'warning', 'info', 'info']);
  });
});

describe('log search alerts without their rows', () => {
  it('become one alert-level signal whose identity is the rule and its dimensions', () => {
    const s = signalOf('commonAlert/log-search-kubeevents-auto-repair.json');
    expect(s.kind).toBe('alert');
    expect(s.cluster?.resourceId).toBe(CLUSTER_ID_LOWER);
    expect(s.reason).toBe('aks-node-auto-repair');
    expect(s.attributes['query.text']).toContain('KubeEvents');
  });

  it('take the node from a Computer dimension', () => {
    expect(signalOf('samples/common-alert-log-search.json').node).toBe('test-computer');
  });
});
