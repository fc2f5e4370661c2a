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

describe('bootstrap failures, Linux and Windows', () => {
  const linuxCse = (status: number) =>
    `Code="VMExtensionProvisioningError" Message="VM has reported a failure when processing extension 'vmssCSE' (publisher 'Microsoft.Azure.Extensions' and type 'CustomScript'). Error message: 'Enable failed: failed to execute command: command terminated with exit status=${status}`;
  const windowsCse = (code: number, name: string) =>
    `Code="VMExtensionProvisioningError" Message="VM has reported a failure when processing extension 'vmssCSE' (publisher 'Microsoft.Compute' and type 'CustomScriptExtension'). Error message: "Command execution finished, but failed because it returned a non-zero exit code of: '1'. The command had an error output of: 'ExitCode: |${code}|, Output: |${name}|, Error: |Failed in downloading|"`;

  it('maps the ORAS pull exit statuses 211 and 212, the extension error after them', () => {
    expect(codes(linuxCse(211))).toEqual([
      'OrasPullNetworkTimeoutVMExtensionError',
      'VMExtensionProvisioningError',
    ]);
    expect(codes(linuxCse(212))).toEqual([
      'OrasPullUnauthorizedVMExtensionError',
      'VMExtensionProvisioningError',
    ]);
    expect(match(linuxCse(211)).unrecognised).toEqual([]);
  });

  it('reads Windows exit codes apart from Linux statuses, by number and by name', () => {
    expect(codes(windowsCse(35, 'WINDOWS_CSE_ERROR_DOWNLOAD_CNI_PACKAGE'))[0]).toBe(
      'CniDownloadTimeoutVMExtensionError',
    );
    expect(codes(windowsCse(5, 'WINDOWS_CSE_ERROR_CHECK_API_SERVER_CONNECTIVITY'))[0]).toBe(
      'WINDOWS_CSE_ERROR_CHECK_API_SERVER_CONNECTIVITY',
    );
    expect(codes(windowsCse(78, 'WINDOWS_CSE_ERROR_ORAS_PULL_NETWORK_TIMEOUT'))[0]).toBe(
      'OrasPullNetworkTimeoutVMExtensionError',
    );
    // Windows 50 is "no CSE result log", not Linux's 50 (no outbound connectivity).
    const noLog = match(windowsCse(50, 'WINDOWS_CSE_ERROR_NO_CSE_RESULT_LOG'));
    expect(noLog.matches.map((m) => m.entry.code)).toEqual(['VMExtensionProvisioningError']);
    expect(noLog.unrecognised).toEqual(['WINDOWS_CSE_ERROR_NO_CSE_RESULT_LOG']);
    expect(codes(`CSE Error: WINDOWS_CSE_ERROR_CHECK_API_SERVER_CONNECTIVITY." Exit Code: 5.`)[0]).toBe(
      'WINDOWS_CSE_ERROR_CHECK_API_SERVER_CONNECTIVITY',
    );
  });

  it('reports a Windows error name the catalog lacks, wherever it stands', () => {
    expect(match('Output: |WINDOWS_CSE_ERROR_DOWNLOAD_KUBERNETES_PACKAGE|').unrecognised).toEqual([
      'WINDOWS_CSE_ERROR_DOWNLOAD_KUBERNETES_PACKAGE',
    ]);
    expect(
      match("CSE failed with 'VMExtensionError_K8SDownloadTimeout'. AKS node provisioning failed")
        .unrecognised,
    ).toEqual(['VMExtensionError_K8SDownloadTimeout']);
  });

  it('reports VMExtensionProvisioningError after the specific entry, and alone when none applies', () => {
    expect(codes(linuxCse(50))).toEqual(['OutboundConnFailVMExtensionError', 'VMExtensionProvisioningError']);
    expect(codes(linuxCse(34))).toEqual(['VMExtensionProvisioningError']);
    expect(codes('Code="VMExtensionProvisioningError" Message="Multiple VM extensions failed"')).toEqual([
      'VMExtensionProvisioningError',
    ]);
    // In an auto-repair event the code means the repair's own failure.
    expect(
      codes(
        'Node auto-repair reimage action failed due to an operation failure: VMExtensionProvisioningError',
      )[0],
    ).toBe('NodeAutoRepair/VMExtensionProvisioningError');
  });
});

describe('codes the catalog lacks', () => {
  it("reads the autoscaler's backoff status and its errorCode", () => {
    const backoff =
      'Node group aks-batch-35950315-vmss is not ready for scaleup - backoff with status: {true {OutOfResource SkuNotAvailable The requested VM size Standard_F8s_v2 is currently not available in location westeurope}}';
    expect(match(backoff)).toMatchObject({ matches: [], unrecognised: ['SkuNotAvailable'] });
    expect(codes('{true {OutOfResource QuotaExceeded Operation could not be completed}}')).toEqual([
      'QuotaExceeded',
    ]);
    expect(
      match('Disabling scale-up; errorClass=OutOfResource; errorCode=ShinyNewSkuError').unrecognised,
    ).toEqual(['ShinyNewSkuError']);
  });

  it('reads the az CLI (Code) form, also when its output is quoted in a JSON string', () => {
    expect(match('ERROR: (ShinyNewAksError) Something failed.\nCode: ShinyNewAksError').unrecognised).toEqual(
      ['ShinyNewAksError'],
    );
    expect(
      match('{"log": "Deployment failed.\\n(ShinyNewAksError) Something failed."}').unrecognised,
    ).toEqual(['ShinyNewAksError']);
  });

  it('does not report a code the matched entry explains', () => {
    const image =
      "Code: PropertyChangeNotAllowed\nMessage: Changing property 'imageReference' is not allowed.";
    expect(match(image)).toMatchObject({ unrecognised: [] });
    expect(codes(image)).toEqual(['PropertyChangeNotAllowed (imageReference)']);
    const rbac = 'Code="PropertyChangeNotAllowed" Message="Changing property \'enableRBAC\' is not allowed."';
    expect(match(rbac)).toMatchObject({ matches: [], unrecognised: ['PropertyChangeNotAllowed'] });
  });
});

describe('phrases stay specific', () => {
  it('leave look-alike errors of other resources and tools alone', () => {
    for (const text of [
      'bash: /usr/bin/rm: Argument list too long',
      "The client 'x' with object id 'y' does not have authorization to perform action 'Microsoft.Storage/storageAccounts/listKeys/action' over scope '/subscriptions/s' or the scope is invalid.",
      'Unable to connect to the server: net/http: TLS handshake timeout',
      'A load balancer cannot have more than 10 FrontendIPConfigurations.',
      'Windows agent pools can only be added to AKS clusters using Azure-CNI',
      'error: unable to drain node "n1": cannot delete Pods with local storage',
      '0/3 nodes are available: 3 Insufficient cpu.',
      'Node auto-repair is initiating a reboot action due to NotReady status persisting for more than 5 minutes.',
    ])
      expect(codes(text), text).toEqual([]);
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
