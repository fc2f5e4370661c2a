/**
 * Rendering a notification for each chat and paging sink (clean, escape, cap, shorten to fit),
 * against JSON.stringify of the same notification (what the generic webhook does) as the baseline,
 * measured in the same run.
 */
import type { Notification } from '../src/model.js';
import {
  groupNotification,
  hostileFailure,
  notificationOf,
  operationFailure,
} from '../tests/support/enrichedFailures.js';
import { RENDERERS } from '../src/render/renderers.js';

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

function cases(): { name: string; n: Notification }[] {
  const big = groupNotification(5000);
  return [
    { name: 'one failure', n: notificationOf([operationFailure()]) },
    { name: 'group of 500 nodes', n: groupNotification(500) },
    { name: 'group of 5000, capped sample', n: { ...big, failures: big.failures.slice(0, 50) } },
    {
      name: '100 KB hostile text per field',
      n: notificationOf([hostileFailure('<!channel> [x](y) & '.repeat(5000))]),
    },
    {
      name: 'raw messages over the Teams limit',
      n: notificationOf([
        operationFailure({ texts: Array.from({ length: 20 }, (_, i) => `${String(i)} `.repeat(3000)) }),
      ]),
    },
  ];
}

export function runSinkRenderBench(): void {
  console.log('\nsink rendering vs JSON.stringify of the notification (ms per notification)');
  console.log(
    'case                                 stringify     teams    slack  pagerduty   teams/stringify',
  );
  for (const c of cases()) {
    const baseline = timePerOp(() => JSON.stringify(c.n));
    const teams = timePerOp(() => RENDERERS.teams.render(c.n));
    const sl = timePerOp(() => RENDERERS.slack.render(c.n));
    const pd = timePerOp(() => RENDERERS.pagerduty.render(c.n));
    console.log(
      `${c.name.padEnd(36)} ${baseline.toFixed(3).padStart(9)} ${teams.toFixed(3).padStart(9)} ${sl
        .toFixed(3)
        .padStart(8)} ${pd.toFixed(3).padStart(10)} ${(teams / baseline).toFixed(1).padStart(16)}x`,
    );
  }
}
