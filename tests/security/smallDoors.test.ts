/**
 * Small doors a forged alert could use: a link of its choosing as a button in every sink, and ARM ids
 * with dot segments that would reach other Resource Manager paths.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app/app.js';
import { parseAksResourceId } from '../../src/azure/armId.js';
import { catalogLookup } from '../../src/catalog/catalogLookup.js';
import { enrichFailure } from '../../src/enrich/enrichFailure.js';
import { processSignals } from '../../src/pipeline/processSignals.js';
import { RENDERERS } from '../../src/render/renderers.js';
import { toConsoleText } from '../../src/render/toConsoleText.js';
import { signalsFromCommonAlert } from '../../src/sources/commonAlert/signalsFromCommonAlert.js';
import { createMemoryStore } from '../../src/state/memoryStore.js';
import { alertOf, setAt } from '../support/commonAlertFixtures.js';
import { notificationOf } from '../support/enrichedFailures.js';
import { FakeArm } from '../support/fakeArm.js';

const METRIC = 'commonAlert/metric-cluster-node-not-ready.json';
const deps = { maxRows: 10, kqlString: (v: string) => `'${v}'` };

/** Every sink's rendering of the alert, and the terminal's, with the link hosts given. */
async function everySink(investigationLink: string, linkHosts?: string[]): Promise<string[]> {
  const alert = alertOf(METRIC, (b) => setAt(b, 'data.essentials.investigationLink', investigationLink));
  const hosts = linkHosts ? { linkHosts } : {};
  const { signals } = await signalsFromCommonAlert(alert, { ...deps, ...hosts });
  const failures = signals.map((s) => enrichFailure(s, catalogLookup, hosts));
  const n = notificationOf(failures);
  return [...Object.values(RENDERERS).map((r) => r.render(n)), ...failures.map((f) => toConsoleText(f))];
}

describe("attack: a payload's link of its choosing becomes a button in every sink", () => {
  it.each([
    'https://evil.example/phish',
    'https://portal.azure.com.evil.example/x',
    'https://evil.example/?next=https://portal.azure.com',
    'https://user:pw@portal.azure.com/x',
    'https://portal.azure.com:8443/x',
    'http://portal.azure.com/x',
  ])('%s is shown by no sink', async (link) => {
    for (const out of await everySink(link)) {
      expect(out).not.toContain('evil.example');
      expect(out).not.toMatch(/portal\.azure\.com(:8443|\.evil)|user:pw|http:\/\/portal/);
    }
  });

  it('a link to the Azure portal stays, and LINK_HOST_ALLOW_LIST decides what else may', async () => {
    const portal =
      'https://portal.azure.com/#view/Microsoft_Azure_Monitoring_Alerts/AlertDetails.ReactView/alertId/x';
    for (const out of await everySink(portal)) expect(out).toContain('portal.azure.com/#view');
    const sovereign = 'https://portal.azure.us/#view/x';
    for (const out of await everySink(sovereign)) expect(out).not.toContain('portal.azure.us');
    for (const out of await everySink(sovereign, ['portal.azure.us']))
      expect(out).toContain('portal.azure.us');
  });
});

describe('attack: dot segments in resource ids reach other Resource Manager paths', () => {
  let arm: FakeArm;
  beforeAll(async () => {
    arm = await FakeArm.start();
  });
  afterAll(() => arm.close());

  const sub = '/subscriptions/3f1c2b7e-5a4d-4e8f-9c21-7d0b6a9e4c11';
  it.each([
    `${sub}/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/..`,
    `${sub}/resourceGroups/../providers/Microsoft.ContainerService/managedClusters/aks`,
    `${sub}/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks/agentPools/../../../../../providers/Microsoft.KeyVault/vaults/kv`,
    `${sub}/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks%2F..%2F..%2Fother`,
    `${sub}/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/.`,
  ])('%s names no cluster, so no Resource Manager look-up is made', async (id) => {
    expect(parseAksResourceId(id)).toBeUndefined();
    const alert = alertOf(METRIC, (b) => {
      setAt(b, 'data.essentials.alertTargetIDs', [id]);
      setAt(b, 'data.essentials.configurationItems', [id]);
    });
    const { signals } = await signalsFromCommonAlert(alert, deps);
    expect(signals[0]?.cluster).toBeUndefined();
    const app = createApp(
      { WEBHOOK_URL: 'https://hooks.example.net/aks', ARM_ENDPOINT: arm.endpoint },
      { azure: arm.azureAccess(), store: createMemoryStore() },
    );
    await processSignals((await app.pipeline()).deps, signals);
    expect(arm.requests).toEqual([]);
  });
});
