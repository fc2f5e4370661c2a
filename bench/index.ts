/** `npm run bench`: every benchmark, one after the other (each prints its own table). */
import { runColdStartBench } from './coldStart.js';
import { runCommonAlertWebhookBench } from './commonAlertWebhook.js';

runColdStartBench();

runCommonAlertWebhookBench();
await (await import('./poll.js')).runPollBench();
await (await import('./digest.js')).runDigestBench();
(await import('./sinkRender.js')).runSinkRenderBench();
(await import('./matcher.js')).runMatcherBench();
// dist/ is the cold-start bench's build.
(await import('./matchCli.js')).runMatchCliBench({ build: false });
await (await import('./pipeline.js')).runPipelineBench();
await (await import('./fleet.js')).runFleetBench();
(await import('./adversarialInput.js')).runAdversarialInputBench();
await (await import('./faultRuns.js')).runFaultRunsBench();
await (await import('./alertmanager.js')).runAlertmanagerBench();
