// Builds what the Functions host, `npm start` and the CLI run: one ES module per function entry
// (dist/functions/*.js, the package's `main`) and the CLI (dist/src/cli.js), with shared code and
// everything a handler loads on first use in dist/chunks/. Only @azure/functions-core stays outside:
// the Functions worker provides it.
import { rmSync } from 'node:fs';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outdir = join(root, process.argv[2] ?? 'dist');

const entryPoints = {
  'src/cli': join(root, 'src/cli.ts'),
};
for (const f of readdirSync(join(root, 'functions')))
  if (f.endsWith('.ts')) entryPoints[`functions/${f.slice(0, -3)}`] = join(root, 'functions', f);

rmSync(outdir, { recursive: true, force: true });
const result = await build({
  entryPoints,
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  chunkNames: 'chunks/[name]-[hash]',
  external: ['@azure/functions-core'],
  // Bundled CommonJS packages call require(); an ES module has none of its own.
  banner: {
    js: "import { createRequire as __createRequire } from 'node:module';\nconst require = __createRequire(import.meta.url);",
  },
  sourcemap: 'linked',
  legalComments: 'linked',
  logLevel: 'warning',
  metafile: true,
});
if (process.env.BUILD_META) {
  const { writeFileSync } = await import('node:fs');
  writeFileSync(process.env.BUILD_META, JSON.stringify(result.metafile));
}
