import type { LazyCliCommand } from './command.js';

/**
 * Every CLI command, in the order `--help` lists them: its words and summary here, the command
 * itself loaded only when it runs, so `match` does not load the pipeline, the Azure clients or the
 * renderers. Each lives in its own module (tests check the words and summaries agree).
 */
export const commands: LazyCliCommand[] = [
  {
    name: 'run',
    summary: 'Run the failure pipeline once (sample fleet, exported query results, or workspaces)',
    load: async () => (await import('./runCommand.js')).runCommand,
  },
  {
    name: 'match',
    summary: 'Match failure messages against the AKS error-code catalog',
    load: async () => (await import('./catalogCommands.js')).matchCommand,
  },
  {
    name: 'explain',
    summary: 'Explain one AKS error code from the catalog (or what a message matches)',
    load: async () => (await import('./catalogCommands.js')).explainCommand,
  },
  {
    name: 'catalog export',
    summary: 'Export the whole error-code catalog as JSON or Markdown',
    load: async () => (await import('./catalogCommands.js')).catalogExportCommand,
  },
  {
    name: 'enrich',
    summary: 'Enrich an Event Grid / CloudEvents delivery or an Azure Monitor common-schema alert',
    load: async () => (await import('./enrichCommand.js')).enrichCommand,
  },
  {
    name: 'deliveries',
    summary: 'List pending, dead-lettered or delivered notifications; replay a dead-lettered one',
    load: async () => (await import('./deliveriesCommand.js')).deliveriesCommand,
  },
  {
    name: 'routes test',
    summary: 'Show which receivers a failure (or a sample) would reach, and why',
    load: async () => (await import('./routesCommand.js')).routesTestCommand,
  },
  {
    name: 'digest',
    summary:
      'Write the failure digest (HTML, Markdown, JSON) for a window of the sample fleet, a file or workspaces',
    load: async () => (await import('./digestCommand.js')).digestCommand,
  },
];
