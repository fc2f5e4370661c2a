import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  CONFIGURATION_MD,
  codeSpan,
  generatedFiles,
  LOCAL_SETTINGS_EXAMPLE,
  renderConfigurationMarkdown,
  renderLocalSettings,
  ROOT,
} from '../../scripts/generateConfigDocs.js';
import { SETTINGS } from '../../src/config.js';
import type { SettingSpec } from '../../src/config.js';

const FIX =
  'a setting was added or changed in src/config.ts: run `npm run docs:config` and commit the result';

describe('generated configuration files', () => {
  it('docs/configuration.md and local.settings.example.json are what the generator writes', async () => {
    for (const file of await generatedFiles()) {
      const committed = readFileSync(join(ROOT, file.path), 'utf8');
      expect(committed, `${file.path} is out of date: ${FIX}`).toBe(file.content);
    }
  });

  it('documents every setting with its default', () => {
    const md = readFileSync(join(ROOT, CONFIGURATION_MD), 'utf8');
    for (const s of SETTINGS as readonly SettingSpec[]) {
      const row = md.split('\n').find((line) => line.startsWith(`| \`${s.name}\``));
      expect(row, s.name).toBeDefined();
      if (s.default !== undefined) expect(row).toContain(s.default);
    }
  });

  it('gives Core Tools a local settings file with every setting (secrets empty)', () => {
    const doc = JSON.parse(readFileSync(join(ROOT, LOCAL_SETTINGS_EXAMPLE), 'utf8')) as {
      IsEncrypted: boolean;
      Values: Record<string, string>;
    };
    expect(doc.IsEncrypted).toBe(false);
    expect(doc.Values.FUNCTIONS_WORKER_RUNTIME).toBe('node');
    expect(doc.Values.AzureWebJobsStorage).toBe('UseDevelopmentStorage=true');
    for (const s of SETTINGS as readonly SettingSpec[]) {
      expect(Object.keys(doc.Values), s.name).toContain(s.name);
      expect(doc.Values[s.name], s.name).toBe(s.secret === true ? '' : (s.default ?? ''));
    }
  });
});

describe('rendering', () => {
  const tricky: SettingSpec[] = [
    { name: 'PIPE_SETTING', default: 'a|b', description: 'Splits on | and\nspans lines.' },
    { name: 'TICK_SETTING', default: 'x`y', description: 'A <placeholder> and *stars*.' },
    { name: 'SECRET_SETTING', default: 'not-for-the-example', description: 'Secret.', secret: true },
  ];

  it('keeps one table row per setting whatever the text holds', () => {
    const md = renderConfigurationMarkdown(tricky);
    const rows = md.split('\n').filter((l) => /^\| `/.test(l) && /_SETTING/.test(l));
    expect(rows).toHaveLength(3);
    // Unescaped pipes would add cells: each row keeps the four columns.
    for (const row of rows) expect(row.replace(/\\\|/g, '').split('|')).toHaveLength(6);
    expect(md).toContain('\\<placeholder\\>');
    expect(md).toContain('\\*stars\\*');
    expect(md).toContain('``x`y``');
  });

  it('never writes a secret default into the local settings example', () => {
    const values = (JSON.parse(renderLocalSettings(tricky)) as { Values: Record<string, string> }).Values;
    expect(values.SECRET_SETTING).toBe('');
    expect(values.PIPE_SETTING).toBe('a|b');
  });

  it('makes code spans that hold backticks', () => {
    expect(codeSpan('plain')).toBe('`plain`');
    expect(codeSpan('a``b')).toBe('```a``b```');
    expect(codeSpan('`edge')).toBe('`` `edge ``');
  });
});
