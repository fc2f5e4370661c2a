import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createArmAlertRules } from '../../../src/sources/commonAlert/armAlertRules.js';
import type { AlertRuleReader } from '../../../src/sources/commonAlert/armAlertRules.js';
import { parseRuleId } from '../../../src/sources/commonAlert/scheduledQueryRule.js';
import type { RuleRef } from '../../../src/sources/commonAlert/scheduledQueryRule.js';
import { KUBE_RULE_ID, KUBE_WORKSPACE, kubeRuleProperties } from '../../support/alertRules.js';
import { FakeArm } from '../../support/fakeArm.js';

let arm: FakeArm;
let rules: AlertRuleReader;

const ref = (id: string): RuleRef => {
  const parsed = parseRuleId(id);
  if (!parsed.ok) throw new Error(parsed.reason);
  return parsed.ref;
};

beforeAll(async () => {
  arm = await FakeArm.start();
});
afterAll(() => arm.close());
beforeEach(() => {
  arm.requests.length = 0;
  arm.setRule(KUBE_RULE_ID, kubeRuleProperties());
  arm.setWorkspace(KUBE_WORKSPACE.resourceId, KUBE_WORKSPACE.customerId);
  rules = createArmAlertRules({
    credential: arm.azureAccess().credential,
    endpoint: arm.endpoint,
    clientOptions: arm.clientOptions(),
  });
});

describe('log search rules read through Resource Manager (the real REST client, ARM wire format)', () => {
  it('reads a rule with the app token and a registered api-version', async () => {
    const got = await rules.rule(ref(KUBE_RULE_ID));
    expect(got).toMatchObject({ ok: true, value: { name: 'aks-node-auto-repair', queryRangeMs: 900_000 } });
    const [request] = arm.requests;
    expect(request?.path.toLowerCase()).toBe(KUBE_RULE_ID.toLowerCase());
    expect(request?.apiVersion).toBe('2023-12-01');
    expect(request?.authorization).toBe('Bearer arm-test-token');
  });

  it('encodes a rule name into its own path segment', async () => {
    await rules.rule({ ...ref(KUBE_RULE_ID), name: 'a rule?x=1#y' });
    expect(arm.requests[0]?.path).toMatch(/\/scheduledQueryRules\/a rule\?x=1#y$/);
  });

  it.each([
    [404, 'ResourceNotFound', { transient: false, missing: true }],
    [403, 'AuthorizationFailed', { transient: false }],
    [429, 'TooManyRequests', { transient: true }],
    [503, 'ServiceUnavailable', { transient: true }],
  ])('reports %d %s as a value, transient or not', async (status, code, expected) => {
    arm.fail(KUBE_RULE_ID, { status, code });
    const got = await rules.rule(ref(KUBE_RULE_ID));
    expect(got).toMatchObject({ ok: false, ...expected });
    if (!got.ok) expect(got.reason).toContain(status === 404 ? 'was not found' : String(status));
  });

  it('reports a rule this app cannot run, with why', async () => {
    arm.setRule(KUBE_RULE_ID, { ...kubeRuleProperties(), scopes: [] });
    const got = await rules.rule(ref(KUBE_RULE_ID));
    expect(got).toMatchObject({ ok: false, transient: false });
  });

  it("reads a workspace's customer id once and keeps it", async () => {
    expect(await rules.workspaceId(KUBE_WORKSPACE.resourceId)).toEqual({
      ok: true,
      value: KUBE_WORKSPACE.customerId,
    });
    expect(await rules.workspaceId(KUBE_WORKSPACE.resourceId.toLowerCase())).toEqual({
      ok: true,
      value: KUBE_WORKSPACE.customerId,
    });
    expect(arm.requests.map((r) => r.apiVersion)).toEqual(['2023-09-01']);
  });

  it('refuses a workspace id with dot segments without asking Resource Manager', async () => {
    const got = await rules.workspaceId(`${KUBE_WORKSPACE.resourceId}/../../workspaces/other`);
    expect(got.ok).toBe(false);
    expect(arm.requests).toHaveLength(0);
  });

  it('stops when the signal fires and says the time budget ran out', async () => {
    const got = await rules.rule(ref(KUBE_RULE_ID), AbortSignal.abort());
    expect(got).toMatchObject({ ok: false, transient: false });
    if (!got.ok) expect(got.reason).toMatch(/time budget/);
  });
});
