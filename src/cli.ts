#!/usr/bin/env node
// State files are written many at a time: more threads than libuv's 4 keep their syncs overlapping.
// Read when the thread pool starts, which is after this line (imports do no pooled work).
process.env.UV_THREADPOOL_SIZE ??= '16';
const { runCli } = await import('./cli/main.js');

// A reader that stops early (`| head -1`) closes the pipe: that is not an error. Later writes are
// dropped and the command finishes its work (state and deliveries stay consistent).
for (const stream of [process.stdout, process.stderr])
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE' && err.code !== 'ERR_STREAM_DESTROYED') throw err;
  });

const code = await runCli(process.argv.slice(2), {
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  cwd: process.cwd(),
});
process.exitCode = code;
