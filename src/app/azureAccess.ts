import type { TokenCredential } from '@azure/identity';
import type { ContainerServiceClientOptionalParams } from '@azure/arm-containerservice';
import type { LogsQueryClientOptions } from '@azure/monitor-query-logs';
import { ConfigError } from '../config.js';

/** How the app reaches Azure: its identity, and client options (retries, TLS trust) per service. */
export interface AzureAccess {
  credential: TokenCredential;
  armClientOptions?: ContainerServiceClientOptionalParams;
  logsClientOptions?: LogsQueryClientOptions;
}

/**
 * The app's identity: the user-assigned managed identity named by AZURE_CLIENT_ID, else the default
 * chain (az login locally). @azure/identity is loaded the first time an identity is needed.
 */
export async function defaultAzureAccess(clientId: string | undefined): Promise<AzureAccess> {
  const { DefaultAzureCredential } = await import('@azure/identity');
  return { credential: new DefaultAzureCredential(clientId ? { managedIdentityClientId: clientId } : {}) };
}

/** The app setting (prefix) naming the storage account of the app's queues: the function app's own. */
export const QUEUE_CONNECTION = 'AzureWebJobsStorage';

/**
 * A queue in the function app's storage account, reached the way the Functions host reaches it: a
 * connection string in `AzureWebJobsStorage`, or an identity-based connection
 * (`AzureWebJobsStorage__queueServiceUri` / `__accountName`). The identity is the app's, unless
 * `AzureWebJobsStorage__clientId` names another one.
 */
export async function queueClient(
  env: NodeJS.ProcessEnv,
  queueName: string,
  identity: (clientId: string | undefined) => Promise<TokenCredential>,
): Promise<import('@azure/storage-queue').QueueClient> {
  const { QueueServiceClient } = await import('@azure/storage-queue');
  const conn = env[QUEUE_CONNECTION]?.trim();
  if (conn) return QueueServiceClient.fromConnectionString(conn).getQueueClient(queueName);
  const account = env[`${QUEUE_CONNECTION}__accountName`]?.trim();
  const uri =
    env[`${QUEUE_CONNECTION}__queueServiceUri`]?.trim() ||
    (account ? `https://${account}.queue.core.windows.net` : undefined);
  if (!uri)
    throw new ConfigError([
      `${QUEUE_CONNECTION} (or ${QUEUE_CONNECTION}__queueServiceUri / __accountName) must be set for the app's queues`,
    ]);
  const clientId = env[`${QUEUE_CONNECTION}__clientId`]?.trim() || undefined;
  return new QueueServiceClient(uri, await identity(clientId)).getQueueClient(queueName);
}
