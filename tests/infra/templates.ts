/**
 * The deployment templates and the function registrations, read for the static checks of infra/
 * (tests/infra/crossCheck.test.ts) and the deployment attacks (tests/security/). No Bicep compiler can
 * run here: infra/**\/*.bicep is read with the small tokenizer in bicepSource.ts.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { declarations, significant, tokenize, valueTokens } from './bicepSource.js';
import type { Declaration, Token } from './bicepSource.js';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const INFRA = join(ROOT, 'infra');

export interface BicepFile {
  path: string;
  rel: string;
  text: string;
  tokens: Token[];
  decls: Declaration[];
}

export interface Registration {
  trigger: string;
  name: string;
  file: string;
  /** Source of the options object literal passed with the registration. */
  options: string;
}

/**
 * Microsoft first-party applications the templates name by application id, with the name their comment
 * gives. The code pins the Secure Webhook caller to the same id.
 */
export const KNOWN_APPLICATIONS: Record<string, string> = {
  'AzNS AAD Webhook': '461e8683-5575-4561-ac7f-899cc907d62a',
};

/** The only actions the deployment's own roles may grant: reads of what the look-ups read. */
export const CUSTOM_ROLE_ACTIONS: Record<string, string[]> = {
  'AKS Alert Enricher Cluster Reader': [
    'Microsoft.ContainerService/managedClusters/read',
    'Microsoft.ContainerService/managedClusters/agentPools/read',
  ],
  'AKS Alert Enricher Alert Rule Reader': [
    'Microsoft.Insights/scheduledQueryRules/read',
    'Microsoft.OperationalInsights/workspaces/read',
  ],
};

export function listFiles(dir: string, test: (p: string) => boolean): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return e.name === 'node_modules' ? [] : listFiles(p, test);
    return test(p) ? [p] : [];
  });
}

function loadBicep(path: string): BicepFile {
  const text = readFileSync(path, 'utf8');
  let tokens: Token[];
  try {
    tokens = tokenize(text);
  } catch (error) {
    throw new Error(`${relative(ROOT, path)}: ${error instanceof Error ? error.message : String(error)}`, {
      cause: error,
    });
  }
  return { path, rel: relative(ROOT, path), text, tokens, decls: declarations(tokens) };
}

export function stringTokens(decl: Declaration): Token[] {
  return decl.tokens.filter((t) => t.kind === 'string');
}

/** The string literal a var or param declaration is set to (var x = 'a' / param x string = 'a'). */
export function literalValue(decl: Declaration): string | undefined {
  const value = significant(valueTokens(decl));
  const only = value[0];
  return value.length === 1 && only?.kind === 'string' && only.interpolations?.length === 0
    ? only.value
    : undefined;
}

/** Balanced source text starting at the `{` at or after `from`. */
function balancedObject(text: string, from: number): string {
  const start = text.indexOf('{', from);
  if (start === -1) return '';
  let depth = 0;
  for (let i = start; i < text.length; i++) {
    if (text[i] === '{') depth++;
    else if (text[i] === '}' && --depth === 0) return text.slice(start, i + 1);
  }
  return text.slice(start);
}

function stripComments(ts: string): string {
  return ts.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
}

/** A declaration's tokens as text, one space apart, without comments and newlines. */
export function sigText(decl: Declaration): string {
  return significant(decl.tokens)
    .map((t) => t.text)
    .join(' ');
}

/** A declaration's value (after its top-level `=`) as text, one token apart. */
export function literalOrText(decl: Declaration): string {
  return significant(valueTokens(decl))
    .map((t) => t.text)
    .join(' ');
}

/** Every template, main.bicep, the code's sources without comments, and the functions' registrations. */
export function loadTemplates(): {
  bicep: BicepFile[];
  main: BicepFile;
  registrations: Registration[];
  codeSources: { file: string; text: string }[];
} {
  const bicep = listFiles(INFRA, (p) => p.endsWith('.bicep')).map(loadBicep);
  const main = bicep.find((f) => f.rel === join('infra', 'main.bicep'));
  if (!main) throw new Error('infra/main.bicep is missing');

  const tsFiles = [
    ...listFiles(join(ROOT, 'src'), (p) => p.endsWith('.ts')),
    ...listFiles(join(ROOT, 'functions'), (p) => p.endsWith('.ts')),
  ];
  const codeSources = tsFiles.map((file) => ({ file, text: stripComments(readFileSync(file, 'utf8')) }));

  const registrations = listFiles(join(ROOT, 'functions'), (p) => p.endsWith('.ts')).flatMap((file) => {
    const text = stripComments(readFileSync(file, 'utf8'));
    return [...text.matchAll(/\bapp\.(\w+)\(\s*['"]([^'"]+)['"]\s*,/g)].map((m) => ({
      trigger: m[1] ?? '',
      name: m[2] ?? '',
      file: relative(ROOT, file),
      options: balancedObject(text, m.index + m[0].length),
    }));
  });
  return { bicep, main, registrations, codeSources };
}
