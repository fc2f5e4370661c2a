/**
 * `match --jsonl` over 200,000 real failure messages (the corpus's, identifiers varied, with the
 * warning events around them; one JSON object per line with an id), against a plain node script
 * that reads the same file line by line, parses each line and writes it back as JSON, with the same
 * 64 KB output batches. Each side runs in a fresh process (start-up included) writing to a file; its
 * CPU (user + system) is what the process itself reports at exit. Three interleaved pairs; the
 * ratio is the median of the pairs' ratios.
 */
import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../src/assets.js';
import { failureMessages } from './support/failureMessages.js';
import { median } from './support/stats.js';

const MESSAGES = 200_000;
const PAIRS = 3;
const root = packageRoot();

/** Preloaded into both children: their own CPU at exit, into the file CPU_REPORT names. */
const REPORT_CPU = `
import { writeFileSync } from 'node:fs';
process.on('exit', () => {
  const u = process.cpuUsage();
  writeFileSync(process.env.CPU_REPORT, JSON.stringify({ cpuMs: (u.user + u.system) / 1000 }));
});`;

/** The plain script: read, parse, write the same JSON. */
const PLAIN = `
import { createReadStream } from 'node:fs';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
let buffered = '';
for await (const line of createInterface({ input: createReadStream(process.argv[2]), crlfDelay: Infinity })) {
  if (!line.trim()) continue;
  buffered += JSON.stringify(JSON.parse(line)) + '\\n';
  if (buffered.length >= 65536) {
    if (!process.stdout.write(buffered)) await once(process.stdout, 'drain');
    buffered = '';
  }
}
process.stdout.write(buffered);`;

interface Run {
  cpuMs: number;
  ms: number;
  outBytes: number;
}

/** `build: false` when dist/ was just built (the cold-start bench builds it first). */
export function runMatchCliBench({ build = true } = {}): { ratio: number } {
  if (build) execFileSync(process.execPath, [join(root, 'scripts', 'build.mjs')], { stdio: 'inherit' });
  const dir = mkdtempSync(join(tmpdir(), 'match-cli-bench-'));
  try {
    const input = join(dir, 'messages.jsonl');
    const texts = failureMessages(MESSAGES);
    writeFileSync(
      input,
      texts.map((message, i) => `${JSON.stringify({ id: `m${String(i)}`, message })}\n`).join(''),
    );
    const preload = join(dir, 'reportCpu.mjs');
    writeFileSync(preload, REPORT_CPU);
    const plain = join(dir, 'plain.mjs');
    writeFileSync(plain, PLAIN);
    const cli = join(root, 'dist', 'src', 'cli.js');

    const run = (args: string[]): Run => {
      const out = join(dir, 'out.jsonl');
      const report = join(dir, 'cpu.json');
      const fd = openSync(out, 'w');
      const start = performance.now();
      try {
        execFileSync(process.execPath, ['--import', preload, ...args], {
          stdio: ['ignore', fd, 'inherit'],
          env: { ...process.env, CPU_REPORT: report },
        });
      } finally {
        closeSync(fd);
      }
      const ms = performance.now() - start;
      const { cpuMs } = JSON.parse(readFileSync(report, 'utf8')) as { cpuMs: number };
      return { cpuMs, ms, outBytes: statSync(out).size };
    };
    const matchArgs = [cli, 'match', '--jsonl', '--file', input];
    const plainArgs = [plain, input];

    // One of each first (file cache, code cache), then the interleaved pairs.
    run(plainArgs);
    const first = run(matchArgs);
    const lines = readFileSync(join(dir, 'out.jsonl'), 'utf8').split('\n').filter(Boolean);
    if (lines.length !== MESSAGES)
      throw new Error(`match wrote ${String(lines.length)} lines for ${String(MESSAGES)}`);
    const pairs: { plain: Run; match: Run }[] = [];
    for (let i = 0; i < PAIRS; i++) pairs.push({ plain: run(plainArgs), match: run(matchArgs) });
    const ratio = median(pairs.map((p) => p.match.cpuMs / p.plain.cpuMs));
    const matchMs = median(pairs.map((p) => p.match.cpuMs));
    const plainMs = median(pairs.map((p) => p.plain.cpuMs));
    const mb = (statSync(input).size / 1048576).toFixed(0);
    console.log(
      `\nmatch --jsonl over ${MESSAGES.toLocaleString('en')} messages (${mb} MB of JSON Lines), CPU of a fresh process, ${String(PAIRS)} interleaved pairs`,
    );
    console.log(`  plain read-parse-write node script  ${plainMs.toFixed(0)} ms CPU`);
    console.log(
      `  match --jsonl                       ${matchMs.toFixed(0)} ms CPU (${first.outBytes.toLocaleString('en')} bytes out)`,
    );
    console.log(`  ratio ${ratio.toFixed(2)}x (median of the pairs' ratios; target at most 2x)`);
    console.log(
      JSON.stringify({
        bench: 'match-cli',
        messages: MESSAGES,
        matchCpuMs: Math.round(matchMs),
        baselineCpuMs: Math.round(plainMs),
        pairRatios: pairs.map((p) => Number((p.match.cpuMs / p.plain.cpuMs).toFixed(2))),
        ratio: Number(ratio.toFixed(2)),
      }),
    );
    return { ratio };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1] ?? ''}`) runMatchCliBench();
