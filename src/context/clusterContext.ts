import { ContainerServiceClient } from '@azure/arm-containerservice';
import type { ContainerServiceClientOptionalParams } from '@azure/arm-containerservice';
import type { ContextPort } from '../ports.js';

/** Cluster (and node pool) context for a failure; the pipeline's context port. */
export type ClusterContextLookup = ContextPort;

/** A look-up's answer: the context, or why not and whether a retry could help. */
export type ContextResult = Awaited<ReturnType<ContextPort['get']>>;

/** The credential type the ARM client takes (@azure/core-auth's TokenCredential). */
export type ArmCredential = ConstructorParameters<typeof ContainerServiceClient>[0];

/**
 * A ContainerServiceClient for one subscription. With an endpoint (ARM_ENDPOINT, a sovereign cloud
 * or a local test server) its tokens are asked for that endpoint's audience, not the public cloud's.
 */
export function createContainerServiceClient(
  subscriptionId: string,
  credential: ArmCredential,
  endpoint?: string,
  options: ContainerServiceClientOptionalParams = {},
): ContainerServiceClient {
  const clientOptions: ContainerServiceClientOptionalParams = { ...options };
  const base = endpoint?.replace(/\/+$/, '');
  if (base) {
    clientOptions.endpoint = base;
    clientOptions.credentials = { scopes: [`${new URL(base).origin}/.default`] };
  }
  return new ContainerServiceClient(credential, subscriptionId, clientOptions);
}

export { createArmClusterContext } from './armClusterContext.js';
export type { ArmClusterContextOptions } from './armClusterContext.js';
