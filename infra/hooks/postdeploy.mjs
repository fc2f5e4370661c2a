// azd postdeploy hook: the second provisioning pass.
//
// Event Grid subscriptions to a function endpoint, the action group and the digest report's link (which
// carries digestReport's own key) can only be created once the functions exist. After `azd deploy`, this
// waits until the app lists the functions the infrastructure points at, then sets
// DEPLOY_EVENT_SUBSCRIPTIONS=true in the azd environment and runs `azd provision` again. It does nothing when the flag is already on (later deploys),
// or when AZD_SKIP_SECOND_PROVISION=true. Uses only Node built-ins and the azd CLI.
import { spawnSync } from 'node:child_process';
import process from 'node:process';
import { setTimeout as sleep } from 'node:timers/promises';

// AZURE_ARM_ENDPOINT: another cloud's Resource Manager (and, in the tests, a local fake).
const ARM = (process.env.AZURE_ARM_ENDPOINT ?? 'https://management.azure.com').replace(/\/+$/, '');
const WAIT_MS = Number(process.env.POSTDEPLOY_WAIT_SECONDS ?? 600) * 1000;
const POLL_MS = Number(process.env.POSTDEPLOY_POLL_SECONDS ?? 15) * 1000;

function say(line) {
  process.stdout.write(`[postdeploy] ${line}\n`);
}

function azd(args, { capture = false } = {}) {
  const result = spawnSync('azd', args, {
    encoding: 'utf8',
    stdio: capture ? ['ignore', 'pipe', 'inherit'] : 'inherit',
    shell: process.platform === 'win32',
  });
  if (result.status !== 0) {
    throw new Error(`azd ${args[0]} ${args[1] ?? ''} failed with exit code ${String(result.status)}`);
  }
  return result.stdout ?? '';
}

/** Names of the functions the app currently lists (ARM returns "<app>/<function>"). */
function functionNamesFromArm(body) {
  const value = Array.isArray(body?.value) ? body.value : [];
  return value
    .map((f) => (typeof f?.name === 'string' ? f.name.split('/').pop() : undefined))
    .filter((n) => typeof n === 'string' && n.length > 0);
}

async function listFunctions(env) {
  // A fresh token per call: the wait can be long and tokens are cheap.
  const { token } = JSON.parse(
    azd(['auth', 'token', '--output', 'json', '--scope', `${ARM}/.default`], { capture: true }),
  );
  const url =
    `${ARM}/subscriptions/${env.AZURE_SUBSCRIPTION_ID}/resourceGroups/${env.AZURE_RESOURCE_GROUP}` +
    `/providers/Microsoft.Web/sites/${env.AZURE_FUNCTION_APP_NAME}/functions?api-version=2024-04-01`;
  const response = await globalThis.fetch(url, { headers: { authorization: `Bearer ${token}` } });
  if (!response.ok) throw new Error(`listing functions: HTTP ${String(response.status)}`);
  return functionNamesFromArm(await response.json());
}

async function main() {
  const env = process.env;
  if (env.AZD_SKIP_SECOND_PROVISION?.toLowerCase() === 'true') {
    say('AZD_SKIP_SECOND_PROVISION=true: not creating the Event Grid subscriptions and the action group.');
    return;
  }
  if (env.DEPLOY_EVENT_SUBSCRIPTIONS?.toLowerCase() === 'true') {
    say('DEPLOY_EVENT_SUBSCRIPTIONS is already on: the last provision created the function wiring.');
    return;
  }
  const required = [
    'AZURE_SUBSCRIPTION_ID',
    'AZURE_RESOURCE_GROUP',
    'AZURE_FUNCTION_APP_NAME',
    'AZURE_EVENT_GRID_FUNCTION_NAME',
    'AZURE_ALERT_WEBHOOK_FUNCTION_NAME',
  ];
  const missing = required.filter((name) => !env[name]);
  if (missing.length > 0) {
    throw new Error(`missing azd environment values: ${missing.join(', ')} (run azd provision first)`);
  }
  // digestReport's own key goes into the report link, so it must exist too (older environments lack the name).
  const wanted = [
    env.AZURE_EVENT_GRID_FUNCTION_NAME,
    env.AZURE_ALERT_WEBHOOK_FUNCTION_NAME,
    env.AZURE_DIGEST_REPORT_FUNCTION_NAME,
  ].filter((name) => typeof name === 'string' && name.length > 0);

  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    let listed = [];
    try {
      listed = await listFunctions(env);
    } catch (error) {
      say(`could not list functions yet: ${error instanceof Error ? error.message : String(error)}`);
    }
    const absent = wanted.filter((name) => !listed.includes(name));
    if (absent.length === 0) break;
    if (Date.now() > deadline) {
      throw new Error(
        `the app does not list ${absent.join(', ')} after ${String(WAIT_MS / 60000)} minutes; ` +
          'check the deployment, then run: azd env set DEPLOY_EVENT_SUBSCRIPTIONS true && azd provision',
      );
    }
    say(`waiting for ${absent.join(', ')} to be registered...`);
    await sleep(POLL_MS);
  }

  say('functions are registered: provisioning the Event Grid subscriptions and the action group.');
  azd(['env', 'set', 'DEPLOY_EVENT_SUBSCRIPTIONS', 'true']);
  azd(['provision', '--no-prompt']);
}

main().catch((error) => {
  process.stderr.write(`[postdeploy] ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
