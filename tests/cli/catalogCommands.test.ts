import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it, vi } from 'vitest';
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

describe('match --file keeps multi-line messages whole', () => {
  const DRAIN = [
    'Code: UpgradeFailed',
    "Message: Drain node aks-nodepool1-12345678-vmss000001 failed when evicting pod web-5d8f7 failed with Too Many Requests error. This is often caused by a restrictive Pod Disruption Budget (PDB) policy. See https://aka.ms/aks/debugdrainfailures. Original error: Cannot evict pod as it would violate the pod's disruption budget.",
  ].join('\n');
  const SUBNET = [
    '(SubnetIsFull) Subnet aks-subnet with address prefix 10.0.0.0/24 does not have',
    '  enough capacity for 5 IP addresses.',
  ].join('\n');

  async function inFile(name: string, text: string, args: string[] = ['--json']) {
    const dir = mkdtempSync(join(tmpdir(), 'match-'));
    try {
      writeFileSync(join(dir, name), text);
      return await cli(['match', '--file', name, ...args], '', dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  it('reads plain text as messages separated by blank lines, each kept whole', async () => {
    const r = await inFile('pasted.txt', `${DRAIN}\n\n  \n${SUBNET}\r\n`);
    expect(r.code).toBe(0);
    const parsed = JSON.parse(r.out) as { message: string; matches: { code: string }[] }[];
    expect(parsed.map((p) => p.message)).toEqual([DRAIN, SUBNET]);
    expect(parsed.map((p) => p.matches[0]?.code)).toEqual(['UnsatisfiablePDB', 'SubnetIsFull']);
  });

  it('shows a multi-line message by its first line in the text output', async () => {
    const r = await inFile('pasted.txt', DRAIN, []);
    expect(r.out).toContain('> Code: UpgradeFailed (+1 more line(s))');
    expect(r.out).toContain('1 of 1 message(s) matched');
  });

  it('reads a JSON array of strings or of objects with a message', async () => {
    const r = await inFile('a.json', JSON.stringify([DRAIN, { message: SUBNET, id: 2 }, { other: 1 }]));
    const parsed = JSON.parse(r.out) as { message: string }[];
    expect(parsed.map((p) => p.message)).toEqual([DRAIN, SUBNET]);
  });

  it('reads JSON Lines one record per line, multi-line messages escaped inside', async () => {
    const r = await inFile(
      'm.jsonl',
      `${JSON.stringify({ message: DRAIN })}\n${JSON.stringify({ Message: SUBNET })}\n`,
    );
    const parsed = JSON.parse(r.out) as { message: string }[];
    expect(parsed.map((p) => p.message)).toEqual([DRAIN, SUBNET]);
  });
});

describe('match --jsonl', () => {
  it('writes one object per input line in input order, keeping ids, numbering the lines without one', async () => {
    const input = [
      JSON.stringify({ id: 'b-2', message: 'Code="SubnetIsFull" Message="no addresses"' }),
      '',
      JSON.stringify({ id: 17, message: 'nothing to see' }),
      'Code="BrandNewAksError" Message="?"',
      JSON.stringify({ message: 'VMExtensionProvisioningError', id: { run: 3 } }),
    ].join('\n');
    const r = await cli(['match', '--jsonl'], input);
    expect(r.code, r.err).toBe(0);
    const out = r.out
      .trim()
      .split('\n')
      .map(
        (l) =>
          JSON.parse(l) as {
            id?: unknown;
            line?: number;
            matches: { code: string }[];
            unrecognised: string[];
          },
      );
    expect(out.map((o) => o.id ?? `line ${String(o.line)}`)).toEqual(['b-2', 17, 'line 4', { run: 3 }]);
    expect(out.map((o) => o.matches[0]?.code)).toEqual([
      'SubnetIsFull',
      undefined,
      undefined,
      'VMExtensionProvisioningError',
    ]);
    expect(out[2]?.unrecognised).toEqual(['BrandNewAksError']);
  });

  it('answers each line as it arrives, before the input ends', async () => {
    const stdin = new PassThrough();
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    let out = '';
    stdout.on('data', (c: Buffer) => (out += c.toString()));
    const done = runCli(['match', '--jsonl'], { stdin, stdout, stderr, env: {}, cwd: process.cwd() });
    stdin.write(`${JSON.stringify({ id: 1, message: 'Code="SubnetIsFull"' })}\n`);
    await vi.waitFor(() => expect(out).toContain('"id":1'));
    expect(out).not.toContain('"id":2');
    stdin.end(`${JSON.stringify({ id: 2, message: 'Code="QuotaExceeded"' })}\n`);
    expect(await done).toBe(0);
    expect(out.trim().split('\n')).toHaveLength(2);
  });

  it('reads --file in batches, in order, over many lines', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'match-'));
    try {
      const n = 5_000;
      writeFileSync(
        join(dir, 'many.jsonl'),
        Array.from({ length: n }, (_, i) =>
          JSON.stringify({ id: i, message: i % 2 ? 'Code="SubnetIsFull"' : 'fine' }),
        ).join('\n'),
      );
      const m = memoryIo('', {}, dir);
      let writes = 0;
      m.io.stdout.on('data', () => writes++);
      expect(await runCli(['match', '--jsonl', '--file', 'many.jsonl'], m.io)).toBe(0);
      const ids = m
        .stdout()
        .trim()
        .split('\n')
        .map((l) => (JSON.parse(l) as { id: number }).id);
      expect(ids).toEqual(Array.from({ length: n }, (_, i) => i));
      expect(writes).toBeGreaterThan(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('puts an error in place of a JSON line without a message and exits 1', async () => {
    const r = await cli(
      ['match', '--jsonl'],
      '{"id":1,"text":"no message"}\n{"id":2,"message":"fine"}\n{not json\n',
    );
    expect(r.code).toBe(1);
    const out = r.out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(out.map((o) => o.error === undefined)).toEqual([false, true, false]);
    expect(out.map((o) => o.id ?? o.line)).toEqual([1, 2, 3]);
    expect(r.err).toContain('2 line(s) had no "message" string');
  });

  it('refuses a message argument, --json beside it, and a file it cannot read', async () => {
    expect((await cli(['match', '--jsonl', 'Code="SubnetIsFull"'])).code).toBe(2);
    expect((await cli(['match', '--jsonl', '--json'])).code).toBe(2);
    const missing = await cli(['match', '--jsonl', '--file', 'no-such-file.jsonl']);
    expect(missing.code).toBe(2);
    expect(missing.err).toContain('cannot read no-such-file.jsonl: ENOENT');
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
