import { parseNcrontab } from './ncrontab.js';
import { DEFAULT_LINK_HOSTS } from './text.js';

/**
 * App settings -> one typed, validated config object. Every setting the code reads is declared in
 * SETTINGS with its default and meaning; the configuration reference and local.settings.example.json
 * are generated from this table so they cannot drift.
 */

export interface SettingSpec {
  /** App setting (environment variable) name. */
  name: string;
  /** Default when unset; undefined means optional with no default. */
  default?: string;
  /** What it means, for the configuration reference. */
  description: string;
  /** A secret: never logged, never echoed in errors. */
  secret?: boolean;
  /** Validates the raw string; returns an error message or undefined. */
  validate?: (value: string) => string | undefined;
}

const positiveInt = (value: string): string | undefined =>
  /^\d+$/.test(value) && Number(value) > 0 ? undefined : 'must be a positive whole number';

const durationMs = (value: string): string | undefined =>
  parseDurationMs(value) === undefined ? "must be a duration like '90s', '5m', '4h' or '1d'" : undefined;

/** A GUID (tenant, subscription, workspace or application id), any case. */
export const GUID_TEXT = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** An ARM id prefix a setting may hold: no dot segments, no encoded or other separators. */
const armPrefix = (e: string): boolean =>
  e.startsWith('/subscriptions/') &&
  !/[%\\?#\s]/.test(e) &&
  !e
    .slice(1)
    .split('/')
    .some((seg) => seg === '.' || seg === '..');

/** Comma-separated entries, each accepted by `ok`. */
const listOf =
  (ok: (entry: string) => boolean, message: string) =>
  (value: string): string | undefined =>
    commaList(value).every(ok) ? undefined : message;

/** Parses '250ms', '90s', '5m', '4h', '1d' (or a bare number of seconds) to milliseconds. */
export function parseDurationMs(value: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$/i.exec(value);
  if (!m?.[1]) return undefined;
  const n = Number(m[1]);
  const unit = (m[2] ?? 's').toLowerCase();
  const factor = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[unit];
  return factor === undefined ? undefined : n * factor;
}

export const SETTINGS = [
  {
    name: 'FAILURE_POLL_SCHEDULE',
    default: '0 */5 * * * *',
    description:
      'NCRONTAB schedule of the failurePoll timer (six fields, UTC unless WEBSITE_TIME_ZONE is set).',
  },
  {
    name: 'OUTBOX_RETRY_SCHEDULE',
    default: '0 */1 * * * *',
    description:
      'NCRONTAB schedule of the outboxRetry timer: closes group windows, releases expired holds and retries pending deliveries.',
  },
  {
    name: 'LOG_ANALYTICS_WORKSPACE_IDS',
    description:
      'Comma-separated Log Analytics workspace IDs (GUIDs) to poll for AKS failures. Empty: the poll does nothing.',
  },
  {
    name: 'LOG_ANALYTICS_ENDPOINT',
    default: 'https://api.loganalytics.io/v1',
    description: 'Log Analytics query API endpoint including /v1 (change for sovereign clouds).',
  },
  {
    name: 'POLL_OVERLAP',
    default: '2m',
    description:
      'How far before the stored watermark each ingestion-time window starts, to catch rows ingested out of order.',
    validate: durationMs,
  },
  {
    name: 'POLL_INITIAL_LOOKBACK',
    default: '1h',
    description: 'How far back the first poll of a workspace (no watermark yet) looks.',
    validate: durationMs,
  },
  {
    name: 'POLL_MAX_CONCURRENCY',
    default: '4',
    description: 'Log Analytics queries in flight at once (the API allows 5 per identity).',
    validate: positiveInt,
  },
  {
    name: 'STATE_STORE',
    default: 'file',
    description:
      "Where watermarks, dedup keys and the outbox live: 'table' (Azure Table Storage) or 'file' (a local folder).",
    validate: (v: string) => (v === 'table' || v === 'file' ? undefined : "must be 'table' or 'file'"),
  },
  {
    name: 'STATE_DIR',
    default: '.state',
    description: 'Folder of the file state store (STATE_STORE=file).',
  },
  {
    name: 'STATE_TABLE_ENDPOINT',
    description:
      'Table Storage endpoint for STATE_STORE=table with managed identity, e.g. https://<account>.table.core.windows.net. Falls back to AzureWebJobsStorage__tableServiceUri.',
  },
  {
    name: 'STATE_TABLE_CONNECTION_STRING',
    description:
      'Table Storage connection string for STATE_STORE=table (alternative to the endpoint + identity).',
    secret: true,
  },
  {
    name: 'STATE_TABLE_NAME',
    default: 'aksalertenricher',
    description: 'Table name of the Table Storage state store.',
  },
  {
    name: 'AZURE_CLIENT_ID',
    description: 'Client ID of the user-assigned managed identity used for Log Analytics, ARM and storage.',
  },
  {
    name: 'ARM_ENDPOINT',
    default: 'https://management.azure.com',
    description: 'Azure Resource Manager endpoint for cluster context look-ups.',
  },
  {
    name: 'WEBHOOK_URL',
    description:
      'Generic webhook receiver URL when no routing config is given (a Key Vault reference in Azure). Secret.',
    secret: true,
  },
  {
    name: 'WEBHOOK_SECRET',
    description: "Standard Webhooks signing secret ('whsec_' + base64) for the generic webhook. Secret.",
    secret: true,
  },
  {
    name: 'DELIVERY_MAX_ATTEMPTS',
    default: '8',
    description:
      'Attempts per notification and receiver; it is dead-lettered once it has used them and is older than DELIVERY_MAX_AGE.',
    validate: positiveInt,
  },
  {
    name: 'DELIVERY_MAX_AGE',
    default: '24h',
    description:
      'Age after which an undelivered notification that has used its DELIVERY_MAX_ATTEMPTS is dead-lettered.',
    validate: durationMs,
  },
  {
    name: 'DELIVERY_TIMEOUT',
    default: '10s',
    description: 'Timeout of one webhook request.',
    validate: durationMs,
  },
  {
    name: 'ALERT_INBOX_QUEUE',
    default: 'alert-inbox',
    description:
      'Storage queue (in the AzureWebJobsStorage account) between the alertWebhook endpoint and the alertProcess function.',
    validate: (v: string) =>
      /^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$/.test(v)
        ? undefined
        : 'must be a storage queue name (3-63 lower-case letters, digits and single hyphens)',
  },
  {
    name: 'ALERT_LOG_MAX_ROWS',
    default: '50',
    description:
      'Rows fetched from Log Analytics per log search alert at most; the notification says when there were more.',
    validate: positiveInt,
  },
  {
    name: 'ALERT_QUERY_SCOPES',
    description:
      "Where a log search alert's rule may have its query run besides the workspaces in LOG_ANALYTICS_WORKSPACE_IDS: comma-separated workspace IDs and ARM ID prefixes (/subscriptions/<id>[/resourceGroups/<rg>…]). Unset: resource-centric rules run against AKS clusters only. Out of scope, the alert is delivered without its rows and says why.",
    validate: listOf(
      (e) => GUID_TEXT.test(e) || armPrefix(e),
      "must list workspace IDs and ARM IDs starting /subscriptions/ (no '.' or '..' segments, no '%')",
    ),
  },
  {
    name: 'ALERT_RULE_SCOPES',
    description:
      "Where the log search rules whose rows the app fetches live: comma-separated resource group or subscription ARM IDs. A fired log search alert's rows come from its rule's own query and scopes, read from Resource Manager (never from the payload); a rule outside these is not read. A payload that names no rule id is matched by rule name in each resource group listed. Unset: any rule the app's identity can read.",
    validate: listOf(
      armPrefix,
      "must list ARM IDs starting /subscriptions/ (no '.' or '..' segments, no '%')",
    ),
  },
  {
    name: 'ALERT_QUERY_BUDGET',
    default: '2m',
    description:
      "Time one log search alert's rule read and queries may take together; past it they are stopped and the alert is delivered without its rows, saying why.",
    validate: durationMs,
  },
  {
    name: 'ALERT_QUERY_MAX_BYTES',
    default: '4194304',
    description:
      "Bytes of one log search alert query's answer read at most; a larger answer is cut off unread and the alert is delivered without its rows, saying why.",
    validate: positiveInt,
  },
  {
    name: 'ALERT_DEDUP_TTL',
    default: '7d',
    description:
      'How long an accepted alert delivery (alert id + monitor condition) is remembered to drop redeliveries.',
    validate: durationMs,
  },
  {
    name: 'ALERT_WEBHOOK_TENANT_ID',
    description:
      'Entra ID tenant whose tokens the alertWebhook accepts (action group Secure Webhook). Set together with ALERT_WEBHOOK_AUDIENCES; then the token is required and the function takes no function key. Unset: the function key is required instead.',
    validate: (v: string) => (GUID_TEXT.test(v) ? undefined : 'must be a tenant GUID'),
  },
  {
    name: 'ALERT_WEBHOOK_AUDIENCES',
    description:
      "Comma-separated token audiences the alertWebhook accepts: the Secure Webhook app's ID URI (api://…) and/or its application (client) ID.",
  },
  {
    name: 'ALERT_WEBHOOK_AUTHORITY',
    default: 'https://login.microsoftonline.com',
    description: 'Entra ID authority host for Secure Webhook tokens (change for sovereign clouds).',
    validate: (v: string) => (/^https:\/\/[^/]+\/?$/.test(v) ? undefined : 'must be an https:// host URL'),
  },
  {
    name: 'ALERT_WEBHOOK_CALLER_APP_IDS',
    default: '461e8683-5575-4561-ac7f-899cc907d62a',
    description:
      "Comma-separated application IDs a Secure Webhook token must be issued to (its appid or azp claim). The default is Azure Monitor's action group application (AzNS AAD Webhook); a token the tenant issued to any other application is refused.",
    validate: listOf((e) => GUID_TEXT.test(e), 'must list application (client) ID GUIDs'),
  },
  {
    name: 'ROUTING_CONFIG_PATH',
    description:
      'Path of the routing file (YAML or JSON: receivers, routes, digest, grouping, silences; see docs/routing.md), relative to the function app root. Unset: everything goes to the generic webhook in WEBHOOK_URL.',
  },
  {
    name: 'DIGEST_SCHEDULE',
    default: '0 0 7 * * *',
    description:
      "NCRONTAB schedule of the dailyDigest timer (six fields, UTC unless WEBSITE_TIME_ZONE is set); the digest window ends at the schedule's most recent occurrence, so a late or retried run covers the same window and sends nothing twice.",
    validate: (v: string) => {
      const parsed = parseNcrontab(v);
      return parsed.ok ? undefined : parsed.error;
    },
  },
  {
    name: 'WEBSITE_TIME_ZONE',
    description:
      "Platform setting: the time zone the Functions host runs timer schedules in. The dailyDigest reads it to end its window at the schedule's last occurrence in that zone; give an IANA name (e.g. Europe/Berlin), as Linux plans take. Flex Consumption (this repo's template) does not support it and runs timers in UTC: leave it unset there.",
  },
  {
    name: 'DIGEST_WINDOW',
    default: '24h',
    description:
      'Length of the digest window; the trend compares it with the window of the same length before it.',
    validate: durationMs,
  },
  {
    name: 'DIGEST_LOGS_SCOPE',
    description:
      "Scope of the digest's fleet-wide Log Analytics links: a workspace resource id or /subscriptions/<id>. Unset: the one subscription all listed clusters share, else per-cluster links only.",
    validate: (v: string) =>
      v.startsWith('/subscriptions/') ? undefined : "must be an ARM id starting '/subscriptions/'",
  },
  {
    name: 'DIGEST_REPORT_URL',
    description:
      "Address readers open for the full HTML report (the digestReport function); the digest card links to it, and every digest receiver sees it as is. A browser link can carry a key only as `?code=`: use digestReport's own function key (Function → Function Keys), never the host or master key, which opens every function. azd sets it, with that key, as a Key Vault reference; while the reference does not resolve, the digest goes out without the link.",
    secret: true,
    validate: (v: string) =>
      /^https:\/\//.test(v) || v.startsWith('@Microsoft.KeyVault(') ? undefined : 'must be an https:// URL',
  },
  {
    name: 'LINK_HOST_ALLOW_LIST',
    default: DEFAULT_LINK_HOSTS.join(','),
    description:
      "Hosts whose https links an alert payload may put in a notification (the alert's investigation link); a link to any other host is dropped. Comma-separated host names; '*.example.com' allows subdomains. Add the portal of a sovereign cloud (portal.azure.us, portal.azure.cn) where used.",
    validate: listOf(
      (e) => /^(\*\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$/i.test(e),
      'must list host names (example.com or *.example.com)',
    ),
  },
  {
    name: 'SILENCE_URL',
    description:
      "Public address of the silence function that the 'Silence 4 h' button on Teams and Slack cards opens, e.g. https://<app>.azurewebsites.net/api/silence. Unset: https://<WEBSITE_HOSTNAME>/api/silence when the Functions host names the app's host, else cards have no silence button.",
    validate: (v: string) => (/^https:\/\/[^/?#]+\/\S*$/.test(v) ? undefined : 'must be an https:// URL'),
  },
  {
    name: 'SILENCE_SIGNING_KEY',
    description:
      'Key the silence links are signed with (HMAC-SHA256), at least 32 characters. Unset: a random key made on first use and kept in the state store. Changing it voids the links on cards already sent. Secret.',
    secret: true,
    validate: (v: string) => (v.length >= 32 ? undefined : 'must be at least 32 characters'),
  },
  {
    name: 'PRODUCTION_CLUSTERS',
    description:
      "Comma-separated cluster name globs (* and ?) that are production, e.g. 'aks-*-prod-*,payments-*'. The digest and the run report list production first. Unset: a cluster's env/environment tag decides, else words in its name (prod, prd, live; dev, test, staging, qa, …).",
  },
  {
    name: 'POLL_FANOUT',
    default: 'inline',
    description:
      "'inline': the failurePoll timer queries every workspace itself; 'queue': it sends one poll-work message per workspace, query and slice to the pollWorker function (docs/scale-out.md).",
    validate: (v: string) => (v === 'inline' || v === 'queue' ? undefined : "must be 'inline' or 'queue'"),
  },
  {
    name: 'NOTIFY_GROUP_WINDOW',
    default: '5m',
    description:
      "Group window: the first failure of a group (same cluster and catalog code by default) is sent at once, the rest within this window go out as one group update when it closes. The routing file's grouping.window overrides it.",
    validate: durationMs,
  },
  {
    name: 'NOTIFY_REPEAT_INTERVAL',
    default: '4h',
    description:
      "How long a failure already notified (same fingerprint) stays quiet unless its severity rises; resolves always go out. The routing file's grouping.repeatInterval overrides it.",
    validate: durationMs,
  },
  {
    name: 'NOTIFY_AUTOREPAIR_HOLD',
    default: '60m',
    description:
      "How long a running node auto-repair is given (from its latest start event): a NotReady node under repair is held this long and sent only if the repair fails or the node is still NotReady when it runs out. The routing file's grouping.autoRepairHold overrides it.",
    validate: durationMs,
  },
  {
    name: 'NOTIFY_NOTREADY_GRACE',
    default: '15m',
    description:
      "How long a NotReady node with no repair under way is held, waiting for node auto-repair to start (AKS starts it after about 10 minutes NotReady plus 5); also how long after a repair's end event the node has to recover. Sent if it is still NotReady then. The routing file's grouping.notReadyGrace overrides it.",
    validate: durationMs,
  },
] as const satisfies readonly SettingSpec[];

export type SettingName = (typeof SETTINGS)[number]['name'];

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration: ${problems.join('; ')}`);
    this.name = 'ConfigError';
  }
}

/** Raw settings with defaults applied; validated. Throws ConfigError naming every bad setting. */
export function readSettings(env: NodeJS.ProcessEnv): Record<SettingName, string | undefined> {
  const out = {} as Record<SettingName, string | undefined>;
  const problems: string[] = [];
  for (const spec of SETTINGS as readonly SettingSpec[]) {
    const raw = env[spec.name];
    const value = raw === undefined || raw.trim() === '' ? spec.default : raw.trim();
    if (value !== undefined && spec.validate) {
      const problem = spec.validate(value);
      // Never echo a secret's value.
      if (problem)
        problems.push(spec.secret ? `${spec.name} ${problem}` : `${spec.name}='${value}' ${problem}`);
    }
    out[spec.name as SettingName] = value;
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return out;
}

/** One setting with its declared default, without validating the others (used at registration time). */
export function settingValue(env: NodeJS.ProcessEnv, name: SettingName): string | undefined {
  const spec = (SETTINGS as readonly SettingSpec[]).find((s) => s.name === name);
  const raw = env[name]?.trim();
  return raw ? raw : spec?.default;
}

/** A comma-separated setting as its trimmed, non-empty entries. */
export function commaList(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean);
}
