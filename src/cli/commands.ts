import type { CliCommand } from './command.js';
import { routesTestCommand } from './routesCommand.js';
import { runCommand } from './runCommand.js';
import { deliveriesCommand } from './deliveriesCommand.js';
import { catalogExportCommand, explainCommand, matchCommand } from './catalogCommands.js';
import { digestCommand } from './digestCommand.js';
import { enrichCommand } from './enrichCommand.js';

/** Every CLI command, in the order `--help` lists them. Each lives in its own module. */
export const commands: CliCommand[] = [
  runCommand,
  matchCommand,
  explainCommand,
  catalogExportCommand,
  enrichCommand,
  deliveriesCommand,
  routesTestCommand,
  digestCommand,
];
