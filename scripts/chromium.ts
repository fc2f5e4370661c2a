/**
 * Headless Chromium for the rendering checks (cards, the digest): the browser named by CHROMIUM_PATH,
 * else the system's /usr/bin/chromium, else the one the @sparticuz/chromium dev dependency ships
 * inside its npm package, so `npm test` needs no browser installed by hand.
 */
import { existsSync } from 'node:fs';
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

/** The browser binary to use; unpacks the packaged one (once, into the temp folder) when needed. */
export async function chromiumPath(): Promise<string> {
  const given = process.env.CHROMIUM_PATH?.trim();
  if (given) return given;
  if (existsSync(SYSTEM_CHROMIUM)) return SYSTEM_CHROMIUM;
  const packaged = (await import('@sparticuz/chromium')).default;
  return packaged.executablePath();
}

export async function launchChromium(executablePath?: string): Promise<Browser> {
  return chromium.launch({ executablePath: executablePath ?? (await chromiumPath()), args: ARGS });
}
