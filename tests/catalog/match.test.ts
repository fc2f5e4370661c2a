import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { allEntries, match } from '../../src/catalog/index.js';
import { requiredLiterals } from '../../src/catalog/match.js';

const codes = (text: string) => match(text).matches.map((m) => m.entry.code);

describe('the matcher on real message shapes', () => {
  it('prefers the bootstrap exit status over the VM extension wrapper', () => {
    const statusMessage = JSON.stringify({
      status: 'Failed',
      error: {
        code: 'DeploymentFailed',
        message: 'At least one resource deployment operation failed.',
        details: [
          {
            code: 'VMExtensionProvisioningError',
            message:
              'VM has reported a failure when processing extension \'vmssCSE\'. Error message: "Enable failed: failed to execute command: command terminated with exit status=51"',
          },
        ],
      },
    });
    expect(codes(statusMessage)[0]).toBe('K8SAPIServerConnFailVMExtensionError');
    expect(match(statusMessage).unrecognised).toEqual([]);
  });

  it('reads codes in ARM, JSON and prose forms, whatever their case', () => {
    expect(codes('Code="SubnetIsFull" Message="..."')).toEqual(['SubnetIsFull']);
    expect(codes('{"code": "subnetisfull"}')).toEqual(['SubnetIsFull']);
    expect(codes('agent pool failed: QuotaExceeded for Standard_D8s_v5')).toContain('QuotaExceeded');
    expect(
      codes(
        'Operation could not be completed as it results in exceeding approved Total Regional Cores quota.',
      ),
    ).toEqual(['QuotaExceeded']);
  });

  it('takes an auto-repair code in its auto-repair meaning only in an auto-repair message', () => {
    expect(
      codes(
        'Node auto-repair redeploy action failed due to an operation failure: ARM ErrorCode: InvalidParameter',
      ),
    ).toEqual(['NodeAutoRepair/InvalidParameter', 'NodeAutoRepair/ActionFailed']);
    expect(codes('Node auto-repair reimage action failed due to an operation failure.')).toEqual([
      'NodeAutoRepair/ActionFailed',
    ]);
    expect(
      codes('Code="InvalidParameter" Message="The value of parameter orchestratorVersion is invalid."'),
    ).toEqual(['InvalidParameter']);
  });

  it('matches an ordinary-word code only where it stands as a code', () => {
    expect(codes('requests were throttled by the gateway')).toEqual([]);
    expect(codes('Code="Throttled" Message="Too many requests"')).toEqual(['Throttled']);
  });

  it('ranks the more specific of two prose matches first', () => {
    const drain =
      "Upgrade blocked: Drain node aks-nodepool1-12345678-vmss000001 failed when evicting pod web-7d9 because Cannot evict pod as it would violate the pod's disruption budget.";
    expect(codes(drain)).toEqual(['UnsatisfiablePDB', 'AKS upgrade blocked']);
    expect(codes('Upgrade blocked: upgrading Kubernetes version 1.27.3 to 1.29.0 is not allowed')).toEqual([
      'AKS upgrade blocked',
    ]);
  });

  it('reports codes the catalog lacks, but not the wrappers around real errors', () => {
    expect(match('Code="DeploymentFailed" ... Code="ShinyNewAksError"').unrecognised).toEqual([
      'ShinyNewAksError',
    ]);
  });
});

describe('matcher properties', () => {
  it('never throws and returns each entry at most once, for any text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 2000 }), (text) => {
        const r = match(text);
        const seen = r.matches.map((m) => m.entry.code);
        expect(new Set(seen).size).toBe(seen.length);
      }),
      { numRuns: 300 },
    );
  });

  it('finds every entry whose code is an identifier in the ARM Code="…" form', () => {
    for (const e of allEntries()) {
      if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(e.code) || e.autoRepairOnly) continue;
      expect(codes(`Code="${e.code}" Message="failed"`), e.code).toContain(e.code);
    }
  });

  it('finds codes embedded anywhere in noise', () => {
    const known = allEntries().filter(
      (e) => /^[A-Za-z][A-Za-z0-9_]*$/.test(e.code) && !e.autoRepairOnly && !e.needsCodeContext,
    );
    fc.assert(
      fc.property(
        fc.constantFrom(...known),
        fc.lorem({ maxCount: 30 }),
        fc.lorem({ maxCount: 30 }),
        (e, before, after) => {
          expect(codes(`${before} ${e.code}: ${after}`)).toContain(e.code);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('finds a code at the end of a megabyte of text', () => {
    const long = `${'word '.repeat(200_000)}Code="SubnetIsFull"`;
    expect(codes(long)).toEqual(['SubnetIsFull']);
  });
});

describe('requiredLiterals', () => {
  it('takes the literal runs outside groups and optional parts, and none when the top level alternates', () => {
    expect(requiredLiterals('upgrade (?:is |was )?blocked')).toEqual(['upgrade', 'blocked']);
    expect(requiredLiterals('failed to fix node group sizes?')).toEqual(['failed to fix node group size']);
    expect(requiredLiterals('would violate the pod.s disruption budget')).toEqual([
      'would violate the pod',
      's disruption budget',
    ]);
    expect(requiredLiterals(String.raw`status ?(?:code)?\s*[=:]\s*429\b`)).toEqual(['status', '429']);
    expect(requiredLiterals('x{2,3}yz+ab')).toEqual([]);
    expect(requiredLiterals('(?:a|b) xyz')).toEqual(['xyz']);
    expect(requiredLiterals('alpha|beta')).toEqual([]);
  });

  it('names texts every catalog phrase really requires', () => {
    for (const e of allEntries())
      for (const p of e.phrases)
        for (const literal of requiredLiterals(p)) expect(p.toLowerCase(), p).toContain(literal);
  });
});
