import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { loggingContext } from '../support/functionContext.js';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { aksEventsHandler } from '../../functions/aksEvents.js';
import { createArmClusterContext } from '../../src/context/armClusterContext.js';
import type { EnrichedFailure, FailureSignal } from '../../src/model.js';
import { DEFAULT_POLICY } from '../../src/notify/policy.js';
import { TransientContextError } from '../../src/pipeline/processSignals.js';
import { createPipeline } from '../../src/pipeline/pipeline.js';
import type { SignalProcessor } from '../../src/ports.js';
import { createSignalProcessor } from '../../src/pipeline/signalProcessor.js';
import { TransientFillInError } from '../../src/sources/eventGrid/activityFillIn.js';
import type { AksEventsDeps } from '../../src/sources/eventGrid/receiveAksEvents.js';
import { rollingRecorder } from '../../src/sources/eventGrid/receiveAksEvents.js';
import type { KeyValueStore } from '../../src/state/keyValueStore.js';
import { createMemoryStore } from '../../src/state/memoryStore.js';
import { createRollingUpgrades } from '../../src/state/rollingUpgrades.js';
import { FakeArm, fixedTokenCredential } from '../support/fakeArm.js';

const SAMPLES = join(import.meta.dirname, '..', 'fixtures', 'samples');
const sample = (name: string): unknown => JSON.parse(readFileSync(join(SAMPLES, name), 'utf8'));

