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

function rate(fn: (m: string) => unknown, texts: readonly string[], minMs = 500): number {
  for (const t of texts) fn(t);
  let n = 0;
  const start = performance.now();
  while (performance.now() - start < minMs) {
    for (const t of texts) fn(t);
    n += texts.length;
  }
  return n / ((performance.now() - start) / 1000);
}

export function runMatcherBench(): void {
  const texts = messages();
  const needles = allEntries().flatMap((e) => [e.code, ...e.aliases].map((c) => c.toLowerCase()));
  const naive = (m: string) => {
    const lower = m.toLowerCase();
    return needles.filter((n) => lower.includes(n));
  };
  const base = rate(naive, texts);
  const ours = rate(match, texts);
  process.stdout.write(
    `\nCatalog matcher (${allEntries().length} entries, ${needles.length} spellings, ${texts.length} messages)\n` +
      `  naive includes scan   ${Math.round(base).toLocaleString('en')} messages/s\n` +
      `  matcher               ${Math.round(ours).toLocaleString('en')} messages/s  (${(ours / base).toFixed(2)}x the naive scan)\n`,
  );
}
