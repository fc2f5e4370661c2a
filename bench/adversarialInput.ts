/**
 * Untrusted text against every parser that runs a regular expression over it: for each, an
 * adversarial input (long runs of what a pattern backtracks over) at 100 KB and at 400 KB, the best
 * of 7 runs each. A linear parser takes 4 times as long on 4 times the input (2x per doubling); a
 * quadratic one 16 times (4x per doubling). Printed per case: both times, the growth per doubling,
 * and the 100 KB time against one `String#indexOf` pass over the same length (the baseline).
 */
import { fileURLToPath } from 'node:url';
import { catalogLookup } from '../src/catalog/catalogLookup.js';
import { outOfScope, alertQueryScope } from '../src/sources/commonAlert/alertQueryScope.js';
import { armErrorParts } from '../src/sources/commonAlert/armErrorParts.js';
import { fromEventGrid } from '../src/sources/eventGrid/fromEventGrid.js';
import { autoRepairErrorCode, fromKubeEvents } from '../src/sources/logAnalytics/fromKubeEvents.js';
import { clipText, cleanLine } from '../src/text.js';

const KB = 1024;

interface Case {
  name: string;
  input: (bytes: number) => string;
  run: (text: string) => unknown;
}

const CLUSTER =
  '/subscriptions/3f2c1a9e-7b4d-4c1e-9a8f-2d6e5b4c3a21/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks';

const fill = (unit: string, bytes: number) => unit.repeat(Math.ceil(bytes / unit.length)).slice(0, bytes);

const CASES: Case[] = [
  {
    name: 'auto-repair code: "failure:" + spaces and dots',
    input: (n) => `Node reboot failure: x${fill(' .', n)}y z`,
    run: autoRepairErrorCode,
  },
  {
    name: 'KubeEvents row: auto-repair message of brackets',
    input: (n) => `Remediation failed here: [${fill('[ ', n)}`,
    run: (m) =>
      fromKubeEvents({
        TimeGenerated: '2026-11-20T07:27:00Z',
        Reason: 'NodeRebootError',
        Message: m,
        Name: 'aks-nodepool1-1-vmss000001',
        ObjectKind: 'Node',
        KubeEventType: 'Warning',
        _ResourceId: CLUSTER,
      }),
  },
  {
    name: 'ARM error: a run of backslashes',
    input: (n) => `{"status":"Failed" ${fill('\\', n)}`,
    run: armErrorParts,
  },
  {
    name: 'ARM error: "code" then spaces, clipped JSON',
    input: (n) => `{"error":"${fill('\\"code\\"      ', n)}`,
    run: armErrorParts,
  },
  {
    name: 'catalog matcher: code-like words and spaces',
    input: (n) => fill('code   =   status :  ErrorCode ', n),
    run: (t) => catalogLookup.matchText(t),
  },
  {
    name: 'catalog matcher: one long whitespace run',
    input: (n) => `Error${fill(' ', n)}x`,
    run: (t) => catalogLookup.matchText(t),
  },
  {
    name: 'alert query scope: a resource id of slashes',
    input: (n) => `${CLUSTER}${fill('/', n)}x`,
    run: (id) => outOfScope(alertQueryScope(undefined, undefined), { resourceId: id }),
  },
  {
    name: 'Event Grid: a 100 KB string in every field',
    input: (n) => fill('a\u202e\ud800 ', n),
    run: (s) => fromEventGrid([{ id: s, eventType: s, subject: s, topic: s, eventTime: s, data: { s } }]),
  },
  {
    name: 'cleaning for display: controls and bidi',
    input: (n) => fill('\u0007\u202e x\ud800', n),
    run: (t) => clipText(cleanLine(t), 300),
  },
];

function timeMs(c: Case, text: string): number {
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < 7; i++) {
    const start = performance.now();
    c.run(text);
    best = Math.min(best, performance.now() - start);
  }
  return best;
}

export function runAdversarialInputBench(): void {
  console.log(
    '\nadversarial input: parse time at 100 KB and 400 KB (growth per doubling: 2x linear, 4x quadratic)',
  );
  let worst = 0;
  const baseline = (n: number) => {
    const t = fill('ab', n);
    const start = performance.now();
    for (let i = 0; i < 100; i++) t.indexOf('z');
    return (performance.now() - start) / 100;
  };
  const base100 = baseline(100 * KB);
  for (const c of CASES) {
    const small = timeMs(c, c.input(100 * KB));
    const large = timeMs(c, c.input(400 * KB));
    // Times under a tenth of a millisecond are timer noise: counted as linear.
    const growth = small < 0.1 && large < 0.4 ? 2 : Math.sqrt(large / Math.max(small, 0.01));
    worst = Math.max(worst, growth);
    console.log(
      `  ${c.name.padEnd(52)} ${small.toFixed(2).padStart(8)} ms ${large.toFixed(2).padStart(8)} ms  ${growth.toFixed(1)}x per doubling  ${(small / base100).toFixed(0)}x one indexOf pass`,
    );
  }
  console.log(
    JSON.stringify({
      bench: 'adversarial-input',
      cases: CASES.length,
      inputKb: 400,
      ratio: Number(worst.toFixed(2)),
    }),
  );
}

if (process.argv[1] === fileURLToPath(import.meta.url)) runAdversarialInputBench();
