import { PassThrough, Readable } from 'node:stream';
import type { CliIo } from '../../src/cli/command.js';

/** A CliIo over in-memory streams, for running commands in-process. */
export function memoryIo(stdinText = '', env: NodeJS.ProcessEnv = {}, cwd = process.cwd()) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c: Buffer) => (out += c.toString()));
  stderr.on('data', (c: Buffer) => (err += c.toString()));
  const io: CliIo = { stdin: Readable.from([stdinText]), stdout, stderr, env, cwd };
  return { io, stdout: () => out, stderr: () => err };
}
