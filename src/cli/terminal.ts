import { isAbsolute, relative } from 'node:path';
import type { CliIo } from './command.js';

const isTty = (stream: NodeJS.WritableStream): boolean => (stream as { isTTY?: boolean }).isTTY === true;

/** Colour on a terminal, unless NO_COLOR is set (https://no-color.org) or the terminal is dumb. */
export function useColor(io: CliIo, stream: NodeJS.WritableStream = io.stdout): boolean {
  if (io.env.NO_COLOR !== undefined && io.env.NO_COLOR !== '') return false;
  if (io.env.TERM === 'dumb') return false;
  return isTty(stream);
}

export interface Progress {
  /** Replaces the progress line with `text`. */
  step(text: string): void;
  /** Clears the progress line. */
  done(): void;
}

/**
 * One self-overwriting line on standard error while long work runs, only on a terminal: piped or
 * redirected output gets none, so logs and scripts see only results.
 */
export function progress(io: CliIo): Progress {
  if (!isTty(io.stderr)) return { step: () => undefined, done: () => undefined };
  let shown = false;
  return {
    step(text) {
      io.stderr.write(`\r\u001b[K${text}`);
      shown = true;
    },
    done() {
      if (shown) io.stderr.write('\r\u001b[K');
      shown = false;
    },
  };
}

/** A path as a person typed it: relative to the working folder when inside it. */
export function shownPath(io: CliIo, path: string): string {
  const rel = relative(io.cwd, path);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : path;
}
