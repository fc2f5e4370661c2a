/**
 * What the alert webhook does on the request path, per alert: validate the common-schema payload and
 * encode the inbox message (compressing or shortening large alerts). The baseline is JSON.parse of
 * the same body, the least any handler must do; ratios are against it, measured in the same run.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeInboxMessage } from '../src/sources/commonAlert/alertInbox.js';
import { parseCommonAlertText } from '../src/sources/commonAlert/parseCommonAlert.js';

const FIXTURES = join(import.meta.dirname, '..', 'tests', 'fixtures', 'commonAlert');

function fixture(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(FIXTURES, name), 'utf8')) as Record<string, unknown>;
}

function withProperties(body: Record<string, unknown>, props: Record<string, string>): string {
  const copy = structuredClone(body) as { data: { alertContext: Record<string, unknown> } };
  copy.data.alertContext.properties = props;
  return JSON.stringify(copy);
}

function cases(): { name: string; text: string }[] {
  const metric = fixture('metric-cluster-node-not-ready.json');
  const logSearch = fixture('log-search-kubeevents-auto-repair.json');
  const compressible: Record<string, string> = {};
  const incompressible: Record<string, string> = {};
  for (let i = 0; i < 60; i++) {
    compressible[`runbook${i}`] = `Check the node pool, then the subnet, then the quota. `.repeat(75);
    incompressible[`blob${i}`] = randomBytes(3000).toString('base64');
  }
  return [
    { name: 'metric alert (1.6 KB)', text: JSON.stringify(metric) },
    { name: 'log search alert (4.5 KB)', text: JSON.stringify(logSearch) },
    { name: 'log search, 240 KB compressible', text: withProperties(logSearch, compressible) },
    { name: 'log search, 240 KB incompressible', text: withProperties(logSearch, incompressible) },
  ];
}

function timePerOp(fn: () => void, minMs = 300): number {
  for (let i = 0; i < 3; i++) fn();
  let n = 0;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < minMs) {
    fn();
    n++;
    elapsed = performance.now() - start;
  }
  return elapsed / n;
}

export function runCommonAlertWebhookBench(): void {
  console.log('\nalert webhook request path (validate + encode inbox message) vs JSON.parse of the body');
  console.log('case                                  body KB   JSON.parse ms   webhook ms   ratio');
  for (const c of cases()) {
    const baseline = timePerOp(() => {
      JSON.parse(c.text);
    });
    const ours = timePerOp(() => {
      const r = parseCommonAlertText(c.text);
      if (r.kind !== 'alert') throw new Error(`${c.name}: not an alert`);
      encodeInboxMessage({ v: 1, key: 'k|fired', receivedAt: '2026-03-04T00:00:00.000Z', alert: r.alert });
    });
    console.log(
      `${c.name.padEnd(36)} ${(c.text.length / 1024).toFixed(1).padStart(8)} ${baseline.toFixed(3).padStart(15)} ${ours
        .toFixed(3)
        .padStart(12)} ${(ours / baseline).toFixed(1).padStart(7)}x`,
    );
  }
}
