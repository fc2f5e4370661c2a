import { describe, expect, it } from 'vitest';
import type { CliCommand } from '../../src/cli/command.js';
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
});
