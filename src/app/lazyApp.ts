import type { App } from './app.js';

/**
 * The process's App, loaded on first use: the functions import only this at start-up, so the host
 * loads them without the pipeline or any Azure SDK, and each handler pays for what it uses.
 */
export async function theApp(): Promise<App> {
  const { appFromEnv } = await import('./app.js');
  return appFromEnv(process.env);
}
