/**
 * Cold start: the CPU a fresh process spends loading what the Functions host loads (every
 * dist/functions/*.js, registering its function) against a process that loads @azure/functions
 * alone, interleaved, medians. Also what `azd deploy` ships: the files `.funcignore` keeps.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { packageRoot } from '../src/assets.js';
import { deployFiles } from '../scripts/deployFiles.js';
import { median } from './support/stats.js';

const RUNS = 15;
const root = packageRoot();
const host = join(root, 'bench', 'support', 'functionsHost.cjs');

// The child reports its whole CPU (start-up included) and how many functions it registered.
const REPORT =
  'const u = process.cpuUsage(); console.log(JSON.stringify({ cpuMs: (u.user + u.system) / 1000, functions: globalThis.__registered.length, rssMb: process.memoryUsage.rss() / 1048576 }));';
const LOAD_APP = `
const { readdirSync } = await import('node:fs');
const dir = ${JSON.stringify(join(root, 'dist', 'functions'))};
for (const f of readdirSync(dir).filter((f) => f.endsWith('.js'))) await import(dir + '/' + f);
${REPORT}`;
const LOAD_LIBRARY = `
const { app } = await import('@azure/functions');
app.timer('one', { schedule: '0 0 * * * *', handler: () => {} });
${REPORT}`;

interface Run {
  cpuMs: number;
  functions: number;
  rssMb: number;
}

function run(code: string): Run {
  const out = execFileSync(process.execPath, ['--require', host, '--input-type=module', '-e', code], {
    cwd: root,
    encoding: 'utf8',
  });
  return JSON.parse(out.trim().split('\n').at(-1) ?? '{}') as Run;
}

export function runColdStartBench(): void {
  execFileSync(process.execPath, [join(root, 'scripts', 'build.mjs')], { stdio: 'inherit' });
  run(LOAD_APP);
  run(LOAD_LIBRARY);
  const app: Run[] = [];
  const lib: Run[] = [];
  for (let i = 0; i < RUNS; i++) {
    app.push(run(LOAD_APP));
    lib.push(run(LOAD_LIBRARY));
  }
  const pairRatios = app.map((a, i) => a.cpuMs / (lib[i]?.cpuMs ?? a.cpuMs));
  const appMs = median(app.map((r) => r.cpuMs));
  const libMs = median(lib.map((r) => r.cpuMs));
  const files = deployFiles(root);
  const bytes = files.reduce((n, f) => n + f.bytes, 0);
  const mb = (n: number) => (n / 1048576).toFixed(1);
  console.log(`\ncold start: CPU of a fresh process, median of ${RUNS} interleaved runs`);
  console.log(
    `  the app's ${app[0]?.functions ?? 0} functions (dist/functions/*.js)  ${appMs.toFixed(0)} ms, RSS ${median(app.map((r) => r.rssMb)).toFixed(0)} MB`,
  );
  console.log(
    `  @azure/functions alone, one function        ${libMs.toFixed(0)} ms, RSS ${median(lib.map((r) => r.rssMb)).toFixed(0)} MB`,
  );
  console.log(`  ratio ${(appMs / libMs).toFixed(2)}x (pairwise median ${median(pairRatios).toFixed(2)}x)`);
  console.log(`deployment package (.funcignore): ${files.length} files, ${mb(bytes)} MB`);
  console.log(
    JSON.stringify({
      bench: 'cold-start',
      appCpuMs: Math.round(appMs),
      baselineCpuMs: Math.round(libMs),
      functions: app[0]?.functions ?? 0,
      deployFiles: files.length,
      deployMb: Number(mb(bytes)),
      ratio: Number((appMs / libMs).toFixed(2)),
    }),
  );
}

if (import.meta.url === `file://${process.argv[1] ?? ''}`) runColdStartBench();
