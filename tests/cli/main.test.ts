import { describe, expect, it } from 'vitest';
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
