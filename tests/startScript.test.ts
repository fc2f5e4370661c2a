import { execSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { packageRoot } from '../src/assets.js';

describe('npm start', () => {
  it('runs the pipeline on the sample fleet, then writes its daily digest', () => {
    const pkg = JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as {
      scripts: { start: string };
    };
    const dir = mkdtempSync(join(tmpdir(), 'npm-start-'));
    try {
      // The script names the built CLI relative to the package; a fresh folder keeps its outputs apart.
      symlinkSync(join(packageRoot(), 'dist'), join(dir, 'dist'));
      const out = execSync(pkg.scripts.start, { cwd: dir, encoding: 'utf8', stdio: 'pipe' });
      expect(out).toMatch(/Failures: \d+ found, \d+ new/);
      // At most 4 lines per planned notification plus 20.
      const planned = Number(/Notifications: (\d+) planned/.exec(out)?.[1]);
      expect(planned).toBeGreaterThan(5);
      expect(out.trimEnd().split('\n').length).toBeLessThanOrEqual(4 * planned + 20);
      expect(out).toMatch(/AKS failures on \d+ clusters/);
      expect(existsSync(join(dir, 'out', 'enriched-failures.json'))).toBe(true);
      expect(readFileSync(join(dir, 'out', 'digest.html'), 'utf8')).toContain('data-chart="hourly"');
      expect(readFileSync(join(dir, 'out', 'digest.md'), 'utf8')).toMatch(/^# /m);
      const digest = JSON.parse(readFileSync(join(dir, 'out', 'digest.json'), 'utf8')) as {
        totals?: { failures?: number };
      };
      expect(digest.totals?.failures).toBeGreaterThan(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
