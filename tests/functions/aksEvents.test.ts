import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { InvocationContext } from '@azure/functions';
import { aksEventsHandler } from '../../functions/aksEvents.js';
import type { FailureSignal } from '../../src/model.js';
import { TransientContextError } from '../../src/pipeline/processSignals.js';
import type { SignalProcessor } from '../../src/pipeline/signalProcessor.js';
import type { AksEventsDeps } from '../../src/sources/eventGrid/receiveAksEvents.js';

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

function context(): InvocationContext {
  return new InvocationContext({
    functionName: 'aksEvents',
    logHandler: (level, ...args) => logs.push(`${level}: ${args.map(String).join(' ')}`),
  });
}

const deps = (): AksEventsDeps => ({ processor });
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
