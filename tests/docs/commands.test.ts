import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { packageRoot } from '../../src/assets.js';

/**
 * Every command the README and docs/ show that runs offline is run here, as written, in a folder
 * laid out like a clone: `npx aks-alert-enricher` finds the built command there, `samples/` is the
 * repository's, and `routing.yaml` is the sample one (the deploy guide starts from it). A command
 * that needs Azure or a receiver must be listed below with the reason, so none is skipped unseen.
 */

const ROOT = packageRoot();

/** Commands of the CLI that need Azure, a receiver or a value only the reader has. */
const NOT_OFFLINE: Record<string, string> = {};

interface DocCommand {
  file: string;
  line: number;
  command: string;
}

/** Drops a trailing `# comment` outside quotes. */
function withoutComment(line: string): string {
  let quote: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote) {
      if (c === quote) quote = undefined;
    } else if (c === "'" || c === '"') quote = c;
    else if (c === '#' && (i === 0 || /\s/.test(line[i - 1] ?? ''))) return line.slice(0, i).trimEnd();
  }
  return line.trimEnd();
}

/** Shell lines of fenced blocks (sh, bash, shell) and `$ ` prompt lines of any block. */
function commandsOf(file: string): DocCommand[] {
  const out: DocCommand[] = [];
  const lines = readFileSync(join(ROOT, file), 'utf8').split('\n');
  let fence: string | undefined;
  let pending = '';
  let start = 0;
  lines.forEach((raw, i) => {
    const open = /^(\s*)```(\w*)/.exec(raw);
    if (open) {
      fence = fence === undefined ? (open[2] ?? '') : undefined;
      pending = '';
      return;
    }
    if (fence === undefined) return;
    const shell = ['sh', 'bash', 'shell'].includes(fence);
    let text = raw.trim();
    if (text.startsWith('$ ')) text = text.slice(2);
    else if (!shell && !pending) return;
    if (!pending) start = i + 1;
    if (text.endsWith('\\')) {
      pending += `${text.slice(0, -1)} `;
      return;
    }
    const command = withoutComment(pending + text).trim();
    pending = '';
    if (command) out.push({ file, line: start, command });
  });
  return out;
}

const FILES = [
  'README.md',
  ...readdirSync(join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];
const ALL = FILES.flatMap(commandsOf);
/** Commands of this product: the CLI, and `npm start` (which runs it). */
const OURS = ALL.flatMap((c) =>
  c.command
    .split('&&')
    .map((part) => part.trim())
    .filter((part) => /^(npx aks-alert-enricher|aks-alert-enricher|npm start)\b/.test(part))
    .map((part) => ({ ...c, command: part })),
);
const needsOnline = (c: string) => /workspace:|<[^>]+>|--webhook https:/.test(c);

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** A folder like a clone: the built command on npx's path, the samples, a routing file. */
function workspace(): string {
  const dir = mkdtempSync(join(tmpdir(), 'doc-commands-'));
  dirs.push(dir);
  mkdirSync(join(dir, 'node_modules', '.bin'), { recursive: true });
  const bin = join(dir, 'node_modules', '.bin', 'aks-alert-enricher');
  writeFileSync(bin, `#!/bin/sh\nexec "${process.execPath}" "${join(ROOT, 'dist', 'src', 'cli.js')}" "$@"\n`);
  chmodSync(bin, 0o755);
  symlinkSync(join(ROOT, 'samples'), join(dir, 'samples'));
  symlinkSync(join(ROOT, 'dist'), join(dir, 'dist'));
  copyFileSync(join(ROOT, 'samples', 'routing.yaml'), join(dir, 'routing.yaml'));
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: { start: string } };
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({ name: 'docs-reader', private: true, scripts: { start: pkg.scripts.start } }),
  );
  return dir;
}

describe('the commands in the README and docs/', () => {
  it('are found: the guide shows the product at work', () => {
    expect(OURS.filter((c) => c.file === 'README.md').length).toBeGreaterThanOrEqual(10);
    expect(OURS.length).toBeGreaterThanOrEqual(25);
  });

  it('that need Azure or a receiver are the ones listed as such', () => {
    const online = OURS.filter((c) => needsOnline(c.command)).map((c) => c.command);
    expect(online.sort()).toEqual(Object.keys(NOT_OFFLINE).sort());
  });

  for (const file of FILES) {
    const runnable = OURS.filter((c) => c.file === file && !needsOnline(c.command));
    if (runnable.length === 0) continue;
    it(`run as written: ${file}`, () => {
      const dir = workspace();
      for (const c of runnable) {
        const r = spawnSync('bash', ['-o', 'pipefail', '-c', c.command], {
          cwd: dir,
          encoding: 'utf8',
          timeout: 120_000,
          env: {
            PATH: process.env.PATH,
            HOME: dir,
            NO_COLOR: '1',
            npm_config_offline: 'true',
            npm_config_update_notifier: 'false',
            npm_config_fund: 'false',
          },
        });
        expect(r.status, `${c.file}:${String(c.line)} ${c.command}\n${r.stderr}`).toBe(0);
        if (!/>\s*\S+$/.test(c.command))
          expect(r.stdout.length, `${c.file}:${String(c.line)} printed nothing`).toBeGreaterThan(0);
      }
    }, 300_000);
  }
});
