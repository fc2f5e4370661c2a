import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseCommonAlertText } from '../../src/sources/commonAlert/parseCommonAlert.js';
import type { CommonAlert } from '../../src/sources/commonAlert/parseCommonAlert.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures');

/** Text of a common-alert fixture: `samples/<name>` (documented payloads) or `commonAlert/<name>` (AKS variants). */
export function alertFixtureText(path: string): string {
  return readFileSync(join(FIXTURES, path), 'utf8');
}

export function alertFixture(path: string): Record<string, unknown> {
  return JSON.parse(alertFixtureText(path)) as Record<string, unknown>;
}

/** A fixture, edited first if asked, parsed as the webhook parses it; throws when it is not an alert. */
export function alertOf(path: string, edit?: (body: unknown) => void): CommonAlert {
  const body = JSON.parse(alertFixtureText(path)) as unknown;
  edit?.(body);
  const r = parseCommonAlertText(JSON.stringify(body));
  if (r.kind !== 'alert') throw new Error(JSON.stringify(r));
  return r.alert;
}

/** Every common-alert payload among the copied samples (full payloads only). */
export function commonAlertSamples(): string[] {
  return readdirSync(join(FIXTURES, 'samples'))
    .filter((f) => /common-alert/.test(f) && !/alertcontext/.test(f))
    .map((f) => `samples/${f}`);
}

/** The AKS variants written for these tests. */
export function commonAlertVariants(): string[] {
  return readdirSync(join(FIXTURES, 'commonAlert'))
    .filter((f) => f.endsWith('.json'))
    .map((f) => `commonAlert/${f}`);
}

/**
 * Sets (or with `undefined`, deletes) the value at a dotted path such as
 * `data.alertContext.condition.allOf.0.dimensions`, creating nothing: every parent must exist.
 */
export function setAt(body: unknown, path: string, value: unknown): void {
  const keys = path.split('.');
  const last = keys.pop();
  let node = body as Record<string, unknown>;
  for (const k of keys) {
    const next = node[k];
    if (typeof next !== 'object' || next === null) throw new Error(`no object at ${k} of ${path}`);
    node = next as Record<string, unknown>;
  }
  if (last === undefined) throw new Error('empty path');
  if (value === undefined) Reflect.deleteProperty(node, last);
  else node[last] = value;
}

/** Reads the value at a dotted path (see `setAt`). */
export function getAt(body: unknown, path: string): unknown {
  let node: unknown = body;
  for (const k of path.split('.')) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<string, unknown>)[k];
  }
  return node;
}
