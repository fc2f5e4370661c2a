import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderCardPngs } from '../../scripts/renderCards.js';
import { groupNotification, hostileFailure, notificationOf } from '../support/enrichedFailures.js';

describe('renderCards', () => {
  it('renders cards with the adaptivecards browser renderer in headless Chromium', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cards-'));
    const results = await renderCardPngs(
      {
        group: { notification: groupNotification(5) },
        hostile: { notification: notificationOf([hostileFailure('<b>x</b> [y](https://evil.example) ')]) },
      },
      dir,
    );
    expect(results.map((r) => r.file)).toEqual([join(dir, 'group.png'), join(dir, 'hostile.png')]);
    for (const r of results) {
      const png = readFileSync(r.file);
      expect(png.subarray(1, 4).toString('ascii')).toBe('PNG');
      // Width and height from the IHDR chunk: the 640-pixel card, taller than a header alone.
      expect(png.readUInt32BE(16)).toBe(640);
      expect(png.readUInt32BE(20)).toBeGreaterThan(300);
    }
    // Hostile text shows as the characters it is: no bold, no link to where it points.
    const hostile = results[1];
    expect(hostile?.text).toContain('<b>x</b>');
    expect(hostile?.text).toContain('[y](https://evil.example)');
    expect(hostile?.links.filter((href) => href.includes('evil.example'))).toEqual([]);
  }, 60_000);
});
