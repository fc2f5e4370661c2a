import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { packageRoot } from '../assets.js';
import { safeUrl } from '../text.js';
import { PAGERDUTY_EVENTS_URL } from '../deliver/pagerDuty.js';
import { DEFAULT_MAX_PER_SECOND } from '../deliver/protocols.js';
import type { Receiver } from '../model.js';
import type { ReceiverInfo, Route, RoutingConfig, RoutingResult } from './routingConfig.js';
import { noReceivers } from './routingConfig.js';
import type { RoutingFile, SettingRef } from './routingSchema.js';
import { routingFileSchema } from './routingSchema.js';

export interface LoadOptions {
  /**
   * Fail when a referenced app setting is unset (start-up). Dry runs pass false: receivers whose
   * settings are missing are listed as such and routing can still be explained.
   */
  requireSettings?: boolean;
}

/** Name of the receiver used when there is no routing file. */
export const DEFAULT_RECEIVER = 'webhook';

function describePath(doc: unknown, path: readonly PropertyKey[]): string {
  let out = '';
  let node: unknown = doc;
  for (const key of path) {
    if (typeof key === 'number') {
      out += `[${String(key)}]`;
      node = Array.isArray(node) ? node[key] : undefined;
      const name = (node as { name?: unknown } | undefined)?.name;
      if (typeof name === 'string' && name) out += ` "${name}"`;
    } else {
      out += out ? `.${String(key)}` : String(key);
      node = node && typeof node === 'object' ? (node as Record<string, unknown>)[String(key)] : undefined;
    }
  }
  return out || '(top level)';
}

function issuesToErrors(fileName: string, doc: unknown, error: z.ZodError): string[] {
  return error.issues.map((issue) => `${fileName}: ${describePath(doc, issue.path)}: ${issue.message}`);
}

interface Resolved {
  receivers: Receiver[];
  info: ReceiverInfo[];
  errors: string[];
}

function resolveReceivers(
  file: RoutingFile,
  fileName: string,
  env: NodeJS.ProcessEnv,
  requireSettings: boolean,
): Resolved {
  const out: Resolved = { receivers: [], info: [], errors: [] };
  file.receivers.forEach((r, i) => {
    const where = `${fileName}: receivers[${String(i)}] "${r.name}"`;
    const unset: string[] = [];
    const read = (field: 'url' | 'secret', ref: SettingRef | undefined): string | undefined => {
      if (!ref) return undefined;
      const value = env[ref.setting]?.trim();
      if (!value) {
        unset.push(ref.setting);
        if (requireSettings) out.errors.push(`${where}.${field}: app setting ${ref.setting} is not set`);
        return undefined;
      }
      return value;
    };
    if (!r.url && r.type !== 'pagerduty')
      out.errors.push(
        `${where}.url: required for a ${r.type} receiver, as \`url: { setting: APP_SETTING_NAME }\``,
      );
    if (!r.secret && r.type === 'pagerduty')
      out.errors.push(
        `${where}.secret: a pagerduty receiver needs its routing key, as \`secret: { setting: APP_SETTING_NAME }\``,
      );
    let url = read('url', r.url);
    // Never echo the value: a webhook URL embeds its credential.
    if (url !== undefined && safeUrl(url) === undefined) {
      out.errors.push(
        `${where}.url: app setting ${r.url?.setting ?? ''} does not hold an https URL (without user info)`,
      );
      url = undefined;
    }
    const secret = read('secret', r.secret);
    const receiver: Receiver = {
      name: r.name,
      type: r.type,
      url: url ?? (r.type === 'pagerduty' && !r.url ? PAGERDUTY_EVENTS_URL : ''),
    };
    if (secret !== undefined) receiver.secret = secret;
    const rate = r.maxPerSecond ?? DEFAULT_MAX_PER_SECOND[r.type];
    if (rate !== undefined) receiver.maxPerSecond = rate;
    out.receivers.push(receiver);
    const settings: ReceiverInfo['settings'] = {};
    if (r.url) settings.url = r.url.setting;
    if (r.secret) settings.secret = r.secret.setting;
    out.info.push({ name: r.name, type: r.type, settings, unset });
  });
  return out;
}

