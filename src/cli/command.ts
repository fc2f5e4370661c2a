/** A CLI command: parses its own arguments (node:util parseArgs) and returns an exit code. */
export interface CliIo {
  stdin: NodeJS.ReadableStream;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  /** Environment variables (app settings) the command may read. */
  env: NodeJS.ProcessEnv;
  /** Working directory for relative paths. */
  cwd: string;
}

export interface CliCommand {
  /** Command words, e.g. "match" or "catalog export". */
  name: string;
  /** One line for the top-level help. */
  summary: string;
  /** Full help text printed for `--help`. */
  help: string;
  run(args: string[], io: CliIo): Promise<number>;
}

/** A command named by its words and summary, loaded only when it runs. */
export interface LazyCliCommand {
  name: string;
  summary: string;
  load(): Promise<CliCommand>;
}

export function writeLine(stream: NodeJS.WritableStream, line = ''): void {
  // A closed pipe (the reader stopped early) takes nothing more.
  if ((stream as { destroyed?: boolean }).destroyed === true) return;
  stream.write(`${line}\n`);
}
