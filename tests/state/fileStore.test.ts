import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { claimOnce } from '../../src/state/dedup.js';
import { readHealth } from '../../src/state/deliveryHealth.js';
import { createFileStore } from '../../src/state/fileStore.js';

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'file-processes-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const src = (p: string) => JSON.stringify(resolve('src/state', p));

describe('file store shared by several processes', () => {
  it('loses no conditional write and grants a claim once when separate processes race', async () => {
    const state = join(dir, 'state');
    const script = join(dir, 'worker.mts');
    writeFileSync(
      script,
      `import { createFileStore } from ${src('fileStore.ts')};
import { recordHealth } from ${src('deliveryHealth.ts')};
import { claimOnce } from ${src('dedup.ts')};
const store = createFileStore(process.argv[2]);
const at = new Date('2026-11-22T12:00:00Z');
const won = await claimOnce(store, 'race', 'k', 3_600_000, at);
for (let i = 0; i < 15; i++) await recordHealth(store, at, 'ops', 'delivered');
process.stdout.write(won ? 'won' : 'lost');
`,
    );
    const outputs = await Promise.all(
      Array.from({ length: 4 }, () =>
        run(process.execPath, ['--import', 'tsx', script, state], { cwd: resolve('.') }),
      ),
    );
    expect(outputs.map((o) => o.stdout).filter((s) => s === 'won')).toHaveLength(1);
    const at = new Date('2026-11-22T12:00:00Z');
    expect((await readHealth(createFileStore(state), at, at)).ops?.delivered).toBe(60);
    expect(await claimOnce(createFileStore(state), 'race', 'k', 3_600_000, at)).toBe(false);
  }, 60_000);
});

describe('file store names', () => {
  it('keeps keys that differ only in case apart, with no upper-case file names', async () => {
    const state = join(dir, 'names');
    const store = createFileStore(state);
    expect(await store.create('Scope', 'ops|N-1', 'upper')).toBeTypeOf('string');
    expect(await store.create('Scope', 'ops|n-1', 'lower')).toBeTypeOf('string');
    expect((await store.get('Scope', 'ops|N-1'))?.value).toBe('upper');
    expect((await store.get('Scope', 'ops|n-1'))?.value).toBe('lower');
    const names = [...readdirSync(state), ...readdirSync(join(state, readdirSync(state)[0] ?? ''))];
    for (const name of names) expect(name).toBe(name.toLowerCase());
  });
});
