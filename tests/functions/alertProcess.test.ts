import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loggingContext } from '../support/functionContext.js';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { alertProcessHandler } from '../../functions/alertProcess.js';
import type { EnrichedFailure, FailureSignal } from '../../src/model.js';
import type { SignalProcessor } from '../../src/ports.js';
import { parseAksResourceId } from '../../src/azure/armId.js';
import { encodeInboxMessage } from '../../src/sources/commonAlert/alertInbox.js';
import { createApp } from '../../src/app/app.js';
import { parseCommonAlertText } from '../../src/sources/commonAlert/parseCommonAlert.js';
import type { AlertProcessDeps } from '../../src/sources/commonAlert/processAlertMessage.js';
import {
  RetryAlertLater,
  UnreadableInboxMessage,
} from '../../src/sources/commonAlert/processAlertMessage.js';
import type { AlertRowFetcher, RowFetch } from '../../src/sources/commonAlert/signalsFromCommonAlert.js';
import { createFileStore } from '../../src/state/fileStore.js';
import { createRollingUpgrades } from '../../src/state/rollingUpgrades.js';
import { fixtureRules, RULE_GROUP } from '../support/alertRules.js';
import { alertFixtureText } from '../support/commonAlertFixtures.js';
import { FakeArm } from '../support/fakeArm.js';

/** Keeps what it is handed and drops what it has seen, by source id, like the pipeline. */
class RecordingProcessor implements SignalProcessor {
  readonly seen = new Map<string, FailureSignal>();
  failing = false;
  process(signals: FailureSignal[]): Promise<{ enqueued: number; duplicates: number }> {
    if (this.failing) return Promise.reject(new Error('state store unavailable'));
    let enqueued = 0;
    for (const s of signals) {
      const id = `${s.source}|${s.sourceId}`;
      if (this.seen.has(id)) continue;
      this.seen.set(id, s);
      enqueued++;
    }
    return Promise.resolve({ enqueued, duplicates: signals.length - enqueued });
  }
}

class ScriptedRows implements AlertRowFetcher {
  calls = 0;
  constructor(private readonly answers: RowFetch[]) {}
  fetch(): Promise<RowFetch> {
    const answer = this.answers[Math.min(this.calls, this.answers.length - 1)];
    this.calls++;
    if (!answer) throw new Error('no scripted answer');
    return Promise.resolve(answer);
  }
}

const kqlString = (s: string): string => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

let processor: RecordingProcessor;
let logs: string[];

function queueEntry(path: string): unknown {
  const r = parseCommonAlertText(alertFixtureText(path));
  if (r.kind !== 'alert') throw new Error(path);
  const encoded = encodeInboxMessage({
    v: 1,
    key: 'key',
    receivedAt: '2026-03-04T08:15:43.000Z',
    alert: r.alert,
  });
  // The queue trigger base64-decodes the message and hands JSON over parsed.
  return JSON.parse(Buffer.from(encoded, 'base64').toString('utf8')) as unknown;
}

const context = (dequeueCount: number) => loggingContext('alertProcess', logs, { dequeueCount });

const deps = (rows?: AlertRowFetcher): AlertProcessDeps => ({
  processor,
  // The fixture names no rule id: its rule is found by name in the resource group listed.
  signals: {
    maxRows: 50,
    kqlString,
    rules: fixtureRules(),
    ruleScopes: [RULE_GROUP],
    ...(rows ? { rows } : {}),
  },
  maxAttempts: 5,
});

beforeEach(() => {
  processor = new RecordingProcessor();
  logs = [];
});

const table = {
  columns: [
    { name: 'Computer', type: 'string' },
    { name: 'Message', type: 'string' },
  ],
  rows: [
    ['aks-np-1', 'Node auto-repair reboot action failed due to an operation failure'],
    ['aks-np-2', 'Node auto-repair reimage action failed due to an operation failure'],
  ],
};

