/**
 * Static cross-check of the deployment templates against the code. No Bicep compiler can run here, so
 * this reads infra/**\/*.bicep with a small tokenizer (tests/infra/bicepSource.ts) and checks what a
 * compiler would not: that the app settings the code reads are set, that the functions Event Grid and the
 * action group call are registered, and that every role definition GUID is the built-in role its comment
 * names. It also checks what a compiler would (module paths, required parameters) as far as text allows.
 */
import { funcignoreRules, isIgnored } from '../../scripts/deployFiles.js';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { SETTINGS } from '../../src/config.js';
import { POLL_WORK_QUEUE } from '../../src/sources/logAnalytics/pollWorkQueue.js';
import { AKS_EVENT_TYPES, RESOURCE_FAILURES } from '../../src/sources/eventGrid/fromEventGrid.js';
import type { SettingSpec } from '../../src/config.js';
import {
  commentOnLine,
  hasTopLevelAssignment,
  objectLiteralKeys,
  significant,
  valueTokens,
} from './bicepSource.js';
import type { Declaration, Token } from './bicepSource.js';
import { kqlDiagnostics } from './kql.js';
import {
  CUSTOM_ROLE_ACTIONS,
  INFRA,
  KNOWN_APPLICATIONS,
  literalOrText,
  literalValue,
  loadTemplates,
  ROOT,
  sigText,
  stringTokens,
} from './templates.js';
import type { BicepFile, Registration } from './templates.js';

/**
 * Built-in Azure roles by name. IDs from Microsoft's "Azure built-in roles" reference
 * (https://learn.microsoft.com/azure/role-based-access-control/built-in-roles; source
 * MicrosoftDocs/azure-docs articles/role-based-access-control/built-in-roles.md, ms.date 04/09/2026, and
 * built-in-roles/monitor.md for the Log Analytics Data Reader definition). Built-in role IDs are the same
 * in every tenant.
 */
const BUILT_IN_ROLES: Record<string, string> = {
  Owner: '8e3af657-a8ff-443c-a75c-2fe8c4bcb635',
  Contributor: 'b24988ac-6180-42a0-ab88-20f7382dd24c',
  'User Access Administrator': '18d7d88d-d35e-4fb5-a5c3-7773c20a72d9',
  'Role Based Access Control Administrator': 'f58310d9-a9f6-439a-9e8d-f62e7b41a168',
  Reader: 'acdd72a7-3385-48ef-bd42-f606fba81ae7',
  'Log Analytics Data Reader': '3b03c2da-16b3-4a49-8834-0f8130efdd3b',
  'Log Analytics Reader': '73c42c96-874c-492b-b04d-ab87d138a893',
  'Log Analytics Contributor': '92aaf0da-9dab-42b6-94a3-d43ce8d16293',
  'Monitoring Reader': '43d0d8ad-25c7-4714-9337-8ba259a9fe05',
  'Monitoring Contributor': '749f88d5-cbae-40b8-bcfc-e573ddc772fa',
  'Monitoring Metrics Publisher': '3913510d-42f4-4e42-8a64-420c390055eb',
  'Storage Account Contributor': '17d1049b-9a84-46fb-8f53-869881c3d3ab',
  'Storage Blob Data Owner': 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b',
  'Storage Blob Data Contributor': 'ba92f5b4-2d11-453d-a403-e96b0029c9fe',
  'Storage Blob Data Reader': '2a2b9908-6ea1-4ae2-8e65-a410df84e7d1',
  'Storage Queue Data Contributor': '974c5e8b-45b9-4653-ba55-5f855dd0fb88',
  'Storage Queue Data Message Processor': '8a0f0c08-91a1-4084-bc3d-661d67233fed',
  'Storage Queue Data Message Sender': 'c6a89b2d-59bc-44d0-9896-0f6e12d7b80a',
  'Storage Queue Data Reader': '19e7f393-937e-4f77-808e-94535e297925',
  'Storage Table Data Contributor': '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3',
  'Storage Table Data Reader': '76199698-9eea-4c19-bc75-cec21354c6b6',
  'Key Vault Administrator': '00482a5a-887f-4fb3-b363-3b7fe8e74483',
  'Key Vault Secrets Officer': 'b86a8fe4-44ce-4948-aee5-eccb2c155cd7',
  'Key Vault Secrets User': '4633458b-17de-408a-b874-0445c86b69e6',
  'Key Vault Reader': '21090545-7ca7-4776-b22c-e363652d74d2',
  'EventGrid Contributor': '1e241071-0855-49ea-94dc-649edcd759de',
  'EventGrid EventSubscription Contributor': '428e0ff0-5e57-4d9c-a221-2c70d0e0a443',
  'Azure Resource Notifications System Topics Subscriber': '0b962ed2-6d56-471c-bd5f-3477d83a7ba4',
};

/**
 * Roles that manage resources broadly, hand out access, expose account keys, or read every resource type
 * in their scope (Reader: the look-ups use the deployment's own read-only roles): never assigned.
 */
const FORBIDDEN_ROLES = [
  'Reader',
  'Owner',
  'Contributor',
  'User Access Administrator',
  'Role Based Access Control Administrator',
  'Storage Account Contributor',
  'Key Vault Administrator',
];

/** Roles the deployment must assign (least privilege for what the app does). */
const REQUIRED_ROLES = [
  'Log Analytics Data Reader',
  'Storage Blob Data Owner',
  'Storage Queue Data Contributor',
  'Storage Table Data Contributor',
  'Key Vault Secrets User',
  'Monitoring Metrics Publisher',
  'Storage Blob Data Contributor',
];

