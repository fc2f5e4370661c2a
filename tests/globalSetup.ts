/**
 * Before any test file: bundles the app as `npm run build` does (the start script and the bundle
 * tests run what is built from this tree, never an older dist/), and finds the browser once, so
 * test files running in parallel never unpack the packaged Chromium at the same time.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { chromiumPath } from '../scripts/chromium.js';

export default async function setup(): Promise<void> {
  execFileSync(process.execPath, [join(import.meta.dirname, '..', 'scripts', 'build.mjs')], {
    stdio: 'inherit',
  });
  process.env.CHROMIUM_PATH = await chromiumPath();
}
