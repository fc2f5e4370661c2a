/**
 * Headless Chromium for the rendering checks (cards, the digest): the browser named by CHROMIUM_PATH,
 * else the system's /usr/bin/chromium, else the one the @sparticuz/chromium dev dependency ships
 * inside its npm package, with the libraries it needs (NSS, expat), so `npm test` needs no browser
 * and no library installed by hand or by apt.
 */
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { chromium } from 'playwright-core';

const SYSTEM_CHROMIUM = '/usr/bin/chromium';

// Quiet on a closed network: no sandbox (root in CI), no GPU, none of the browser's own traffic.
const ARGS = [
  '--no-sandbox',
  '--no-zygote',
  '--disable-gpu',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Where the packaged browser and its libraries are unpacked (the package's own choice). */
const PACKAGED = join(tmpdir(), 'chromium');
const PACKAGED_LIBS = join(tmpdir(), 'al2023', 'lib');

/** The browser binary to use; unpacks the packaged one (once, into the temp folder) when needed. */
export async function chromiumPath(): Promise<string> {
  const given = process.env.CHROMIUM_PATH?.trim();
  if (given) return given;
  if (existsSync(SYSTEM_CHROMIUM)) return SYSTEM_CHROMIUM;
  // The package unpacks its NSS and expat libraries only on the serverless hosts it knows (VERCEL is
  // one); asked to, it does so here too. What it changes in this process's environment is undone:
  // only the browser gets the libraries (see launchChromium).
  const before = { ...process.env };
  process.env.VERCEL ??= '1';
  try {
    return await (await import('@sparticuz/chromium')).default.executablePath();
  } finally {
    for (const name of ['VERCEL', 'LD_LIBRARY_PATH', 'FONTCONFIG_PATH', 'HOME'])
      if (before[name] === undefined) Reflect.deleteProperty(process.env, name);
      else process.env[name] = before[name];
  }
}

/** The packaged browser runs with its own libraries first. */
function browserEnv(executablePath: string): Record<string, string> | undefined {
  if (executablePath !== PACKAGED || !existsSync(PACKAGED_LIBS)) return undefined;
  const env = Object.fromEntries(
    Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined),
  );
  const inherited = process.env.LD_LIBRARY_PATH;
  return { ...env, LD_LIBRARY_PATH: inherited ? `${PACKAGED_LIBS}:${inherited}` : PACKAGED_LIBS };
}

export async function launchChromium(executablePath?: string): Promise<Browser> {
  const path = executablePath ?? (await chromiumPath());
  const env = browserEnv(path);
  return chromium.launch({ executablePath: path, args: ARGS, ...(env ? { env } : {}) });
}
