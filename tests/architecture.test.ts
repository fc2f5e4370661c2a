import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { packageRoot } from '../src/assets.js';
import { listFiles } from './infra/templates.js';

/**
 * The parts of src/ from the top down, in the order data flows (README, "How it works"): a part may
 * import the parts below it, never one above it, and no two parts import each other. The shared
 * vocabulary and helpers at the bottom import nothing above them either.
 */
const LAYERS = [
  'cli',
  'app',
  'pipeline',
  'sources',
  'digest',
  'context',
  'enrich',
  'catalog',
  'notify',
  'route',
  'render',
  'deliver',
  'state',
  'azure',
  'config',
  'ncrontab',
  'ports',
  'model',
  'text',
  'redact',
  'assets',
  'boundedBody',
  'mapLimit',
] as const;

const SRC = join(packageRoot(), 'src');

const sources = (dir: string): string[] => listFiles(dir, (p) => p.endsWith('.ts'));

const partOf = (file: string): string => {
  const [first = ''] = relative(SRC, file).split(sep);
  return first.replace(/\.ts$/, '');
};

/** Every import between parts, type-only and dynamic ones included. */
function edges(): { from: string; to: string; file: string }[] {
  const out: { from: string; to: string; file: string }[] = [];
  for (const file of sources(SRC)) {
    const info = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
    for (const ref of info.importedFiles) {
      if (!ref.fileName.startsWith('.')) continue;
      const target = resolve(dirname(file), ref.fileName.replace(/\.js$/, '.ts'));
      if (!target.startsWith(SRC + sep)) continue;
      const [from, to] = [partOf(file), partOf(target)];
      if (from !== to) out.push({ from, to, file: relative(SRC, file) });
    }
  }
  return out;
}

describe('the parts of src/', () => {
  const all = edges();

  it('are all placed in the layer order', () => {
    const parts = new Set(sources(SRC).map(partOf));
    expect([...parts].filter((p) => !(LAYERS as readonly string[]).includes(p))).toEqual([]);
  });

  it('import only the parts below them', () => {
    const rank = (p: string) => (LAYERS as readonly string[]).indexOf(p);
    const upward = all.filter((e) => rank(e.to) < rank(e.from)).map((e) => `${e.file} -> ${e.to}`);
    expect(upward).toEqual([]);
  });

  it('never import each other both ways', () => {
    const pairs = new Set(all.map((e) => `${e.from}>${e.to}`));
    const both = [...pairs].filter((p) => {
      const [a = '', b = ''] = p.split('>');
      return a < b && pairs.has(`${b}>${a}`);
    });
    expect(both).toEqual([]);
  });

  it('are read by this test: it sees the imports it is there to police', () => {
    // A guard against a scanner that finds nothing: these imports exist and must be seen.
    expect(all.some((e) => e.from === 'pipeline' && e.to === 'enrich')).toBe(true);
    expect(all.some((e) => e.from === 'app' && e.to === 'context')).toBe(true); // a dynamic import
    expect(all.some((e) => e.from === 'enrich' && e.to === 'ports')).toBe(true); // a type-only import
  });
});