/**
 * Settings the code reads that the templates deliberately leave unset, with the reason. Secret settings
 * (secret: true in SETTINGS) need no entry: they are supplied through Key Vault (secretAppSettings or
 * keyVaultReferencedAppSettings). Anything else goes through the appSettingOverrides parameter.
 */
const OPTIONAL_SETTINGS: Record<string, string> = {
  STATE_DIR: 'file state store only; in Azure STATE_STORE is table',
  UV_THREADPOOL_SIZE:
    "Node's own thread pool; only the CLI raises it (file store syncs), the Functions host keeps its default",
  OUTBOX_RETRY_SCHEDULE: 'tuning; the code default (every minute) suits Azure',
  LOG_ANALYTICS_ENDPOINT: 'the code default is the public-cloud query API; other clouds override it',
  POLL_OVERLAP: 'tuning; the code default suits Azure',
  NOTIFY_GROUP_WINDOW: "tuning; the routing file's grouping section overrides it",
  NOTIFY_REPEAT_INTERVAL: "tuning; the routing file's grouping section overrides it",
  NOTIFY_AUTOREPAIR_HOLD: "tuning; the routing file's grouping section overrides it",
  NOTIFY_NOTREADY_GRACE: "tuning; the routing file's grouping section overrides it",
  POLL_INITIAL_LOOKBACK: 'tuning; the code default suits Azure',
  DELIVERY_MAX_ATTEMPTS: 'tuning; the code default suits Azure',
  DELIVERY_MAX_AGE: 'tuning; the code default suits Azure',
  DELIVERY_TIMEOUT: 'tuning; the code default suits Azure',
  ALERT_LOG_MAX_ROWS: 'tuning; the code default suits Azure',
  ALERT_DEDUP_TTL: 'tuning; the code default suits Azure',
  ALERT_WEBHOOK_AUTHORITY:
    'the code default is the public-cloud Entra ID authority; other clouds override it',
  WEBSITE_TIME_ZONE: 'platform setting; Flex Consumption ignores it and runs timers in UTC',
  DIGEST_WINDOW: 'tuning; the code default (24h) suits a daily schedule',
  ALERT_QUERY_SCOPES: 'optional; unset, alert queries run on the polled workspaces and AKS clusters',
  DIGEST_LOGS_SCOPE: 'optional; unset, links use the subscription the clusters share',
  ALERT_QUERY_BUDGET: 'tuning; the code default (2m) suits Azure',
  ALERT_QUERY_MAX_BYTES: 'tuning; the code default (4 MB) suits Azure',
  ALERT_WEBHOOK_CALLER_APP_IDS: "the code default is Azure Monitor's action group application",
  LINK_HOST_ALLOW_LIST: 'the code default (Azure portal, Microsoft Learn) suits the public cloud',
  PRODUCTION_CLUSTERS: 'optional; unset, cluster tags and names tell production from development',
  SILENCE_URL: 'optional; unset, the silence links use the host name the platform gives the app',
  WEBSITE_HOSTNAME: "platform setting: the Functions host sets it to the app's default host name",
  NO_COLOR: 'a terminal convention the command line honours, not an app setting',
  TERM: 'a terminal convention the command line honours, not an app setting',
};

/** App settings of the Functions host and platform: set by the templates, not read through SETTINGS. */
const HOST_SETTING = /^(AzureWebJobsStorage(__\w+)?|APPLICATIONINSIGHTS_\w+|FUNCTIONS_\w+|WEBSITE_\w+)$/;

/** KubeEvents columns (Azure Monitor table reference, kubeevents-include.md). */
const KUBE_EVENTS_SCHEMA =
  '(TimeGenerated:datetime, ClusterId:string, ClusterName:string, Computer:string, Count:real, ' +
  'FirstSeen:datetime, KubeEventType:string, LastSeen:datetime, Message:string, Name:string, ' +
  'Namespace:string, ObjectKind:string, Reason:string, SourceComponent:string, SourceSystem:string, ' +
  'Type:string, _ResourceId:string, _SubscriptionId:string, _BilledSize:real, _IsBillable:string)';

const GUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;

let bicep: BicepFile[] = [];
let main: BicepFile;
let registrations: Registration[] = [];
let codeSources: { file: string; text: string }[] = [];

beforeAll(() => {
  ({ bicep, main, registrations, codeSources } = loadTemplates());
});

/** Every app setting name the templates set explicitly (keys of the *AppSettings object literals). */
function appSettingsSetByTemplates(): Map<string, string> {
  const set = new Map<string, string>();
  for (const file of bicep) {
    for (const decl of file.decls) {
      if (decl.keyword !== 'var' || !/AppSettings$/.test(decl.name)) continue;
      for (const key of objectLiteralKeys(valueTokens(decl))) set.set(key, `${file.rel} (var ${decl.name})`);
    }
  }
  return set;
}

