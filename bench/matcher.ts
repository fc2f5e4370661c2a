/**
 * The catalog matcher against a naive scan (every code and alias looked for with String.includes in
 * the lower-cased text), over real-shaped failure messages, measured in the same run.
 */
import { allEntries, match } from '../src/catalog/index.js';
import { readSampleFleet } from '../src/sources/logAnalytics/sampleFleet.js';

function messages(): string[] {
  const fromFleet = readSampleFleet().signals.flatMap((s) => s.texts);
  const extra = [
    `{"status":"Failed","error":{"code":"DeploymentFailed","message":"At least one resource deployment operation failed.","details":[{"code":"VMExtensionProvisioningError","message":"VM has reported a failure when processing extension 'vmssCSE'. Error message: \\"Enable failed: failed to execute command: command terminated with exit status=50\\"."}]}}`,
    'Node auto-repair reimage action failed due to an operation failure: ARM ErrorCode: InvalidParameter',
    'Operation could not be completed as it results in exceeding approved standardDSv3Family Cores quota. Code="OperationNotAllowed"',
    "pod didn't trigger scale-up: 1 max node group size reached, 2 node(s) didn't match Pod's node affinity/selector",
    'x'.repeat(20_000) + ' Code="SubnetIsFull"',
  ];
  return [...fromFleet, ...extra];
}

function rate(fn: (m: string) => unknown, texts: readonly string[], minMs: number): number {
  let n = 0;
  const start = performance.now();
  while (performance.now() - start < minMs) {
    for (const t of texts) fn(t);
    n += texts.length;
  }
  return n / ((performance.now() - start) / 1000);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

/**
 * Both sides warmed up first (the regular expressions compile and tier up on first use), then
 * measured in alternating rounds so a burst of load on the shared machine hits both; medians.
 */
function compare(a: (m: string) => unknown, b: (m: string) => unknown, texts: readonly string[]) {
  rate(a, texts, 300);
  rate(b, texts, 300);
  const as: number[] = [];
  const bs: number[] = [];
  for (let round = 0; round < 5; round++) {
    as.push(rate(a, texts, 300));
    bs.push(rate(b, texts, 300));
  }
  return { a: median(as), b: median(bs) };
}

export function runMatcherBench(): void {
  const texts = messages();
  const needles = allEntries().flatMap((e) => [e.code, ...e.aliases].map((c) => c.toLowerCase()));
  const naive = (m: string) => {
    const lower = m.toLowerCase();
    return needles.filter((n) => lower.includes(n));
  };
  const { a: base, b: ours } = compare(naive, match, texts);
  process.stdout.write(
    `\nCatalog matcher (${allEntries().length} entries, ${needles.length} spellings, ${texts.length} messages)\n` +
      `  naive includes scan   ${Math.round(base).toLocaleString('en')} messages/s\n` +
      `  matcher               ${Math.round(ours).toLocaleString('en')} messages/s  (${(ours / base).toFixed(2)}x the naive scan)\n`,
  );
}
