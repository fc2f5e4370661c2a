/**
 * Attacks on what `azd up` deploys, read from the templates (no Bicep compiler runs here): the host key
 * in the action group's URL (it opens every function-level endpoint, digestReport included), a keyed
 * webhook by default, the built-in Reader role on clusters, Key Vault without purge protection.
 */
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { SETTINGS } from '../../src/config.js';
import type { SettingSpec } from '../../src/config.js';
import type { Declaration } from '../infra/bicepSource.js';
import {
  CUSTOM_ROLE_ACTIONS,
  KNOWN_APPLICATIONS,
  literalOrText,
  loadTemplates,
  sigText,
  stringTokens,
} from '../infra/templates.js';
import type { BicepFile, Registration } from '../infra/templates.js';

let bicep: BicepFile[] = [];
let main: BicepFile;
let registrations: Registration[] = [];

beforeAll(() => {
  ({ bicep, main, registrations } = loadTemplates());
});

describe('attack: what azd up deploys by default', () => {
  const paramDefault = (file: BicepFile, name: string): string | undefined => {
    const decl = file.decls.find((d) => d.keyword === 'param' && d.name === name);
    return decl ? literalOrText(decl) : undefined;
  };
  const fileOf = (...parts: string[]): BicepFile => {
    const found = bicep.find((f) => f.rel === join('infra', ...parts));
    if (!found) throw new Error(`infra/${parts.join('/')} is missing`);
    return found;
  };

  it('authenticates the action group with Secure Webhook (Entra ID) unless a function key is opted into', () => {
    expect(paramDefault(main, 'alertWebhookAuth')).toBe("'entraId'");
    expect(main.text).toMatch(/var secureWebhook = alertWebhookAuth == 'entraId'/);
    const actionGroup = fileOf('monitor', 'actionGroup.bicep');
    expect(paramDefault(actionGroup, 'secureWebhook')).toBe('true');
    // The key goes into the URL only on the function-key branch.
    expect(actionGroup.text).toMatch(
      /webhookUri = secureWebhook\s*\?\s*webhookEndpoint\s*:\s*'\$\{webhookEndpoint\}\?code=/,
    );
    expect(actionGroup.text).toMatch(/useAadAuth: true/);
    // With Secure Webhook the app settings turn the token check on, which makes alertWebhook keyless.
    expect(main.text).toMatch(
      /secureWebhookAppSettings = secureWebhook\s*\?\s*\{\s*ALERT_WEBHOOK_TENANT_ID:/,
    );
  });

  it('reads no host or master key anywhere: only the key of one named function', () => {
    const reads: string[] = [];
    for (const file of bicep)
      for (const m of file.text.matchAll(/listKeys\(\s*'([^']*)'/g)) reads.push(`${file.rel}: ${m[1] ?? ''}`);
    expect(reads.length).toBeGreaterThanOrEqual(2);
    for (const r of reads) expect(r).toMatch(/\$\{site\.id\}\/functions\/\$\{\w+FunctionName\}$/);
    for (const file of bicep)
      expect(file.text, file.rel).not.toMatch(/\/host\/default|masterKey|functionKeys\./);
  });

  it('keys alertWebhook only without Secure Webhook, and never leaves digestReport anonymous', () => {
    const webhook = registrations.find((r) => r.name === 'alertWebhook');
    // Anonymous at the host only when the token check is configured.
    expect(webhook?.options).toMatch(
      /authLevel:\s*settingValue\(process\.env,\s*'ALERT_WEBHOOK_TENANT_ID'\)\s*\?\s*'anonymous'\s*:\s*'function'/,
    );
    const report = registrations.find((r) => r.name === 'digestReport');
    expect(report?.options).toMatch(/authLevel:\s*'function'/);
    // Its readers get a link with digestReport's own key, kept in Key Vault.
    const link = fileOf('app', 'digestReportLink.bicep');
    expect(link.text).toMatch(
      /\/api\/\$\{digestReportFunctionName\}\?code=\$\{listKeys\('\$\{site\.id\}\/functions\/\$\{digestReportFunctionName\}'/,
    );
    expect(main.text).toMatch(
      /DIGEST_REPORT_URL: '@Microsoft\.KeyVault\(SecretUri=\$\{keyVaultUri\}secrets\/\$\{digestReportLinkSecretName\}\/\)'/,
    );
  });

  it('registers the Secure Webhook app with the role, granted to the caller the code pins', async () => {
    const app = fileOf('entra', 'secureWebhookApp.bicep');
    expect(app.text).toMatch(
      /^extension 'br:mcr\.microsoft\.com\/bicep\/extensions\/microsoftgraph\/v1\.0:\d+\.\d+\.\d+'$/m,
    );
    expect(app.text).toMatch(/value: 'ActionGroupsSecureWebhook'/);
    expect(app.text).toMatch(/allowedMemberTypes: \[\s*'Application'\s*\]/);
    expect(app.text).toMatch(/appRoleAssignmentRequired: true/);
    expect(app.text).toMatch(/requestedAccessTokenVersion: 2/);
    const { ACTION_GROUP_APP_ID, SECURE_WEBHOOK_ROLE } =
      await import('../../src/sources/commonAlert/secureWebhookAuth.js');
    expect(app.text).toContain(`value: '${SECURE_WEBHOOK_ROLE}'`);
    expect(app.text).toContain(`'${ACTION_GROUP_APP_ID}'`);
    const setting = (SETTINGS as readonly SettingSpec[]).find(
      (x) => x.name === 'ALERT_WEBHOOK_CALLER_APP_IDS',
    );
    expect(setting?.default).toBe(ACTION_GROUP_APP_ID);
    expect(KNOWN_APPLICATIONS['AzNS AAD Webhook']).toBe(ACTION_GROUP_APP_ID);
  });

  it('gives the deployment its own roles with only the read actions the look-ups need', () => {
    const roles = fileOf('app', 'customRoles.bicep');
    const actionsOf = (variable: string): string[] => {
      const decl = roles.decls.find((d) => d.keyword === 'var' && d.name === variable);
      return decl ? stringTokens(decl).map((t) => t.value ?? '') : [];
    };
    expect(actionsOf('clusterReaderActions')).toEqual(
      CUSTOM_ROLE_ACTIONS['AKS Alert Enricher Cluster Reader'],
    );
    expect(actionsOf('alertRuleReaderActions')).toEqual(
      CUSTOM_ROLE_ACTIONS['AKS Alert Enricher Alert Rule Reader'],
    );
    for (const actions of Object.values(CUSTOM_ROLE_ACTIONS))
      for (const a of actions) expect(a).toMatch(/^Microsoft\.[A-Za-z]+\/[A-Za-z/]+\/read$/);
    for (const name of Object.keys(CUSTOM_ROLE_ACTIONS)) expect(roles.text).toContain(`roleName: '${name} (`);
    // Nothing besides: no wildcard, no data actions.
    expect(roles.text).not.toMatch(/'\*'|\/\*/);
    expect([...roles.text.matchAll(/dataActions: \[\]/g)]).toHaveLength(2);
    expect([...roles.text.matchAll(/actions: (\w+)/g)].map((m) => m[1])).toEqual([
      'clusterReaderActions',
      'alertRuleReaderActions',
    ]);
    // Clusters, cluster resource groups, workspaces and the rules' group get them; the code reads rules there.
    const assigned = fileOf('app', 'roles.bicep').text;
    expect(assigned).toMatch(
      /scope: clusters\[i\][\s\S]*?clusterReaderRoleGuid\) \/\/ custom: AKS Alert Enricher Cluster Reader/,
    );
    expect(assigned).toMatch(
      /scope: workspaces\[i\][\s\S]*?alertRuleReaderRoleGuid\) \/\/ custom: AKS Alert Enricher Alert Rule Reader/,
    );
    expect(main.text).toMatch(/ALERT_RULE_SCOPES: rg\.id/);
    expect(sigText(main.decls.find((d) => d.name === 'nodeAutoRepairAlerts') as Declaration)).toContain(
      'scope : rg',
    );
  });

  it('turns Key Vault purge protection on', () => {
    expect(paramDefault(main, 'keyVaultEnablePurgeProtection')).toBe('true');
    const keyVault = main.decls.find((d) => d.keyword === 'module' && d.name === 'keyVault');
    expect(keyVault && sigText(keyVault)).toContain('enablePurgeProtection : keyVaultEnablePurgeProtection');
  });
});
