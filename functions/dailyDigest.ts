import { app } from '@azure/functions';
import type { InvocationContext, Timer } from '@azure/functions';
import { theApp } from '../src/app/lazyApp.js';
import { settingValue } from '../src/config.js';
import type { DailyDigestDeps } from '../src/digest/dailyDigest.js';

/** Computes the digest over the last window, stores the HTML report and queues the digest per receiver. */
export function dailyDigestHandler(deps: () => DailyDigestDeps | Promise<DailyDigestDeps>) {
  return async (_timer: Timer, context: InvocationContext): Promise<void> => {
    const { runDailyDigest } = await import('../src/digest/dailyDigest.js');
    const { digest, publish } = await runDailyDigest(await deps());
    context.info(
      `digest ${digest.window.start}..${digest.window.end}: ${String(digest.totals.failures)} failures on ${String(digest.totals.clusters)} clusters; queued for ${String(publish.added)} receiver(s), ${String(publish.existing)} already queued`,
    );
    for (const p of [...digest.problems, ...publish.errors].slice(0, 20)) context.warn(`digest: ${p}`);
  };
}

app.timer('dailyDigest', {
  schedule: settingValue(process.env, 'DIGEST_SCHEDULE') ?? '0 0 7 * * *',
  handler: dailyDigestHandler(async () => (await theApp()).dailyDigestDeps()),
});
