import type { CliCommand } from './command.js';
import { routesTestCommand } from './routesCommand.js';
import { runCommand } from './runCommand.js';

/** Every CLI command, in the order `--help` lists them. Each lives in its own module. */
export const commands: CliCommand[] = [runCommand, routesTestCommand];
