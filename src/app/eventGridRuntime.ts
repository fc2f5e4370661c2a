import { readSettings } from '../config.js';
import {
  azureAccessFromSettings,
  clusterPortsFromEnv,
  signalProcessorFromEnv,
} from './runtime.js';
import { createLogsQueryClient } from '../sources/logAnalytics/queryLogs.js';
import { createActivityFillIn } from '../sources/eventGrid/activityFillIn.js';
import type { AksEventsDeps } from '../sources/eventGrid/receiveAksEvents.js';
import { rollingRecorder } from '../sources/eventGrid/receiveAksEvents.js';

let cached: { env: NodeJS.ProcessEnv; deps: AksEventsDeps } | undefined;

/**
 * The Event Grid function's dependencies from app settings, built once per process: cluster context
 * from Resource Manager (ARM_ENDPOINT, managed identity), rolling-upgrade records in the state store,
 * the activity-log fill-in (when LOG_ANALYTICS_WORKSPACE_IDS names workspaces) and the pipeline. A transient context failure throws, so Event Grid redelivers and the failure
 * arrives complete. A configuration error is thrown every time (Event Grid retries until it is
 * fixed), never cached.
 */
export function aksEventsDepsFromEnv(env: NodeJS.ProcessEnv): AksEventsDeps {
  if (cached?.env === env) return cached.deps;
  const settings = readSettings(env);
  const { credential } = azureAccessFromSettings(settings);
  // Event Grid redelivers a failed batch; a short in-process retry covers blips only.
  const { context, rolling: upgrades } = clusterPortsFromEnv(env, {
    credential,
    armClientOptions: { retryOptions: { maxRetries: 2 } },
  });
  const deps: AksEventsDeps = {
    processor: signalProcessorFromEnv(env, {
      failOnTransientContext: true,
      context,
      rolling: upgrades,
      onProblem: (message) => {
        console.warn(`aks events: ${message}`);
      },
    }),
    rolling: rollingRecorder(upgrades),
  };
  const workspaceIds = (settings.LOG_ANALYTICS_WORKSPACE_IDS ?? '')
    .split(',')
    .map((w) => w.trim())
    .filter(Boolean);
  if (workspaceIds.length > 0)
    deps.fillIn = createActivityFillIn({
      client: createLogsQueryClient(settings.LOG_ANALYTICS_ENDPOINT, credential),
      workspaceIds,
      // A short wait: Event Grid redelivers the batch when Log Analytics stays unavailable.
      queryOptions: { maxAttempts: 2, serverTimeoutInSeconds: 20 },
    });
  cached = { env, deps };
  return deps;
}