/** Keeps what it is handed and drops what it has seen, by source id, like the pipeline. */
class RecordingProcessor implements SignalProcessor {
  readonly seen = new Map<string, FailureSignal>();
  failWith: Error | undefined;
  process(signals: FailureSignal[]): Promise<{ enqueued: number; duplicates: number }> {
    if (this.failWith) return Promise.reject(this.failWith);
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

let processor: RecordingProcessor;
let logs: string[];

const context = () => loggingContext('aksEvents', logs);

const deps = (): AksEventsDeps => ({ processor });

/** Everything to one generic receiver that is never reached (these tests look at what is queued). */
const opsRouting = () => ({
  source: 'test',
  receivers: [{ name: 'ops', type: 'generic' as const, url: 'https://127.0.0.1:9/hook' }],
  receiverInfo: [],
  routes: [],
  defaultReceivers: ['ops'],
  digest: { receivers: [] },
  notify: { grouping: undefined, silences: undefined },
});
const run = (event: unknown, d: () => AksEventsDeps = deps) => aksEventsHandler(d)(event, context());

beforeEach(() => {
  processor = new RecordingProcessor();
  logs = [];
});

/** What each sample becomes: [status, kind] of its one signal, 'ignored' or 'malformed'. */
const EXPECTED: Record<string, readonly [string, string] | 'ignored' | 'malformed'> = {
  'aks-nodepool-rolling-failed': ['firing', 'nodepool-rolling'],
  'aks-nodepool-rolling-started': ['info', 'nodepool-rolling'],
  'aks-nodepool-rolling-succeeded': ['info', 'nodepool-rolling'],
  'aks-cluster-support-ending': ['firing', 'cluster-support'],
  'aks-cluster-support-ended': ['firing', 'cluster-support'],
  'aks-new-kubernetes-version-available': ['info', 'kubernetes-version'],
  'aks-scheduled-event-emitted': ['info', 'scheduled-event'],
  'resource-write-failure': 'ignored',
  'resource-action-failure': 'ignored',
  'subscription-validation-request': 'ignored',
  // The handshake answer is not an event: dropped as malformed, never thrown.
  'subscription-validation-response': 'malformed',
};

describe('aksEvents: every Event Grid and CloudEvents sample', () => {
  const names = readdirSync(SAMPLES).filter((n) => /^(eventgrid|cloudevents)-/.test(n));

  it('has an expectation for every sample', () => {
    expect(names.length).toBeGreaterThanOrEqual(18);
    for (const n of names)
      expect(EXPECTED[n.replace(/^(eventgrid|cloudevents)-|\.json$/g, '')], n).toBeDefined();
  });

  for (const name of names) {
    it(name, async () => {
      const expected = EXPECTED[name.replace(/^(eventgrid|cloudevents)-|\.json$/g, '')];
      await run(sample(name));
      const signals = [...processor.seen.values()];
      if (expected === 'ignored') {
        expect(signals).toEqual([]);
        expect(logs.some((l) => l.startsWith('debug') && l.includes('ignored'))).toBe(true);
        expect(logs.some((l) => l.includes('0 signal(s)') && l.includes('1 ignored'))).toBe(true);
      } else if (expected === 'malformed') {
        expect(signals).toEqual([]);
        expect(logs.some((l) => l.startsWith('error') && l.includes('aks event dropped'))).toBe(true);
      } else {
        expect(signals.map((s) => [s.status, s.kind])).toEqual([expected]);
        expect(logs.some((l) => l.startsWith('information') && l.includes('1 signal(s), 1 new'))).toBe(true);
      }
    });
  }
});

describe('aksEvents: batches, redelivery and failures', () => {
  it('processes the good events of a batch and logs the malformed one by id and field', async () => {
    const batch = sample('CONSTRUCTED-eventgrid-webhook-delivery-aks-batch.json') as Record<
      string,
      unknown
    >[];
    const broken = { ...batch[1], id: 'broken-1', data: { nodePool: 'userpool1' } };
    await run([batch[0], broken, batch[1]]);
    expect([...processor.seen.keys()]).toEqual([
      'event-grid|a1b2c3d4e5f60718293a4b5c6d7e8f9012345678',
      'event-grid|b2c3d4e5f60718293a4b5c6d7e8f901234567890',
    ]);
    expect(logs).toContain(
      'error: aks event dropped: event broken-1 (Microsoft.ContainerService.NodePoolRollingFailed): data.nodePoolName: is required',
    );
    expect(logs.some((l) => l.includes('2 signal(s), 2 new, 0 duplicate, 0 ignored, 1 malformed'))).toBe(
      true,
    );
  });

  it('produces nothing new when Event Grid redelivers the same batch', async () => {
    const batch = sample('CONSTRUCTED-eventgrid-webhook-delivery-aks-batch.json');
    await run(batch);
    await run(batch);
    expect(processor.seen.size).toBe(2);
    expect(logs.some((l) => l.includes('2 signal(s), 0 new, 2 duplicate'))).toBe(true);
  });

  it('throws on a transient failure so Event Grid redelivers, and takes the redelivery', async () => {
    const event = sample('eventgrid-aks-nodepool-rolling-failed.json');
    processor.failWith = new TransientContextError('ARM answered 503 for cluster {cluster}');
    await expect(run(event)).rejects.toBeInstanceOf(TransientContextError);
    expect(processor.seen.size).toBe(0);
    processor.failWith = undefined;
    await run(event);
    expect(processor.seen.size).toBe(1);
  });

  it('throws when the pipeline cannot take the batch (state store unavailable)', async () => {
    processor.failWith = new Error('state store unavailable');
    await expect(run(sample('cloudevents-aks-nodepool-rolling-failed.json'))).rejects.toThrow(
      'state store unavailable',
    );
  });

  it('hands over the filled-in signals, and throws when the fill-in cannot ask Log Analytics now', async () => {
    const event = sample('eventgrid-aks-nodepool-rolling-failed.json');
    const withCode = (signals: FailureSignal[]) =>
      Promise.resolve(signals.map((s) => ({ ...s, errorCodes: ['SubnetIsFull'] })));
    await run(event, () => ({ processor, fillIn: withCode }));
    expect([...processor.seen.values()].map((s) => s.errorCodes)).toEqual([['SubnetIsFull']]);
    processor.seen.clear();
    const unavailable = () =>
      Promise.reject(new TransientFillInError('activity log of workspace w unavailable'));
    await expect(run(event, () => ({ processor, fillIn: unavailable }))).rejects.toBeInstanceOf(
      TransientFillInError,
    );
    expect(processor.seen.size).toBe(0);
  });

  it('asks the fill-in only for events not yet processed, so a redelivery does not fail on it again', async () => {
    const store = createMemoryStore();
    const pipeline = createPipeline({
      store,
      routing: opsRouting(),
      policy: DEFAULT_POLICY,
    });
    const real = createSignalProcessor(pipeline.deps);
    const event = sample('eventgrid-aks-nodepool-rolling-failed.json');
    const asked: FailureSignal[][] = [];
    const withCode = (signals: FailureSignal[]) => {
      asked.push(signals);
      return Promise.resolve(signals.map((s) => ({ ...s, errorCodes: ['SubnetIsFull'] })));
    };
    await run(event, () => ({ processor: real, fillIn: withCode }));
    expect(asked.map((b) => b.length)).toEqual([1]);
    const unavailable = () =>
      Promise.reject(new TransientFillInError('activity log of workspace w unavailable'));
    await expect(run(event, () => ({ processor: real, fillIn: unavailable }))).resolves.toBeUndefined();
    expect(asked).toHaveLength(1);
  });

  it('does not throw for a batch with only malformed events', async () => {
    await expect(run([{ id: 'x' }, 42])).resolves.toBeUndefined();
    expect(logs.filter((l) => l.startsWith('error'))).toHaveLength(2);
  });

  it('throws when the app is not configured, so nothing is lost', async () => {
    await expect(
      run(sample('eventgrid-aks-nodepool-rolling-failed.json'), () => {
        throw new Error('configuration problems: STATE_STORE');
      }),
    ).rejects.toThrow('configuration problems');
  });
});

describe('aksEvents through the pipeline, ARM context and rolling records', () => {
  const CLUSTER_ID =
    '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-aks/providers/Microsoft.ContainerService/managedClusters/aks-prod';
  let arm: FakeArm;
  let store: KeyValueStore;

  beforeAll(async () => {
    arm = await FakeArm.start();
    arm.setCluster(CLUSTER_ID, {
      location: 'westeurope',
      properties: { provisioningState: 'Failed', currentKubernetesVersion: '1.30.4' },
    });
    arm.setPool(CLUSTER_ID, 'userpool1', {
      provisioningState: 'Failed',
      vmSize: 'Standard_D4s_v5',
      status: {
        provisioningError: {
          code: 'SubnetIsFull',
          message:
            'Subnet /subscriptions/x/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/aks is full.',
        },
      },
    });
  });
  afterAll(async () => {
    await arm.close();
  });

  function realDeps(): AksEventsDeps {
    const upgrades = createRollingUpgrades(store);
    const pipeline = createPipeline({
      store,
      routing: opsRouting(),
      policy: DEFAULT_POLICY,
      rolling: upgrades,
      context: createArmClusterContext({
        credential: fixedTokenCredential,
        endpoint: arm.endpoint,
        clientOptions: arm.clientOptions(),
        cacheTtlMs: 0,
      }),
    });
    return {
      processor: createSignalProcessor(pipeline.deps, { failOnTransientContext: true }),
      rolling: rollingRecorder(upgrades),
    };
  }

  async function journal(): Promise<EnrichedFailure[]> {
    const out: EnrichedFailure[] = [];
    for await (const e of store.list<EnrichedFailure>('journal-2026-08-20')) out.push(e.value);
    return out;
  }

  beforeEach(() => {
    store = createMemoryStore();
  });

  it('fills a rolling failure in from the pool provisioning error and marks it as during the upgrade', async () => {
    const d = realDeps();
    await run(sample('CONSTRUCTED-eventgrid-webhook-delivery-aks-batch.json'), () => d);
    const failed = (await journal()).find((f) => f.reason === 'NodePoolRollingFailed');
    expect(failed?.matches[0]?.code).toBe('SubnetIsFull');
    expect(failed?.duringUpgrade).toBe(true);
    expect(failed?.context?.nodePool?.vmSize).toBe('Standard_D4s_v5');
    expect(failed?.severity).not.toBe('info');
    let outbox = 0;
    for await (const _ of store.list('outbox-pending')) outbox++;
    expect(outbox).toBeGreaterThan(0);
  });

  it('marks a rolling failure as during the upgrade when its start runs in a parallel invocation', async () => {
    const d = realDeps();
    const [started, failed] = sample('CONSTRUCTED-eventgrid-webhook-delivery-aks-batch.json') as unknown[];
    await Promise.all([run(failed, () => d), run(started, () => d)]);
    const f = (await journal()).find((x) => x.reason === 'NodePoolRollingFailed');
    expect(f?.duringUpgrade).toBe(true);
  });

  it('throws while ARM is unavailable, and the redelivered batch goes through once', async () => {
    const d = realDeps();
    const batch = sample('CONSTRUCTED-eventgrid-webhook-delivery-aks-batch.json');
    arm.fail(
      CLUSTER_ID,
      { status: 503, code: 'ServiceUnavailable' },
      { status: 503, code: 'ServiceUnavailable' },
    );
    await expect(run(batch, () => d)).rejects.toBeInstanceOf(TransientContextError);
    expect(await journal()).toEqual([]);
    await run(batch, () => d);
    await run(batch, () => d);
    expect((await journal()).map((f) => f.reason).sort()).toEqual([
      'NodePoolRollingFailed',
      'NodePoolRollingStarted',
    ]);
    expect(logs.some((l) => l.includes('2 signal(s), 0 new, 2 duplicate'))).toBe(true);
  });

  it('enriches without context when ARM denies access, naming the Reader role', async () => {
    const d = realDeps();
    arm.fail(CLUSTER_ID, { status: 403, code: 'AuthorizationFailed' });
    await run(sample('CONSTRUCTED-eventgrid-resource-write-failure-aks-agentpool.json'), () => d);
    const [f] = await journal();
    expect(f?.kind).toBe('resource-failure');
    expect(f?.contextError).toMatch(/Reader role/);
    expect(f?.correlationId).toBe('44444444-4444-4444-4444-444444444444');
  });
});