/** Settings the code reads: SETTINGS, direct process.env / env reads, %NAME% binding expressions. */
function settingsReadByCode(): Map<string, string> {
  const read = new Map<string, string>();
  for (const spec of SETTINGS as readonly SettingSpec[]) read.set(spec.name, 'src/config.ts SETTINGS');
  const patterns = [
    /\bprocess\.env\.([A-Za-z_]\w*)/g,
    /\bprocess\.env\[\s*['"]([A-Za-z_]\w*)['"]\s*\]/g,
    /\benv\.([A-Z][A-Z0-9_]*)\b/g,
    /\benv\[\s*['"]([A-Za-z_]\w*)['"]\s*\]/g,
    /['"`]%([A-Za-z_]\w*)%['"`]/g,
  ];
  for (const { file, text } of codeSources) {
    for (const re of patterns) {
      for (const m of text.matchAll(re)) {
        const name = m[1];
        if (name && !read.has(name)) read.set(name, relative(ROOT, file));
      }
    }
  }
  return read;
}

const secretSettings = (SETTINGS as readonly SettingSpec[])
  .filter((s) => s.secret === true)
  .map((s) => s.name);

describe('app settings: code <-> templates', () => {
  it('finds the settings in the templates and in the code', () => {
    expect(appSettingsSetByTemplates().size).toBeGreaterThan(10);
    expect(settingsReadByCode().size).toBeGreaterThanOrEqual(SETTINGS.length);
  });

  it('sets every app setting the code reads, or documents it as optional here', () => {
    const set = appSettingsSetByTemplates();
    const missing = [...settingsReadByCode()]
      .filter(([name]) => !set.has(name) && !(name in OPTIONAL_SETTINGS) && !secretSettings.includes(name))
      .map(([name, where]) => `${name} (read in ${where})`);
    expect(
      missing,
      'set these in infra/main.bicep (productAppSettings) or add them to OPTIONAL_SETTINGS in tests/infra/crossCheck.test.ts with the reason',
    ).toEqual([]);
  });

  it('lists as optional only settings the code reads and the templates leave unset', () => {
    const read = settingsReadByCode();
    const set = appSettingsSetByTemplates();
    const stale = Object.keys(OPTIONAL_SETTINGS).filter((name) => !read.has(name) || set.has(name));
    expect(stale, 'OPTIONAL_SETTINGS entries that are set by the templates or no longer read').toEqual([]);
  });

  it('sets no app setting the code does not read (typos, leftovers)', () => {
    const read = settingsReadByCode();
    const stray = [...appSettingsSetByTemplates()]
      .filter(([name]) => !HOST_SETTING.test(name) && !read.has(name))
      .map(([name, where]) => `${name} (${where})`);
    expect(stray, 'declare these in SETTINGS (src/config.ts) or remove them from the templates').toEqual([]);
  });

  it('never puts a secret setting into a template as a plain value, only as a Key Vault reference', () => {
    const problems: string[] = [];
    for (const file of bicep)
      for (const decl of file.decls.filter((d) => d.keyword === 'var' && /AppSettings$/.test(d.name))) {
        const sig = significant(valueTokens(decl));
        sig.forEach((t, i) => {
          const key = t.kind === 'string' ? t.value : t.text;
          if (!secretSettings.includes(key ?? '') || sig[i + 1]?.text !== ':') return;
          const value = sig[i + 2];
          if (value?.kind !== 'string' || !(value.value ?? '').startsWith('@Microsoft.KeyVault(SecretUri='))
            problems.push(`${file.rel} var ${decl.name}: ${key ?? ''}`);
        });
      }
    expect(problems).toEqual([]);
  });

  it('supplies secret settings as Key Vault references resolved with the user-assigned identity', () => {
    const secretParam = main.decls.find((d) => d.keyword === 'param' && d.name === 'secretAppSettings');
    expect(secretParam?.decorators).toContain('secure');
    const namesParam = main.decls.find(
      (d) => d.keyword === 'param' && d.name === 'keyVaultReferencedAppSettings',
    );
    expect(namesParam).toBeDefined();
    const reference = main.decls.find((d) => d.keyword === 'var' && d.name === 'secretReferenceAppSettings');
    const referenceText = reference ? stringTokens(reference).map((t) => t.value ?? '') : [];
    expect(referenceText.some((v) => v.startsWith('@Microsoft.KeyVault(SecretUri='))).toBe(true);
    // The vault's secrets come from the same parameter.
    const keyVault = main.decls.find((d) => d.keyword === 'module' && d.name === 'keyVault');
    expect(keyVault?.tokens.map((t) => t.text).join(' ')).toMatch(
      /secrets : \[.*items \( secretAppSettings \)/s,
    );
    // The site resolves references with the user-assigned identity.
    const fn = bicep.find((f) => f.rel === join('infra', 'app', 'function.bicep'));
    expect(fn?.text).toMatch(/keyVaultAccessIdentityResourceId:\s*identityResourceId/);
  });

  it('connects host storage by identity only', () => {
    const set = appSettingsSetByTemplates();
    for (const name of [
      'AzureWebJobsStorage__accountName',
      'AzureWebJobsStorage__credential',
      'AzureWebJobsStorage__clientId',
    ])
      expect(set.has(name), name).toBe(true);
    expect(set.has('AzureWebJobsStorage'), 'a connection string would need shared keys').toBe(false);
    expect(main.text).toMatch(/allowSharedKeyAccess:\s*false/);
    expect(set.has('APPLICATIONINSIGHTS_AUTHENTICATION_STRING')).toBe(true);
    expect(main.text).toMatch(/disableLocalAuth:\s*true/);
  });

  it('has an app setting (or prefix) for every trigger connection the functions name', () => {
    const set = [...appSettingsSetByTemplates().keys()];
    const constants = new Map<string, string>();
    for (const { text } of codeSources)
      for (const m of text.matchAll(/\bconst\s+([A-Za-z_]\w*)\s*=\s*['"]([^'"]+)['"]/g))
        if (m[1] && m[2]) constants.set(m[1], m[2]);
    const connections = registrations.flatMap((r) => {
      const m = /\bconnection:\s*(?:['"]([^'"]+)['"]|([A-Za-z_]\w*))/.exec(r.options);
      if (!m) return [];
      const name = m[1] ?? constants.get(m[2] ?? '');
      return [{ fn: r.name, name: name ?? `unresolved identifier ${m[2] ?? ''}` }];
    });
    const unset = connections.filter(({ name }) => !set.some((s) => s === name || s.startsWith(`${name}__`)));
    expect(unset).toEqual([]);
  });
});

describe('functions the infrastructure calls', () => {
  function targetNames(): Map<string, string> {
    const names = new Map<string, string>();
    for (const file of bicep)
      for (const decl of file.decls) {
        if ((decl.keyword === 'var' || decl.keyword === 'param') && /FunctionName$/.test(decl.name)) {
          const value = literalValue(decl);
          if (value !== undefined) names.set(decl.name, value);
        }
      }
    return names;
  }

  it('finds the registered functions in functions/*.ts', () => {
    expect(registrations.length).toBeGreaterThan(0);
    for (const r of registrations) expect(r.name, r.file).toMatch(/^[A-Za-z][\w-]*$/);
  });

  it('targets only functions that the app registers with the matching trigger', () => {
    const targets = targetNames();
    expect([...targets.keys()].sort()).toEqual([
      'alertWebhookFunctionName',
      'digestReportFunctionName',
      'eventGridFunctionName',
    ]);
    const expected: Record<string, string[]> = {
      eventGridFunctionName: ['eventGrid'],
      alertWebhookFunctionName: ['http', 'post'],
      digestReportFunctionName: ['http', 'get'],
    };
    const problems: string[] = [];
    for (const [variable, fn] of targets) {
      const registered = registrations.filter((r) => r.name === fn);
      const triggers = expected[variable] ?? [];
      if (registered.length === 0)
        problems.push(
          `${fn} (${variable}) is not registered in functions/*.ts (registered: ${registrations.map((r) => r.name).join(', ')})`,
        );
      else if (!registered.some((r) => triggers.includes(r.trigger)))
        problems.push(
          `${fn} is registered with app.${registered[0]?.trigger ?? '?'}, expected app.${triggers.join(' or app.')}`,
        );
    }
    expect(problems).toEqual([]);
  });

  it('builds every function endpoint from those names', () => {
    const targetVars = new Set(targetNames().keys());
    const problems: string[] = [];
    for (const file of bicep) {
      const params = new Set(file.decls.filter((d) => d.keyword === 'param').map((d) => d.name));
      // Declarations only: decorator descriptions may mention the URL shape in prose.
      for (const t of file.decls.flatMap((d) => d.tokens)) {
        if (t.kind !== 'string') continue;
        for (const m of (t.value ?? '').matchAll(/\/(functions|api)\/([^/?'"]*)/g)) {
          const segment = m[2] ?? '';
          const ident = /^\$\{(\w+)\}$/.exec(segment)?.[1];
          const ok =
            ident !== undefined &&
            (targetVars.has(ident) || (params.has(ident) && /FunctionName$/.test(ident)));
          if (!ok) problems.push(`${file.rel}:${String(t.line)} ${m[0]}`);
        }
      }
    }
    expect(problems, 'function endpoints must use a *FunctionName parameter or variable').toEqual([]);
    // Module parameters that carry a function name are fed from main.bicep's target variables.
    for (const decl of main.decls.filter((d) => d.keyword === 'module')) {
      const text = significant(decl.tokens)
        .map((t) => t.text)
        .join(' ');
      for (const m of text.matchAll(/(\w*FunctionName) : (\w+)/g))
        expect(targetVars.has(m[2] ?? ''), `${decl.name}: ${m[0]}`).toBe(true);
    }
  });

  it('calls the webhook at /api/<name> with a function key the function accepts', () => {
    const webhook = targetNames().get('alertWebhookFunctionName');
    const registered = registrations.find((r) => r.name === webhook);
    expect(registered, `${webhook ?? '?'} must be registered`).toBeDefined();
    // A custom route would change the URL; admin level would refuse the function key.
    expect(registered?.options).not.toMatch(/\broute\s*:/);
    expect(registered?.options).not.toMatch(/authLevel\s*:\s*['"]admin['"]/);
    const host = JSON.parse(readFileSync(join(ROOT, 'host.json'), 'utf8')) as {
      extensions?: { http?: { routePrefix?: string } };
    };
    expect(host.extensions?.http?.routePrefix ?? 'api').toBe('api');
  });

  it('creates the poll-work queue and its poison queue under the name the code uses', () => {
    const queueVar = main.decls.find((d) => d.keyword === 'var' && d.name === 'pollWorkQueueName');
    expect(queueVar && literalValue(queueVar)).toBe(POLL_WORK_QUEUE);
    const worker = registrations.find((r) => r.name === 'pollWorker');
    expect(worker?.trigger).toBe('storageQueue');
    expect(worker?.options).toMatch(/\bqueueName:\s*POLL_WORK_QUEUE\b/);
    const storage = main.decls.find((d) => d.keyword === 'module' && d.name === 'storage');
    const storageText = storage ? sigText(storage) : '';
    expect(storageText).toContain('{ name : pollWorkQueueName }');
    expect(storageText).toContain("{ name : '${pollWorkQueueName}-poison' }");
  });

  it('subscribes to exactly the Event Grid event types the code handles', () => {
    const eventTypes = (name: string): string[] => {
      const decl = main.decls.find((d) => d.keyword === 'var' && d.name === name);
      return decl ? stringTokens(decl).map((t) => t.value ?? '') : [];
    };
    // The code compares event types in lower case.
    const lower = (types: readonly string[]): string[] => types.map((t) => t.toLowerCase()).sort();
    const handledAks = Object.values(AKS_EVENT_TYPES);
    const isClusterEvent = (t: string) => t.toLowerCase().startsWith('microsoft.containerservice.');
    // Cluster topics carry Microsoft.ContainerService.* events; the rest (planned maintenance) come from
    // the subscription's Microsoft.ResourceNotifications topic.
    expect(lower(eventTypes('aksEventTypes'))).toEqual(lower(handledAks.filter(isClusterEvent)));
    expect(lower(eventTypes('scheduledEventTypes'))).toEqual(
      lower(handledAks.filter((t) => !isClusterEvent(t))),
    );
    expect(lower(eventTypes('resourceFailureEventTypes'))).toEqual(lower(Object.keys(RESOURCE_FAILURES)));
    // Each list is what some event subscription delivers.
    for (const name of ['aksEventTypes', 'scheduledEventTypes', 'resourceFailureEventTypes'])
      expect(
        main.decls.some(
          (d) => d.keyword === 'module' && sigText(d).includes(`includedEventTypes : ${name} `),
        ),
        name,
      ).toBe(true);
    expect(main.text).toMatch(/key: 'data\.resourceProvider'[\s\S]*?'Microsoft\.ContainerService'/);
  });

  it('gates everything that points at a deployed function behind deployEventSubscriptions', () => {
    const needsCode = main.decls.filter(
      (d) =>
        d.keyword === 'module' &&
        /functionSubscription\.bicep|actionGroup\.bicep|Alert\.bicep|digestReportLink\.bicep/.test(
          stringTokens(d)
            .map((t) => t.value)
            .join(' '),
        ),
    );
    expect(needsCode.length).toBeGreaterThanOrEqual(7);
    for (const decl of needsCode) {
      const text = significant(decl.tokens)
        .map((t) => t.text)
        .join(' ');
      expect(text, decl.name).toMatch(/if \( [^)]*deployEventSubscriptions/);
    }
    const flag = main.decls.find((d) => d.keyword === 'param' && d.name === 'deployEventSubscriptions');
    expect(flag && literalOrText(flag)).toBe('false');
  });
});

/** Top-level keys of the `params: { ... }` object of a module declaration (loops included). */
function paramsPassed(decl: Declaration): string[] {
  const sig = significant(decl.tokens);
  const at = sig.findIndex(
    (t, i) => t.text === 'params' && sig[i + 1]?.text === ':' && sig[i + 2]?.text === '{',
  );
  if (at === -1) return [];
  const keys: string[] = [];
  let depth = 0;
  const withNewlines = decl.tokens.filter((t) => t.kind !== 'comment');
  const start = withNewlines.indexOf(sig[at + 2] as Token);
  for (let i = start; i < withNewlines.length; i++) {
    const t = withNewlines[i];
    if (t === undefined) break;
    if (t.kind === 'punct' && ['{', '[', '(', '[?'].includes(t.text)) depth++;
    else if (t.kind === 'punct' && ['}', ']', ')'].includes(t.text)) {
      depth--;
      if (depth === 0) break;
    } else if (
      depth === 1 &&
      (t.kind === 'ident' || t.kind === 'string') &&
      withNewlines[i + 1]?.text === ':'
    ) {
      const prev = withNewlines[i - 1];
      if (prev?.kind === 'newline' || prev?.text === '{' || prev?.text === ',')
        keys.push(t.kind === 'string' ? (t.value ?? '') : t.text);
    }
  }
  return keys;
}

/**
 * Modules and resources a declaration waits for: those it names in dependsOn or references (directly,
 * in string interpolations or through variables), transitively, as the compiler derives dependsOn.
 */
function dependencies(file: BicepFile, decl: Declaration): Set<string> {
  const byName = new Map(file.decls.filter((d) => d.name !== '').map((d) => [d.name, d]));
  const found = new Set<string>();
  const seen = new Set<string>([decl.name]);
  const visit = (d: Declaration): void => {
    const sig = significant(d.tokens).slice(2);
    const names = sig.flatMap((t, i) => {
      if (t.kind === 'string')
        return (t.interpolations ?? []).flatMap((src) =>
          [...src.matchAll(/(?<![.\w])([A-Za-z_]\w*)/g)].map((m) => m[1] ?? ''),
        );
      // Not a property access (x.name) or an object key (name: ...).
      const isReference = t.kind === 'ident' && sig[i - 1]?.text !== '.' && sig[i + 1]?.text !== ':';
      return isReference ? [t.text] : [];
    });
    for (const name of names) {
      const target = byName.get(name);
      if (!target || seen.has(name) || target.keyword === 'param') continue;
      seen.add(name);
      if (target.keyword === 'module' || target.keyword === 'resource') found.add(name);
      visit(target);
    }
  };
  visit(decl);
  return found;
}

describe('role assignments', () => {
  const guidOf = (name: string): string | undefined => BUILT_IN_ROLES[name];

  it('keeps the role table consistent (distinct names and GUIDs)', () => {
    const ids = Object.values(BUILT_IN_ROLES).map((g) => g.toLowerCase());
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids)
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  });

  it('names the built-in role next to every GUID, and the GUID is that role', () => {
    const problems: string[] = [];
    let seen = 0;
    for (const file of bicep) {
      for (const t of file.tokens.filter((x) => x.kind === 'string')) {
        for (const m of (t.value ?? '').matchAll(GUID)) {
          seen++;
          const comment = commentOnLine(file.tokens, t.line);
          const role =
            comment === undefined ? undefined : Object.keys(BUILT_IN_ROLES).find((r) => comment === r);
          const application = comment === undefined ? undefined : KNOWN_APPLICATIONS[comment];
          if (application !== undefined) {
            if (application.toLowerCase() !== m[0].toLowerCase())
              problems.push(`${file.rel}:${String(t.line)} ${m[0]} is not ${comment ?? ''} (${application})`);
          } else if (!role)
            problems.push(
              `${file.rel}:${String(t.line)} ${m[0]}: comment '${comment ?? ''}' names no known role`,
            );
          else if (guidOf(role)?.toLowerCase() !== m[0].toLowerCase())
            problems.push(`${file.rel}:${String(t.line)} ${m[0]} is not ${role} (${guidOf(role) ?? '?'})`);
        }
      }
    }
    expect(seen).toBeGreaterThanOrEqual(REQUIRED_ROLES.length);
    expect(problems).toEqual([]);
  });

  it('comments every roleDefinitionId with the role its reference resolves to', () => {
    const problems: string[] = [];
    let assignments = 0;
    for (const file of bicep) {
      const roleVars = new Map<string, string>();
      for (const t of file.tokens)
        if (t.kind === 'string' && GUID.test(t.value ?? '')) {
          GUID.lastIndex = 0;
          const idx = file.tokens.indexOf(t);
          const key = file.tokens
            .slice(0, idx)
            .reverse()
            .find((x) => x.kind === 'ident');
          if (key) roleVars.set(key.text, (t.value ?? '').toLowerCase());
        }
      GUID.lastIndex = 0;
      for (let i = 0; i < file.tokens.length; i++) {
        const t = file.tokens[i];
        if (t?.kind !== 'ident' || t.text !== 'roleDefinitionId' || file.tokens[i + 1]?.text !== ':')
          continue;
        assignments++;
        const lineTokens = file.tokens.filter((x) => x.line === t.line && x.kind === 'ident');
        const ref = lineTokens.map((x) => x.text).find((x) => roleVars.has(x));
        const comment = commentOnLine(file.tokens, t.line);
        // The deployment's own roles: a *RoleGuid parameter, commented with the role's name.
        const custom = lineTokens.map((x) => x.text).find((x) => /RoleGuid$/.test(x));
        if (custom !== undefined) {
          const name = /^custom: (.+)$/.exec(comment ?? '')?.[1];
          if (name === undefined || !(name in CUSTOM_ROLE_ACTIONS))
            problems.push(
              `${file.rel}:${String(t.line)} custom role comment '${comment ?? ''}' names no role of customRoles.bicep`,
            );
          continue;
        }
        const expected = ref === undefined ? undefined : roleVars.get(ref);
        if (expected === undefined)
          problems.push(`${file.rel}:${String(t.line)} does not reference a commented role GUID`);
        else if (comment === undefined || guidOf(comment)?.toLowerCase() !== expected)
          problems.push(
            `${file.rel}:${String(t.line)} comment '${comment ?? ''}' is not the role ${expected}`,
          );
      }
    }
    expect(assignments).toBeGreaterThanOrEqual(REQUIRED_ROLES.length);
    expect(problems).toEqual([]);
  });

  it('assigns no Owner, Contributor or access-granting role, by GUID or by name', () => {
    const all = bicep
      .map((f) => f.text)
      .join('\n')
      .toLowerCase();
    for (const role of FORBIDDEN_ROLES) {
      expect(all.includes((guidOf(role) ?? '?').toLowerCase()), role).toBe(false);
      for (const file of bicep)
        for (const t of file.tokens)
          if (t.kind === 'string') expect(t.value, `${file.rel}:${String(t.line)}`).not.toBe(role);
    }
  });

  it('assigns every role the app needs', () => {
    const roles = bicep.find((f) => f.rel === join('infra', 'app', 'roles.bicep'));
    const assigned = new Set(
      (roles?.tokens ?? [])
        .filter((t) => t.kind === 'ident' && t.text === 'roleDefinitionId')
        .map((t) => commentOnLine(roles?.tokens ?? [], t.line)),
    );
    expect(REQUIRED_ROLES.filter((r) => !assigned.has(r))).toEqual([]);
  });

  it('keeps every role assignment in infra/app/roles.bicep (and none through AVM module parameters)', () => {
    for (const file of bicep) {
      if (file.rel === join('infra', 'app', 'roles.bicep')) continue;
      expect(file.text, file.rel).not.toMatch(/Microsoft\.Authorization\/roleAssignments/);
      const sig = significant(file.tokens);
      const passesRoleAssignments = sig.some(
        (t, i) => t.text === 'roleAssignments' && sig[i + 1]?.text === ':',
      );
      expect(passesRoleAssignments, file.rel).toBe(false);
    }
  });
});

describe('template structure', () => {
  it('reads every Bicep file without a syntax error and finds its declarations', () => {
    for (const file of bicep) expect(file.decls.length, file.rel).toBeGreaterThan(0);
    expect(bicep.length).toBeGreaterThanOrEqual(8);
  });

  it('references only module files that exist, and pins every registry module version', () => {
    const problems: string[] = [];
    for (const file of bicep) {
      for (const decl of file.decls.filter((d) => d.keyword === 'module')) {
        const source = stringTokens(decl)[0]?.value ?? '';
        if (source.startsWith('br/') || source.startsWith('br:')) {
          if (!/^br\/public:avm\/(res|ptn|utl)\/[a-z0-9-]+(\/[a-z0-9-]+)+:\d+\.\d+\.\d+$/.test(source))
            problems.push(`${file.rel}: ${decl.name} -> ${source} is not a pinned AVM version`);
        } else if (!existsSync(resolve(dirname(file.path), source))) {
          problems.push(`${file.rel}: ${decl.name} -> ${source} does not exist`);
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it('maps every main.bicep parameter without a default in main.parameters.json, and only real parameters', () => {
    const params = JSON.parse(readFileSync(join(INFRA, 'main.parameters.json'), 'utf8')) as {
      parameters: Record<string, { value?: unknown }>;
    };
    const declared = main.decls.filter((d) => d.keyword === 'param');
    const required = declared.filter((d) => !hasTopLevelAssignment(d)).map((d) => d.name);
    expect(required.sort()).toEqual(['environmentName', 'location']);
    expect(required.filter((name) => !(name in params.parameters))).toEqual([]);
    const names = new Set(declared.map((d) => d.name));
    expect(Object.keys(params.parameters).filter((name) => !names.has(name))).toEqual([]);
    expect(params.parameters.environmentName?.value).toBe('${AZURE_ENV_NAME}');
    expect(params.parameters.location?.value).toBe('${AZURE_LOCATION}');
    for (const [name, p] of Object.entries(params.parameters))
      expect(p.value, name).toMatch(/^\$\{[A-Z][A-Z0-9_]*\}$/);
  });

  it('passes every local module exactly the parameters it declares, and all it requires', () => {
    const problems: string[] = [];
    for (const file of bicep) {
      for (const decl of file.decls.filter((d) => d.keyword === 'module')) {
        const source = stringTokens(decl)[0]?.value ?? '';
        if (source.startsWith('br')) continue;
        const target = bicep.find((f) => f.path === resolve(dirname(file.path), source));
        if (!target) continue; // reported by the module path test
        const declared = target.decls.filter((d) => d.keyword === 'param');
        const passed = paramsPassed(decl);
        for (const name of passed)
          if (!declared.some((d) => d.name === name))
            problems.push(`${file.rel} ${decl.name}: ${source} has no param ${name}`);
        for (const d of declared.filter((x) => !hasTopLevelAssignment(x)))
          if (!passed.includes(d.name))
            problems.push(`${file.rel} ${decl.name}: required param ${d.name} of ${source} not passed`);
      }
    }
    expect(problems).toEqual([]);
  });

  it("creates the resource group of a whole other subscription's topic before anything goes into it", () => {
    const groupModule = 'eventgrid/topicResourceGroup.bicep';
    const target = bicep.find((f) => f.rel === join('infra', ...groupModule.split('/')));
    expect(target?.text).toMatch(/^targetScope = 'subscription'$/m);
    expect(target?.text).toMatch(
      /^resource \w+ 'Microsoft\.Resources\/resourceGroups@[\d-]+(-preview)?' = \{$/m,
    );
    const groups = main.decls.filter(
      (d) => d.keyword === 'module' && stringTokens(d)[0]?.value === groupModule,
    );
    expect(groups.map((d) => d.name)).toHaveLength(1);
    const group = groups[0] as Declaration;
    const groupText = sigText(group);
    // One per whole-subscription scope, deployed at that subscription, with the name the topics use.
    expect(groupText).toMatch(/= \[ for \( scopeId , i \) in subscriptionFailureScopes : /);
    expect(groupText).toContain("scope : subscription ( split ( scopeId , '/' ) [ 2 ] )");
    expect(groupText).toMatch(/params : \{ name : rgName location : location tags : tags \}/);
    // Everything placed in a group of that name outside rg (topics, their event subscriptions) waits for it.
    const inOtherGroup = main.decls.filter(
      (d) =>
        (d.keyword === 'module' || d.keyword === 'resource') &&
        /scope : resourceGroup \( (?!subscription \( \) \.subscriptionId )[^)]*\) \[ 2 \] , rgName \)/.test(
          sigText(d),
        ),
    );
    expect(inOtherGroup.map((d) => d.name).sort()).toEqual([
      'subscriptionFailureSubscriptions',
      'subscriptionFailureTopics',
    ]);
    for (const decl of inOtherGroup) expect(dependencies(main, decl), decl.name).toContain(group.name);
  });

  it('uses for-expressions only where Bicep allows them', () => {
    const problems: string[] = [];
    for (const file of bicep) {
      const sig = significant(file.tokens);
      const runtimeSymbols = new Set(
        file.decls.filter((d) => d.keyword === 'resource' || d.keyword === 'module').map((d) => d.name),
      );
      sig.forEach((t, i) => {
        if (t.kind !== 'ident' || t.text !== 'for' || sig[i - 1]?.text !== '[') return;
        // BCP138: a for-expression must be the whole value of a declaration or property.
        const before = sig[i - 2]?.text;
        if (before !== ':' && before !== '=')
          problems.push(`${file.rel}:${String(t.line)} for-expression inside an expression`);
      });
      // BCP182: a variable's for-body must be computable at the start of the deployment.
      for (const decl of file.decls.filter((d) => d.keyword === 'var')) {
        const value = significant(valueTokens(decl));
        if (value[0]?.text !== '[' || value[1]?.text !== 'for') continue;
        const used = value.filter((t) => t.kind === 'ident' && runtimeSymbols.has(t.text)).map((t) => t.text);
        if (used.length > 0)
          problems.push(`${file.rel}: var ${decl.name} loops over runtime values of ${used.join(', ')}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('uses only names that infra/abbreviations.json defines', () => {
    const abbrs = JSON.parse(readFileSync(join(INFRA, 'abbreviations.json'), 'utf8')) as Record<
      string,
      string
    >;
    const used = [...main.text.matchAll(/\babbrs\.(\w+)/g)].map((m) => m[1] ?? '');
    expect(used.length).toBeGreaterThan(5);
    expect(used.filter((k) => !(k in abbrs))).toEqual([]);
  });

  it('names resources from a resource token and tags them with the azd environment', () => {
    expect(main.text).toMatch(/uniqueString\(subscription\(\)\.id, environmentName, location\)/);
    expect(main.text).toMatch(/'azd-env-name': environmentName/);
  });

  it('gives env-style outputs and marks any output that could carry a secret', () => {
    const outputs = main.decls.filter((d) => d.keyword === 'output');
    expect(outputs.map((d) => d.name)).toEqual(
      expect.arrayContaining(['AZURE_FUNCTION_APP_NAME', 'AZURE_RESOURCE_GROUP', 'AZURE_LOCATION']),
    );
    for (const decl of outputs) expect(decl.name).toMatch(/^[A-Z][A-Z0-9_]*$/);
    const secretish =
      /^(listKeys|secretAppSettings|primaryAccessKey|secondaryAccessKey|primaryConnectionString|secondaryConnectionString|primarySharedKey|secondarySharedKey)$/;
    for (const file of bicep)
      for (const decl of file.decls.filter((d) => d.keyword === 'output')) {
        const carriesSecret = significant(valueTokens(decl)).some((t) => secretish.test(t.text));
        if (carriesSecret) expect(decl.decorators, `${file.rel} output ${decl.name}`).toContain('secure');
      }
  });

  it('reads function keys only inside a module, never into an output or parameter', () => {
    for (const file of bicep) {
      for (const decl of file.decls.filter((d) => d.keyword === 'output' || d.keyword === 'param'))
        expect(
          significant(decl.tokens).some((t) => t.text === 'listKeys'),
          `${file.rel} ${decl.name}`,
        ).toBe(false);
    }
    const actionGroup = bicep.find((f) => f.rel === join('infra', 'monitor', 'actionGroup.bicep'));
    expect(actionGroup?.text).toMatch(/useCommonAlertSchema: true/);
  });

  it('runs a log search query that parses and uses only KubeEvents columns', () => {
    const rule = bicep.find((f) => f.rel === join('infra', 'monitor', 'nodeAutoRepairAlert.bicep'));
    const kqlPath = /loadTextContent\('([^']+)'\)/.exec(rule?.text ?? '')?.[1];
    expect(kqlPath).toBeDefined();
    const kql = readFileSync(resolve(dirname(rule?.path ?? INFRA), kqlPath ?? ''), 'utf8');
    expect(kqlDiagnostics(kql, { KubeEvents: KUBE_EVENTS_SCHEMA })).toEqual([]);
    for (const reason of ['NodeRebootError', 'NodeReimageError', 'NodeRedeployError'])
      expect(kql).toContain(reason);
    expect(kql).toMatch(/ObjectKind == "Node"/);
    // The same check catches a misspelt column.
    expect(
      kqlDiagnostics('KubeEvents | where Objectkind == "Node"', { KubeEvents: KUBE_EVENTS_SCHEMA }),
    ).not.toEqual([]);
  });
});

describe('azure.yaml', () => {
  interface AzureYaml {
    name?: string;
    infra?: { path?: string; module?: string };
    services?: Record<
      string,
      { project?: string; language?: string; host?: string; hooks?: Record<string, { run?: string }> }
    >;
    hooks?: Record<string, { run?: string }>;
  }
  const load = (): AzureYaml => parseYaml(readFileSync(join(ROOT, 'azure.yaml'), 'utf8')) as AzureYaml;

  it('declares one function service built from this folder as TypeScript', () => {
    const doc = load();
    const services = Object.entries(doc.services ?? {});
    expect(services).toHaveLength(1);
    const [name, service] = services[0] ?? ['', {}];
    expect(service.host).toBe('function');
    expect(['ts', 'js', 'typescript']).toContain(service.language);
    expect(service.project).toBe('.');
    // azd finds the app by the azd-service-name tag, which main.bicep sets from serviceName.
    const serviceName = main.decls.find((d) => d.keyword === 'var' && d.name === 'serviceName');
    expect(serviceName && literalValue(serviceName)).toBe(name);
  });

  it('packages the bundles and a routing file at the repository root, and no node_modules', () => {
    const rules = funcignoreRules(ROOT);
    const ignored = (path: string): boolean => isIgnored(rules, path);
    expect(ignored('routing.yaml')).toBe(false);
    expect(ignored('host.json')).toBe(false);
    expect(ignored('package.json')).toBe(false);
    expect(ignored('dist/functions/pollWorker.js')).toBe(false);
    expect(ignored('dist/chunks/chunk-ABCDEF12.js')).toBe(false);
    expect(ignored('src/sources/kql/nodeAutoRepair.kql')).toBe(false);
    // The bundles hold every library the functions use.
    expect(ignored('node_modules/@azure/identity/package.json')).toBe(true);
    expect(ignored('dist/functions/pollWorker.js.map')).toBe(true);
    // What .funcignore is there to keep out, so the matcher is known to work.
    expect(ignored('src/config.ts')).toBe(true);
    expect(ignored('tests/infra/crossCheck.test.ts')).toBe(true);
    expect(ignored('infra/main.bicep')).toBe(true);
  });

  it('compiles TypeScript before packaging and wires the second provisioning pass', () => {
    const doc = load();
    const service = Object.values(doc.services ?? {})[0];
    expect(service?.hooks?.prepackage?.run).toMatch(/npm run build/);
    // Nothing is pruned or reinstalled around packaging: node_modules is not shipped.
    expect(service?.hooks?.postpackage).toBeUndefined();
    const postdeploy = doc.hooks?.postdeploy?.run ?? '';
    const script = /node (\S+)/.exec(postdeploy)?.[1];
    expect(script && existsSync(join(ROOT, script))).toBe(true);
    expect(readFileSync(join(ROOT, script ?? ''), 'utf8')).toMatch(/DEPLOY_EVENT_SUBSCRIPTIONS/);
    expect(doc.infra?.path).toBe('infra');
    expect(existsSync(join(ROOT, doc.infra?.path ?? '', `${doc.infra?.module ?? 'main'}.bicep`))).toBe(true);
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
      scripts?: Record<string, string>;
    };
    expect(pkg.scripts?.build).toBeDefined();
  });
});
