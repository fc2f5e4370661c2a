import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import { allEntries } from '../../src/catalog/index.js';
import { memoryIo } from '../support/io.js';

async function cli(args: string[], stdin = '', cwd = process.cwd()) {
  const m = memoryIo(stdin, {}, cwd);
  const code = await runCli(args, m.io);
  return { code, out: m.stdout(), err: m.stderr() };
}

describe('match', () => {
  it('explains a raw ARM error with the most specific entry first', async () => {
    const r = await cli([
      'match',
      `Code="VMExtensionProvisioningError" Message="VM has reported a failure when processing extension 'vmssCSE'. Error message: Enable failed: command terminated with exit status=50"`,
    ]);
    expect(r.code).toBe(0);
    expect(r.out).toContain('OutboundConnFailVMExtensionError — Node has no outbound connectivity');
    expect(r.out).toContain('What to do: ');
    expect(r.out).toContain('1 of 1 message(s) matched');
  });

  it('reads a file of messages and JSON Lines, and reports codes the catalog lacks', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'match-'));
    try {
      writeFileSync(
        join(dir, 'm.jsonl'),
        [
          '{"message": "Code=\\"SubnetIsFull\\" Message=\\"no addresses\\""}',
          'Code="BrandNewAksError" Message="?"',
          '',
        ].join('\n'),
      );
      const r = await cli(['match', '--file', 'm.jsonl', '--json'], '', dir);
      const parsed = JSON.parse(r.out) as { matches: { code: string }[]; unrecognised: string[] }[];
      expect(parsed.map((p) => p.matches[0]?.code)).toEqual(['SubnetIsFull', undefined]);
      expect(parsed[1]?.unrecognised).toEqual(['BrandNewAksError']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reads standard input with -', async () => {
    const r = await cli(['match', '-'], 'failed to fix node group sizes: temporary\n');
    expect(r.out).toContain('Failed to fix node group sizes');
  });

  it('calls empty input an error rather than matching nothing', async () => {
    const stdin = await cli(['match', '-'], '');
    expect(stdin.code).toBe(2);
    expect(stdin.err).toBe('match: standard input is empty\n');
    const dir = mkdtempSync(join(tmpdir(), 'match-'));
    try {
      writeFileSync(join(dir, 'none.txt'), '\n\n');
      const file = await cli(['match', '--file', 'none.txt'], '', dir);
      expect(file.code).toBe(2);
      expect(file.err).toContain('none.txt is empty');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('explain and catalog export', () => {
  it('explains a code by any spelling and names an unknown one', async () => {
    expect((await cli(['explain', 'vmextensionerror_outboundconnfail'])).out).toContain(
      'OutboundConnFailVMExtensionError',
    );
    const unknown = await cli(['explain', 'NoSuchThing']);
    expect(unknown.code).toBe(1);
    expect(unknown.err).toContain('NoSuchThing is not in the catalog');
  });

  it('takes --json as an option, not as part of the code', async () => {
    const r = await cli(['explain', 'QuotaExceeded', '--json']);
    expect(r.code).toBe(0);
    expect((JSON.parse(r.out) as { code: string }).code).toBe('QuotaExceeded');
  });

  it('matches free text as a message when it is not a code', async () => {
    const r = await cli(['explain', 'the', 'subnet', 'is', 'full:', 'SubnetIsFull', 'on', 'pool', 'user']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('is not a code in the catalog; as a message it matches:');
    expect(r.out).toContain('SubnetIsFull');
    const json = await cli(['explain', 'vmssCSE exit status=50', '--json']);
    expect(json.code).toBe(0);
    const doc = JSON.parse(json.out) as { entry: null; matches: { code: string }[] };
    expect(doc.entry).toBeNull();
    expect(doc.matches[0]?.code).toBe('OutboundConnFailVMExtensionError');
  });

  it('exports every entry as JSON and as a Markdown table', async () => {
    const json = JSON.parse((await cli(['catalog', 'export'])).out) as unknown[];
    expect(json).toHaveLength(allEntries().length);
    const md = (await cli(['catalog', 'export', '--format', 'md'])).out.trim().split('\n');
    expect(md).toHaveLength(allEntries().length + 2);
    const viaJson = await cli(['catalog', 'export', '--json']);
    expect(JSON.parse(viaJson.out)).toEqual(json);
    expect((await cli(['catalog', 'export', '--json', '--format', 'md'])).code).toBe(2);
  });
});
