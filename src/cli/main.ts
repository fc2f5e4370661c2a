import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../assets.js';
import type { CliCommand, CliIo, LazyCliCommand } from './command.js';
import { writeLine } from './command.js';
import { commands as defaultCommands } from './commands.js';
import { EXIT } from './input.js';

const PROGRAM = 'aks-alert-enricher';

type AnyCommand = CliCommand | LazyCliCommand;

const EXIT_STATUS_HELP = `Exit status (every command): 0 done; 1 done in part or problems found (unreadable rows,
failed queries, undelivered notifications, a code the catalog does not know); 2 wrong arguments
or unreadable input, nothing done.`;

function commandList(commands: readonly AnyCommand[]): string[] {
  const width = Math.max(...commands.map((c) => c.name.length), 4);
  return commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
}

function topHelp(commands: readonly AnyCommand[]): string {
  return [
    `Usage: ${PROGRAM} <command> [options]`,
    '',
    'Turns raw AKS failure signals into notifications an on-call engineer can act on.',
    '',
    'Commands:',
    ...commandList(commands),
    '',
    `Run '${PROGRAM} <command> --help' for a command's options, '${PROGRAM} --version' for the version.`,
    '',
    EXIT_STATUS_HELP,
  ].join('\n');
}

/** Help for a word that only starts commands ("catalog" of "catalog export"). */
function groupHelp(word: string, group: readonly AnyCommand[]): string {
  return [
    `Usage: ${PROGRAM} ${word} <command> [options]`,
    '',
    'Commands:',
    ...commandList(group),
    '',
    `Run '${PROGRAM} ${word} <command> --help' for a command's options.`,
  ].join('\n');
}

export function version(): string {
  try {
    const pkg = JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version?: string };
    return pkg.version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

const isHelp = (a: string | undefined) => a === '--help' || a === '-h';

/** Picks the command whose words are the longest prefix of argv. */
function findCommand(
  argv: readonly string[],
  commands: readonly AnyCommand[],
): { command: AnyCommand; rest: string[] } | undefined {
  let best: { command: AnyCommand; rest: string[] } | undefined;
  let bestWords = 0;
  for (const command of commands) {
    const words = command.name.split(' ');
    if (words.length > argv.length || words.length <= bestWords) continue;
    if (words.every((w, i) => argv[i] === w)) {
      best = { command, rest: argv.slice(words.length) };
      bestWords = words.length;
    }
  }
  return best;
}

export async function runCli(
  argv: readonly string[],
  io: CliIo,
  commands: readonly AnyCommand[] = defaultCommands,
): Promise<number> {
  if (argv.length === 0) {
    writeLine(io.stderr, topHelp(commands));
    return EXIT.usage;
  }
  if (isHelp(argv[0]) || argv[0] === 'help') {
    writeLine(io.stdout, topHelp(commands));
    return EXIT.ok;
  }
  if (argv[0] === '--version' || argv[0] === '-V' || argv[0] === 'version') {
    writeLine(io.stdout, `${PROGRAM} ${version()}`);
    return EXIT.ok;
  }
  const found = findCommand(argv, commands);
  if (!found) {
    const group = commands.filter(
      (c) => c.name.split(' ').length > 1 && c.name.startsWith(`${argv[0] ?? ''} `),
    );
    if (group.length > 0) {
      const help = groupHelp(argv[0] ?? '', group);
      if (argv.slice(1).some(isHelp) || argv.length === 1) {
        writeLine(argv.length === 1 ? io.stderr : io.stdout, help);
        return argv.length === 1 ? EXIT.usage : EXIT.ok;
      }
      writeLine(io.stderr, `${PROGRAM}: unknown command '${argv.slice(0, 2).join(' ')}'`);
      writeLine(io.stderr, help);
      return EXIT.usage;
    }
    writeLine(io.stderr, `${PROGRAM}: unknown command '${argv[0] ?? ''}'`);
    writeLine(io.stderr, topHelp(commands));
    return EXIT.usage;
  }
  try {
    // A command's module is loaded only when it runs: `match` loads the catalog, not the pipeline.
    const command = 'load' in found.command ? await found.command.load() : found.command;
    // Options end at '--': a message or a code after it may be '--help' itself.
    const end = found.rest.indexOf('--');
    if ((end < 0 ? found.rest : found.rest.slice(0, end)).some(isHelp)) {
      writeLine(io.stdout, command.help);
      return EXIT.ok;
    }
    return await command.run(found.rest, io);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    // node:util parseArgs: an unknown option, a missing value, an unexpected argument.
    if (/^ERR_PARSE_ARGS/.test((err as { code?: string }).code ?? '')) {
      writeLine(io.stderr, `${PROGRAM} ${found.command.name}: ${message}`);
      writeLine(io.stderr, `Run '${PROGRAM} ${found.command.name} --help' for its options.`);
      return EXIT.usage;
    }
    // Commands report expected problems themselves; this is the last line of defence.
    writeLine(io.stderr, `${PROGRAM} ${found.command.name}: ${message}`);
    return EXIT.problems;
  }
}