describe('alertProcess', () => {
  it('hands the signal of a stored alert to the pipeline', async () => {
    await alertProcessHandler(() => deps())(
      queueEntry('commonAlert/activity-log-agentpool-subnet-full.json'),
      context(1),
    );
    expect([...processor.seen.values()].map((s) => s.errorCodes[0])).toEqual(['SubnetIsFull']);
    expect(logs.some((l) => /1 signal\(s\), 1 new, 0 duplicate \(attempt 1\)/.test(l))).toBe(true);
  });

  it('fetches the rows of a log search alert and hands over one signal per row', async () => {
    const rows = new ScriptedRows([{ ok: true, tables: [table], capped: false }]);
    await alertProcessHandler(() => deps(rows))(
      queueEntry('commonAlert/log-search-kubeevents-auto-repair.json'),
      context(1),
    );
    expect(rows.calls).toBe(1);
    expect([...processor.seen.values()].map((s) => s.node)).toEqual(['aks-np-1', 'aks-np-2']);
  });

  it('produces no second notification when the same message is processed again', async () => {
    const rows = new ScriptedRows([{ ok: true, tables: [table], capped: false }]);
    const handler = alertProcessHandler(() => deps(rows));
    const entry = queueEntry('commonAlert/log-search-kubeevents-auto-repair.json');
    await handler(entry, context(1));
    await handler(entry, context(2));
    expect(processor.seen.size).toBe(2);
    expect(logs.some((l) => /2 signal\(s\), 0 new, 2 duplicate \(attempt 2\)/.test(l))).toBe(true);
  });

  it('throws for a retry while Log Analytics is unavailable, then delivers without rows on the last attempt', async () => {
    const rows = new ScriptedRows([{ ok: false, transient: true, reason: 'Log Analytics answered 503' }]);
    const handler = alertProcessHandler(() => deps(rows));
    const entry = queueEntry('commonAlert/log-search-kubeevents-auto-repair.json');
    for (let attempt = 1; attempt < 5; attempt++)
      await expect(handler(entry, context(attempt))).rejects.toBeInstanceOf(RetryAlertLater);
    expect(processor.seen.size).toBe(0);
    await handler(entry, context(5));
    const [only] = processor.seen.values();
    expect(only?.attributes.rowsNote).toBe('rows not fetched: Log Analytics answered 503');
    expect(
      logs.some((l) => l.startsWith('warning') && l.includes('delivering without its rows after 5 attempts')),
    ).toBe(true);
  });

  it('throws when the pipeline cannot take the signals, so the queue retries', async () => {
    processor.failing = true;
    await expect(
      alertProcessHandler(() => deps())(
        queueEntry('commonAlert/metric-cluster-node-not-ready.json'),
        context(1),
      ),
    ).rejects.toThrow('state store unavailable');
  });

  it('throws for a message it cannot read, so the queue parks it in the poison queue', async () => {
    await expect(
      alertProcessHandler(() => deps())('not an inbox message', context(1)),
    ).rejects.toBeInstanceOf(UnreadableInboxMessage);
  });
});

describe('alertProcess built from app settings', () => {
  // The cluster and pool the activity-log fixture names.
  const CLUSTER_ID =
    '/subscriptions/3f1c2b7e-5a4d-4e8f-9c21-7d0b6a9e4c11/resourceGroups/rg-aks-prod/providers/Microsoft.ContainerService/managedClusters/aks-prod-weu';
  const POOL_ID = `${CLUSTER_ID}/agentPools/spotpool`;
  const FIXTURE = 'commonAlert/activity-log-agentpool-subnet-full.json';
  const cluster = parseAksResourceId(CLUSTER_ID)?.cluster;
  if (!cluster) throw new Error('bad id');
  let arm: FakeArm;
  let dir: string;

  beforeAll(async () => {
    arm = await FakeArm.start();
    arm.setCluster(CLUSTER_ID, {
      location: 'westeurope',
      properties: { provisioningState: 'Succeeded', currentKubernetesVersion: '1.31.2' },
    });
    arm.setPool(CLUSTER_ID, 'spotpool', {
      vmSize: 'Standard_D8s_v5',
      mode: 'User',
      osType: 'Linux',
      provisioningState: 'Failed',
    });
  });
  afterAll(async () => {
    await arm.close();
  });
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'alert-process-env-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  /** Runs the fixture through the deps the deployed function builds, reaching the local ARM. */
  async function processFixture(): Promise<EnrichedFailure[]> {
    const env = { STATE_DIR: dir, WEBHOOK_URL: 'https://127.0.0.1:9/hook', ARM_ENDPOINT: arm.endpoint };
    const app = createApp(env, { azure: arm.azureAccess() });
    await alertProcessHandler(() => app.alertProcessDeps())(queueEntry(FIXTURE), context(1));
    const out: EnrichedFailure[] = [];
    for await (const e of createFileStore(dir).list<EnrichedFailure>('journal-2026-03-04')) out.push(e.value);
    return out;
  }

  it('enriches the failure with the cluster and pool context and marks it during the upgrade', async () => {
    await createRollingUpgrades(createFileStore(dir)).record(cluster, 'spotpool', {
      phase: 'Started',
      at: '2026-03-04T07:30:00.000Z',
      id: 'rolling-1',
    });
    const [failure, ...more] = await processFixture();
    expect(more).toEqual([]);
    expect(failure?.matches[0]?.code).toBe('SubnetIsFull');
    expect(failure?.context).toMatchObject({
      kubernetesVersion: '1.31.2',
      location: 'westeurope',
      nodePool: { name: 'spotpool', vmSize: 'Standard_D8s_v5', provisioningState: 'Failed' },
    });
    expect(failure?.contextError).toBeUndefined();
    expect(failure?.duringUpgrade).toBe(true);
  });

  it('enriches without context when ARM denies access to the cluster, and says why', async () => {
    arm.fail(CLUSTER_ID, { status: 403, code: 'AuthorizationFailed' });
    const [failure] = await processFixture();
    expect(failure?.matches[0]?.code).toBe('SubnetIsFull');
    expect(failure?.context).toBeUndefined();
    expect(failure?.contextError).toMatch(/ARM denied reading cluster aks-prod-weu \(403.*Reader role/);
  });

  it('keeps the cluster context when only the node pool is denied, and names the pool', async () => {
    arm.fail(POOL_ID, { status: 403, code: 'AuthorizationFailed' });
    const [failure] = await processFixture();
    expect(failure?.context?.kubernetesVersion).toBe('1.31.2');
    expect(failure?.context?.nodePool).toBeUndefined();
    expect(failure?.contextError).toMatch(
      /ARM denied reading node pool spotpool of cluster aks-prod-weu \(403/,
    );
  });
});
