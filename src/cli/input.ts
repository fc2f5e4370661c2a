import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { CliIo } from './command.js';
import { writeLine } from './command.js';

/** Exit statuses, one rule for every command (stated in the top-level help). */
export const EXIT = {
  /** Done. */
  ok: 0,
  /** Done in part, or problems found (unreadable rows, failed queries, nothing matched). */
  problems: 1,
  /** Wrong arguments or unreadable input: nothing was done. */
  usage: 2,
} as const;

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  let text = '';
  for await (const chunk of stream) text += typeof chunk === 'string' ? chunk : chunk.toString('utf8');
  return text;
}

/**
 * A file named on the command line, or standard input for '-'. An unreadable or empty input is
 * reported (naming it) and answered with the usage exit status: there is nothing to work on.
 */
export async function readInput(
  io: CliIo,
  path: string,
  command: string,
): Promise<{ text: string } | { code: number }> {
  const name = path === '-' ? 'standard input' : path;
  let text: string;
  try {
    text = path === '-' ? await readAll(io.stdin) : readFileSync(resolve(io.cwd, path), 'utf8');
  } catch (e) {
    writeLine(
      io.stderr,
      `${command}: cannot read ${name}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`,
    );
    return { code: EXIT.usage };
  }
  if (text.replace(/^\uFEFF/, '').trim() === '') {
    writeLine(io.stderr, `${command}: ${name} is empty`);
    return { code: EXIT.usage };
  }
  return { text };
}