/** Parses and validates routing file text; `fileName` names it in every error. */
export function parseRoutingConfig(
  text: string,
  fileName: string,
  env: NodeJS.ProcessEnv,
  options: LoadOptions = {},
): RoutingResult {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    return {
      ok: false,
      errors: [`${fileName}: not valid YAML or JSON: ${err instanceof Error ? err.message : String(err)}`],
    };
  }
  if (doc === null || doc === undefined) return { ok: false, errors: [`${fileName}: the file is empty`] };
  const parsed = routingFileSchema.safeParse(doc);
  if (!parsed.success) return { ok: false, errors: issuesToErrors(fileName, doc, parsed.error) };
  const file = parsed.data;
  const errors: string[] = [];

  const names = new Set<string>();
  file.receivers.forEach((r, i) => {
    if (names.has(r.name)) errors.push(`${fileName}: receivers[${String(i)}] "${r.name}".name: used twice`);
    names.add(r.name);
  });
  const checkNames = (where: string, list: readonly string[]): void => {
    list.forEach((n, j) => {
      if (!names.has(n))
        errors.push(
          `${fileName}: ${where}.receivers[${String(j)}]: no receiver named "${n}" (receivers: ${[...names].join(', ')})`,
        );
    });
  };
  const routes: Route[] = file.routes.map((r, i) => {
    const name = r.name ?? `routes[${String(i)}]`;
    checkNames(`routes[${String(i)}]${r.name ? ` "${r.name}"` : ''}`, r.receivers);
    return { index: i, name, match: r.match ?? {}, receivers: r.receivers, continue: r.continue ?? false };
  });
  if (file.default) checkNames('default', file.default.receivers);
  if (file.digest) checkNames('digest', file.digest.receivers);

  const resolved = resolveReceivers(file, fileName, env, options.requireSettings ?? true);
  errors.push(...resolved.errors);
  if (errors.length > 0) return { ok: false, errors };

  // Unset settings (dry runs only) are in receiverInfo[].unset.
  const warnings: string[] = [];
  if (routes.length === 0 && !file.default)
    warnings.push(`${fileName}: no routes and no default: notifications go nowhere`);
  const config: RoutingConfig = {
    source: fileName,
    receivers: resolved.receivers,
    receiverInfo: resolved.info,
    routes,
    defaultReceivers: file.default?.receivers ?? [],
    digest: { receivers: file.digest?.receivers ?? [] },
    notify: { grouping: file.grouping, silences: file.silences },
  };
  return { ok: true, config, warnings };
}

/**
 * The routing config from the file at `path` (ROUTING_CONFIG_PATH; relative to the app root);
 * without a path, one route of everything to the generic signed webhook in WEBHOOK_URL / WEBHOOK_SECRET.
 */
export function loadRoutingConfig(
  path: string | undefined,
  env: NodeJS.ProcessEnv,
  options: LoadOptions = {},
): RoutingResult {
  if (path === undefined || path.trim() === '') return defaultRoutingConfig(env);
  // A relative path is relative to the app's root (where host.json is), whatever the working directory.
  const full = isAbsolute(path) ? path : resolve(packageRoot(), path);
  let text: string;
  try {
    text = readFileSync(full, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return {
      ok: false,
      errors: [
        `${path}${full === path ? '' : ` (${full})`}: cannot read the routing file${code ? ` (${code})` : ''}`,
      ],
    };
  }
  return parseRoutingConfig(text, path, env, options);
}

function defaultRoutingConfig(env: NodeJS.ProcessEnv): RoutingResult {
  const base: RoutingConfig = noReceivers('(default)');
  const url = env.WEBHOOK_URL?.trim();
  if (!url)
    return {
      ok: true,
      config: base,
      warnings: ['neither ROUTING_CONFIG_PATH nor WEBHOOK_URL is set: notifications go nowhere'],
    };
  if (safeUrl(url) === undefined)
    return { ok: false, errors: ['app setting WEBHOOK_URL does not hold an https URL (without user info)'] };
  const receiver: Receiver = { name: DEFAULT_RECEIVER, type: 'generic', url };
  const secret = env.WEBHOOK_SECRET?.trim();
  if (secret) receiver.secret = secret;
  const settings: ReceiverInfo['settings'] = { url: 'WEBHOOK_URL' };
  if (secret) settings.secret = 'WEBHOOK_SECRET';
  return {
    ok: true,
    config: {
      ...base,
      receivers: [receiver],
      receiverInfo: [{ name: DEFAULT_RECEIVER, type: 'generic', settings, unset: [] }],
      defaultReceivers: [DEFAULT_RECEIVER],
      digest: { receivers: [DEFAULT_RECEIVER] },
    },
    warnings: [],
  };
}

/** Receivers by name (with their resolved URL and secret: never log these). */
export function receiversOf(config: RoutingConfig): Map<string, Receiver> {
  return new Map(config.receivers.map((r) => [r.name, r]));
}
