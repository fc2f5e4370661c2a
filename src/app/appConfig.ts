import type { SettingName } from '../config.js';
import type { DeliverySettings } from '../pipeline/pipeline.js';
import { commaList, ConfigError, parseDurationMs, readSettings } from '../config.js';

/** Settings as read (defaults applied, validated): what the state store and policy readers take. */
export type Settings = Readonly<Record<SettingName, string | undefined>>;

/**
 * The app settings, parsed once: durations in milliseconds, numbers as numbers, lists split. Every
 * part of the app reads this, never the environment.
 */
export interface AppConfig {
  settings: Settings;
  workspaceIds: string[];
  logAnalyticsEndpoint: string;
  poll: {
    overlapMs: number;
    initialLookbackMs: number;
    maxConcurrency: number;
    fanOut: 'inline' | 'queue';
  };
  /** The user-assigned managed identity (its client id), when one is named. */
  azureClientId?: string;
  armEndpoint: string;
  delivery: DeliverySettings;
  alert: {
    inboxQueue: string;
    logMaxRows: number;
    dedupTtlMs: number;
    /** Where log search rules may be read from (ARM id prefixes); empty: anywhere the identity reads. */
    ruleScopes: string[];
    /** Time one alert's rule read and queries may take together. */
    queryBudgetMs: number;
    /** Bytes of one alert query's answer read at most. */
    queryMaxBytes: number;
    /** Secure Webhook (Entra ID) token check, when a tenant and audiences are set. */
    secureWebhook?: {
      tenantId: string;
      audiences: string[];
      authority: string;
      /** Applications a token must be issued to (appid/azp). */
      callerAppIds: string[];
    };
  };
  /** Hosts a payload's links may point at (LINK_HOST_ALLOW_LIST), lower case. */
  linkHosts: string[];
  routingConfigPath?: string;
  digest: {
    schedule: string;
    timeZone?: string;
    windowMs: number;
    logsScope?: string;
    reportUrl?: string;
  };
}

function duration(settings: Settings, name: SettingName, fallback: string): number {
  // Validated by readSettings; the fallback covers a default that is itself unset.
  return parseDurationMs(settings[name] ?? fallback) ?? (parseDurationMs(fallback) as number);
}

/** Reads and validates every app setting; throws ConfigError naming every problem, never a secret. */
export function appConfigFromEnv(env: NodeJS.ProcessEnv): AppConfig {
  const settings = readSettings(env);
  const s = (name: SettingName): string | undefined => settings[name];
  const tenantId = s('ALERT_WEBHOOK_TENANT_ID');
  const audiences = commaList(s('ALERT_WEBHOOK_AUDIENCES'));
  if (Boolean(tenantId) !== audiences.length > 0)
    throw new ConfigError(['ALERT_WEBHOOK_TENANT_ID and ALERT_WEBHOOK_AUDIENCES must be set together']);
  const optional = <K extends string>(key: K, value: string | undefined): Partial<Record<K, string>> =>
    value ? ({ [key]: value } as Record<K, string>) : {};
  return {
    settings,
    workspaceIds: commaList(s('LOG_ANALYTICS_WORKSPACE_IDS')),
    logAnalyticsEndpoint: s('LOG_ANALYTICS_ENDPOINT') ?? 'https://api.loganalytics.io/v1',
    poll: {
      overlapMs: duration(settings, 'POLL_OVERLAP', '2m'),
      initialLookbackMs: duration(settings, 'POLL_INITIAL_LOOKBACK', '1h'),
      maxConcurrency: Number(s('POLL_MAX_CONCURRENCY') ?? 4),
      fanOut: s('POLL_FANOUT') === 'queue' ? 'queue' : 'inline',
    },
    ...optional('azureClientId', s('AZURE_CLIENT_ID')),
    armEndpoint: s('ARM_ENDPOINT') ?? 'https://management.azure.com',
    delivery: {
      maxAttempts: Number(s('DELIVERY_MAX_ATTEMPTS') ?? 8),
      maxAgeMs: duration(settings, 'DELIVERY_MAX_AGE', '24h'),
      timeoutMs: duration(settings, 'DELIVERY_TIMEOUT', '10s'),
    },
    alert: {
      inboxQueue: s('ALERT_INBOX_QUEUE') ?? 'alert-inbox',
      logMaxRows: Number(s('ALERT_LOG_MAX_ROWS') ?? 50),
      dedupTtlMs: duration(settings, 'ALERT_DEDUP_TTL', '7d'),
      ruleScopes: commaList(s('ALERT_RULE_SCOPES')),
      queryBudgetMs: duration(settings, 'ALERT_QUERY_BUDGET', '2m'),
      queryMaxBytes: Number(s('ALERT_QUERY_MAX_BYTES') ?? 4_194_304),
      ...(tenantId
        ? {
            secureWebhook: {
              tenantId,
              audiences,
              authority: s('ALERT_WEBHOOK_AUTHORITY') ?? 'https://login.microsoftonline.com',
              callerAppIds: commaList(s('ALERT_WEBHOOK_CALLER_APP_IDS')).map((a) => a.toLowerCase()),
            },
          }
        : {}),
    },
    linkHosts: commaList(s('LINK_HOST_ALLOW_LIST')).map((h) => h.toLowerCase()),
    ...optional('routingConfigPath', s('ROUTING_CONFIG_PATH')),
    digest: {
      schedule: s('DIGEST_SCHEDULE') ?? '0 0 7 * * *',
      windowMs: duration(settings, 'DIGEST_WINDOW', '24h'),
      ...optional('timeZone', s('WEBSITE_TIME_ZONE')),
      ...optional('logsScope', s('DIGEST_LOGS_SCOPE')),
      // An unresolved Key Vault reference reads as its own text: no link rather than a broken one.
      ...optional(
        'reportUrl',
        s('DIGEST_REPORT_URL')?.startsWith('https://') ? s('DIGEST_REPORT_URL') : undefined,
      ),
    },
  };
}
