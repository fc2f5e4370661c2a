import type { CliCommand, CliIo, LazyCliCommand } from './command.js';
import { writeLine } from './command.js';
import { commands as defaultCommands } from './commands.js';

const PROGRAM = 'aks-alert-enricher';

type AnyCommand = CliCommand | LazyCliCommand;

function topHelp(commands: readonly AnyCommand[]): string {
  const width = Math.max(...commands.map((c) => c.name.length), 4);
  const lines = commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
  return [
    `Usage: ${PROGRAM} <command> [options]`,
    '',
    'Turns raw AKS failure signals into notifications an on-call engineer can act on.',
    '',
    'Commands:',
    ...lines,
    '',
    `Run '${PROGRAM} <command> --help' for a command's options.`,
  ].join('\n');
}

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
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    writeLine(io.stdout, topHelp(commands));
    return argv.length === 0 ? 2 : 0;
  }
  const found = findCommand(argv, commands);
  if (!found) {
    writeLine(io.stderr, `${PROGRAM}: unknown command '${argv.join(' ')}'`);
    writeLine(io.stderr, topHelp(commands));
    return 2;
  }
  try {
    const command = 'load' in found.command ? await found.command.load() : found.command;
    if (found.rest.includes('--help') || found.rest.includes('-h')) {
      writeLine(io.stdout, command.help);
      return 0;
    }
    return await command.run(found.rest, io);
  } catch (err) {
    // Commands report expected problems themselves; this is the last line of defence.
    const message = err instanceof Error ? err.message : String(err);
    writeLine(io.stderr, `${PROGRAM} ${found.command.name}: ${message}`);
    return 1;
  }
}
