import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { packageRoot } from '../../src/assets.js';
import type { CliCommand, LazyCliCommand } from '../../src/cli/command.js';
import { commands as realCommands } from '../../src/cli/commands.js';
import { writeLine } from '../../src/cli/command.js';
import { runCli } from '../../src/cli/main.js';
import { memoryIo } from '../support/io.js';

const echo = (name: string): CliCommand => ({
  name,
  summary: `the ${name} command`,
  help: `help for ${name}`,
  run: (args, io) => {
    writeLine(io.stdout, `${name}:${args.join(',')}`);
    return Promise.resolve(0);
  },
});

describe('runCli', () => {
  const commands = [echo('catalog'), echo('catalog export'), echo('match')];

  it('dispatches to the command with the longest matching words', async () => {
    const m = memoryIo();
    expect(await runCli(['catalog', 'export', '--format', 'json'], m.io, commands)).toBe(0);
    expect(m.stdout()).toBe('catalog export:--format,json\n');
  });

  it('prints command help for --help without running it', async () => {
    const m = memoryIo();
    expect(await runCli(['match', '--help'], m.io, commands)).toBe(0);
    expect(m.stdout()).toBe('help for match\n');
  });

  it('prints the version', async () => {
    const m = memoryIo();
    expect(await runCli(['--version'], m.io, commands)).toBe(0);
    const pkg = JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string };
    expect(m.stdout()).toBe(`aks-alert-enricher ${pkg.version}\n`);
  });

  it('states the exit-status rule in the top-level help', async () => {
    const m = memoryIo();
    expect(await runCli(['--help'], m.io, commands)).toBe(0);
    expect(m.stdout()).toContain('Exit status (every command): 0 done; 1 done in part or problems found');
    expect(m.stdout()).toContain('2 wrong arguments');
  });

  it('helps with a word that only starts commands ("catalog" of "catalog export")', async () => {
    const help = memoryIo();
    expect(await runCli(['catalog', '--help'], help.io)).toBe(0);
    expect(help.stdout()).toContain('Usage: aks-alert-enricher catalog <command>');
    expect(help.stdout()).toContain('catalog export');
    const bare = memoryIo();
    expect(await runCli(['catalog'], bare.io)).toBe(2);
    expect(bare.stderr()).toContain('catalog export');
    const real = memoryIo();
    expect(await runCli(['routes', '--help'], real.io)).toBe(0);
    expect(real.stdout()).toContain('routes test');
  });

  it('answers unknown options with the usage status, as every other usage error', async () => {
    const m = memoryIo();
    expect(await runCli(['explain', '--bogus'], m.io)).toBe(2);
    expect(m.stderr()).toContain("Unknown option '--bogus'");
  });

  it('lists commands and fails on an unknown one', async () => {
    const m = memoryIo();
    expect(await runCli(['nope'], m.io, commands)).toBe(2);
    expect(m.stderr()).toContain("unknown command 'nope'");
    expect(m.stderr()).toContain('catalog export');
  });

  it('turns an exception into a message and exit code 1', async () => {
    const boom: CliCommand = { ...echo('boom'), run: () => Promise.reject(new Error('bad thing')) };
    const m = memoryIo();
    expect(await runCli(['boom'], m.io, [boom])).toBe(1);
    expect(m.stderr()).toBe('aks-alert-enricher boom: bad thing\n');
  });

  it('loads a command only when it runs or its help is asked for', async () => {
    const loaded: string[] = [];
    const lazy = (name: string): LazyCliCommand => ({
      name,
      summary: `the ${name} command`,
      load: () => {
        loaded.push(name);
        return Promise.resolve(echo(name));
      },
    });
    const cmds = [lazy('run'), lazy('match')];
    const m = memoryIo();
    expect(await runCli(['match', 'x'], m.io, cmds)).toBe(0);
    expect(await runCli(['match', '--help'], m.io, cmds)).toBe(0);
    expect(await runCli(['--help'], m.io, cmds)).toBe(0);
    expect(loaded).toEqual(['match', 'match']);
    expect(m.stdout()).toContain('match:x\nhelp for match\n');
    expect(m.stdout()).toContain('the run command');
  });

  it("names each real command's words and summary as its module does", async () => {
    for (const c of realCommands) {
      const command = await c.load();
      expect({ name: command.name, summary: command.summary }).toEqual({ name: c.name, summary: c.summary });
    }
  });
});

describe('the installed command', () => {
  const cli = join(packageRoot(), 'dist', 'src', 'cli.js');

  it('ends quietly with exit 0 when the reader closes the pipe early', () => {
    const state = mkdtempSync(join(tmpdir(), 'epipe-'));
    try {
      for (const command of [
        'explain QuotaExceeded',
        'catalog export',
        'run --quiet --state "$S" --out "$S/out"',
      ]) {
        const r = spawnSync('bash', ['-c', `set -o pipefail; node "${cli}" ${command} | head -1`], {
          encoding: 'utf8',
          env: { ...process.env, S: state },
        });
        expect(r.stderr, command).toBe('');
        expect(r.status, command).toBe(0);
        expect(r.stdout.split('\n').filter(Boolean)).toHaveLength(1);
      }
    } finally {
      rmSync(state, { recursive: true, force: true });
    }
  }, 60_000);

  it('prints its version', () => {
    expect(execFileSync('node', [cli, '--version'], { encoding: 'utf8' })).toMatch(
      /^aks-alert-enricher \d+\.\d+\.\d+\n$/,
    );
  });
});
