import { beforeEach, describe, expect, it } from 'vitest';
import { InvocationContext } from '@azure/functions';
import { alertProcessHandler } from '../../functions/alertProcess.js';
import type { FailureSignal } from '../../src/model.js';
import type { SignalProcessor } from '../../src/pipeline/signalProcessor.js';
import { encodeInboxMessage } from '../../src/sources/commonAlert/alertInbox.js';
import { parseCommonAlertText } from '../../src/sources/commonAlert/parseCommonAlert.js';
import type { AlertProcessDeps } from '../../src/sources/commonAlert/processAlertMessage.js';
import {
  RetryAlertLater,
  UnreadableInboxMessage,
} from '../../src/sources/commonAlert/processAlertMessage.js';
import type { AlertRowFetcher, RowFetch } from '../../src/sources/commonAlert/signalsFromCommonAlert.js';
import { alertFixtureText } from '../support/commonAlertFixtures.js';

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

function context(dequeueCount: number): InvocationContext {
  return new InvocationContext({
    functionName: 'alertProcess',
    triggerMetadata: { dequeueCount },
    logHandler: (level, ...args) => logs.push(`${level}: ${args.map(String).join(' ')}`),
  });
}

const deps = (rows?: AlertRowFetcher): AlertProcessDeps => ({
  processor,
  signals: { maxRows: 50, kqlString, ...(rows ? { rows } : {}) },
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
