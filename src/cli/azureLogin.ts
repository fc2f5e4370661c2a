import type { App } from '../app/app.js';

const LOGIN_TIMEOUT_MS = 60_000;

/**
 * Gets a Log Analytics token before any query, so a missing login is one clear line instead of a
 * credential error per query. Undefined when a token was issued, else what to tell the user.
 */
export async function azureLoginProblem(app: App): Promise<string | undefined> {
  const scope = `${new URL(app.config.logAnalyticsEndpoint).origin}/.default`;
  let timer: NodeJS.Timeout | undefined;
  try {
    const { credential } = await app.azure();
    const token = await Promise.race([
      credential.getToken(scope),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          reject(new Error('timed out'));
        }, LOGIN_TIMEOUT_MS);
      }),
    ]);
    if (token?.token) return undefined;
  } catch {
    // The chain's own message lists every credential it tried, several lines each: not for a person.
  } finally {
    if (timer) clearTimeout(timer);
  }
  return app.config.azureClientId
    ? `no Azure token for the managed identity in AZURE_CLIENT_ID (${app.config.azureClientId}): run where it is assigned, or unset AZURE_CLIENT_ID and run 'az login'; nothing was queried`
    : "no Azure login: run 'az login' (or set AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET for a service principal); nothing was queried";
}
