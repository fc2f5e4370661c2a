import { DefaultAzureCredential } from '@azure/identity';
import { readSettings } from '../../config.js';
import { createArmClusterContext } from '../../context/armClusterContext.js';
import { signalProcessorFromEnv, stateStoreFromSettings } from '../../pipeline/runtime.js';
import { createRollingUpgrades } from '../../state/rollingUpgrades.js';
import type { AksEventsDeps } from './receiveAksEvents.js';
import { rollingRecorder } from './receiveAksEvents.js';

let cached: { env: NodeJS.ProcessEnv; deps: AksEventsDeps } | undefined;

/**
 * The Event Grid function's dependencies from app settings, built once per process: cluster context
 * from Resource Manager (ARM_ENDPOINT, managed identity), rolling-upgrade records in the state store,
 * and the pipeline. A transient context failure throws, so Event Grid redelivers and the failure
 * arrives complete. A configuration error is thrown every time (Event Grid retries until it is
 * fixed), never cached.
 */
export function aksEventsDepsFromEnv(env: NodeJS.ProcessEnv): AksEventsDeps {
  if (cached?.env === env) return cached.deps;
  const settings = readSettings(env);
  const credential = new DefaultAzureCredential(
    settings.AZURE_CLIENT_ID ? { managedIdentityClientId: settings.AZURE_CLIENT_ID } : {},
  );
  const context = createArmClusterContext({
    credential,
    endpoint: settings.ARM_ENDPOINT ?? 'https://management.azure.com',
    // Event Grid redelivers a failed batch; a short in-process retry covers blips only.
    clientOptions: { retryOptions: { maxRetries: 2 } },
  });
  const upgrades = createRollingUpgrades(stateStoreFromSettings(env));
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
  cached = { env, deps };
  return deps;
}
