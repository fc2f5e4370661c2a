import { signalProcessorFromEnv } from '../../pipeline/runtime.js';
import type { AksEventsDeps } from './receiveAksEvents.js';

let cached: { env: NodeJS.ProcessEnv; deps: AksEventsDeps } | undefined;

/**
 * The Event Grid function's dependencies from app settings, built once per process. A transient
 * context failure throws, so Event Grid redelivers and the failure arrives complete. A configuration
 * error is thrown every time (and so retried by Event Grid until fixed), never cached.
 */
export function aksEventsDepsFromEnv(env: NodeJS.ProcessEnv): AksEventsDeps {
  if (cached?.env === env) return cached.deps;
  const deps: AksEventsDeps = {
    processor: signalProcessorFromEnv(env, {
      failOnTransientContext: true,
      onProblem: (message) => {
        console.warn(`aks events: ${message}`);
      },
    }),
  };
  cached = { env, deps };
  return deps;
}
