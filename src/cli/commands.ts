import type { CliCommand } from './command.js';
import { routesTestCommand } from './routesCommand.js';

/** Every CLI command, in the order `--help` lists them. Each lives in its own module. */
export const commands: CliCommand[] = [routesTestCommand];
