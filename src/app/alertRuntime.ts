import { DefaultAzureCredential } from '@azure/identity';
import { QueueServiceClient } from '@azure/storage-queue';
import type { QueueClient } from '@azure/storage-queue';
import { ConfigError, parseDurationMs, readSettings, SETTINGS } from '../config.js';
import type { SettingSpec } from '../config.js';
import type { AzureAccess } from './runtime.js';
import {
  azureAccessFromSettings,
  clusterPortsFromEnv,
  pipelineFromEnv,
  stateStoreFromSettings,
} from './runtime.js';
import { createSignalProcessor } from '../pipeline/signalProcessor.js';
import { kqlString } from '../azure/kql.js';
import { createLogsQueryClient } from '../sources/logAnalytics/queryLogs.js';
import { QueueAlertInbox } from '../sources/commonAlert/alertInbox.js';
import { alertQueryScope, scopedRowFetcher } from '../sources/commonAlert/alertQueryScope.js';
import { deliveryClaims } from '../sources/commonAlert/deliveryClaims.js';
import { createFiredAlertMemory, createLogAnalyticsRowFetcher } from '../sources/commonAlert/logAnalyticsRowFetcher.js';
import type { AlertProcessDeps } from '../sources/commonAlert/processAlertMessage.js';
import type { AlertWebhookDeps } from '../sources/commonAlert/receiveAlertWebhook.js';
import { createSecureWebhookVerifier } from '../sources/commonAlert/secureWebhookAuth.js';
import type { BearerVerifier } from '../sources/commonAlert/secureWebhookAuth.js';

/** The app setting (prefix) naming the storage account of the inbox queue: the function app's own. */
export const ALERT_INBOX_CONNECTION = 'AzureWebJobsStorage';

/** One setting with its declared default, without validating the others (used at registration time). */
export function settingValue(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const spec = (SETTINGS as readonly SettingSpec[]).find((s) => s.name === name);
  const raw = env[name]?.trim();
  return raw ? raw : spec?.default;
}

/**
 * The inbox queue in the function app's storage account, reached the way the Functions host reaches
 * it: a connection string in `AzureWebJobsStorage`, or an identity-based connection
 * (`AzureWebJobsStorage__queueServiceUri` / `__accountName`, optional `__clientId`).
 */
export function inboxQueueClient(env: NodeJS.ProcessEnv, queueName: string): QueueClient {
  const conn = env[ALERT_INBOX_CONNECTION]?.trim();
  if (conn) return QueueServiceClient.fromConnectionString(conn).getQueueClient(queueName);
  const account = env[`${ALERT_INBOX_CONNECTION}__accountName`]?.trim();
  const uri =
    env[`${ALERT_INBOX_CONNECTION}__queueServiceUri`]?.trim() ||
    (account ? `https://${account}.queue.core.windows.net` : undefined);
  if (!uri)
    throw new ConfigError([
      `${ALERT_INBOX_CONNECTION} (or ${ALERT_INBOX_CONNECTION}__queueServiceUri / __accountName) must be set for the alert inbox queue`,
    ]);
  const clientId = env[`${ALERT_INBOX_CONNECTION}__clientId`]?.trim() || env.AZURE_CLIENT_ID?.trim();
  const credential = new DefaultAzureCredential(clientId ? { managedIdentityClientId: clientId } : {});
  return new QueueServiceClient(uri, credential).getQueueClient(queueName);
}

/** The Secure Webhook verifier when a tenant and audiences are configured; both or neither. */
export function secureWebhookVerifierFromSettings(
  settings: ReturnType<typeof readSettings>,
): BearerVerifier | undefined {
  const tenantId = settings.ALERT_WEBHOOK_TENANT_ID;
  const audiences = (settings.ALERT_WEBHOOK_AUDIENCES ?? '')
    .split(',')
    .map((a) => a.trim())
    .filter(Boolean);
  if (!tenantId && audiences.length === 0) return undefined;
  if (!tenantId || audiences.length === 0)
    throw new ConfigError(['ALERT_WEBHOOK_TENANT_ID and ALERT_WEBHOOK_AUDIENCES must be set together']);
  return createSecureWebhookVerifier({
    tenantId,
    audiences,
    authorityHost: settings.ALERT_WEBHOOK_AUTHORITY ?? 'https://login.microsoftonline.com',
  });
}

export function durationSetting(settings: ReturnType<typeof readSettings>, name: 'ALERT_DEDUP_TTL'): number {
  const ms = parseDurationMs(settings[name] ?? '');
  if (ms === undefined) throw new ConfigError([`${name} is not a duration`]);
  return ms;
}

let webhookDeps: { env: NodeJS.ProcessEnv; deps: AlertWebhookDeps } | undefined;

/**
 * The webhook's dependencies from app settings, built once per process (the key-set cache and the
 * queue client live as long as the worker). A configuration error is thrown every time, never cached.
 */
export function alertWebhookDepsFromEnv(env: NodeJS.ProcessEnv): AlertWebhookDeps {
  if (webhookDeps?.env === env) return webhookDeps.deps;
  const settings = readSettings(env);
  const queueName = settings.ALERT_INBOX_QUEUE ?? 'alert-inbox';
  const deps: AlertWebhookDeps = {
    inbox: new QueueAlertInbox(inboxQueueClient(env, queueName)),
    claims: deliveryClaims(stateStoreFromSettings(env)),
    claimTtlMs: durationSetting(settings, 'ALERT_DEDUP_TTL'),
  };
  const verifyBearer = secureWebhookVerifierFromSettings(settings);
  if (verifyBearer) deps.verifyBearer = verifyBearer;
  webhookDeps = { env, deps };
  return deps;
}

let processDeps: { env: NodeJS.ProcessEnv; deps: AlertProcessDeps } | undefined;

/**
 * The inbox processor's dependencies from app settings, built once per process: the pipeline (with
 * cluster context and rolling-upgrade records), the Log Analytics row fetcher and the fired-alert
 * memory in the state store. `azure` defaults to the app's identity.
 */
export function alertProcessDepsFromEnv(env: NodeJS.ProcessEnv, azure?: AzureAccess): AlertProcessDeps {
  if (processDeps?.env === env) return processDeps.deps;
  const settings = readSettings(env);
  const access = azure ?? azureAccessFromSettings(settings);
  const pipeline = pipelineFromEnv(env, clusterPortsFromEnv(env, access));
  const deps: AlertProcessDeps = {
    processor: createSignalProcessor(pipeline.deps, {
      afterBatch: async () => {
        await pipeline.deliver({ limit: 50 });
      },
    }),
    signals: {
      rows: scopedRowFetcher(
        createLogAnalyticsRowFetcher(
          createLogsQueryClient(settings.LOG_ANALYTICS_ENDPOINT, access.credential),
        ),
        alertQueryScope(settings.LOG_ANALYTICS_WORKSPACE_IDS, settings.ALERT_QUERY_SCOPES),
      ),
      memory: createFiredAlertMemory(stateStoreFromSettings(env)),
      maxRows: Number(settings.ALERT_LOG_MAX_ROWS ?? 50),
      kqlString,
    },
    maxAttempts: 5,
  };
  processDeps = { env, deps };
  return deps;
}
