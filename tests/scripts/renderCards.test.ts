import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EXAMPLES, renderCardPngs } from '../../scripts/renderCards.js';
import { dayAfterLatest } from '../../src/cli/digestFiles.js';
import type { Notification } from '../../src/model.js';
import { DEFAULT_POLICY } from '../../src/notify/policy.js';
import { createPipeline } from '../../src/pipeline/pipeline.js';
import { processSignals } from '../../src/pipeline/processSignals.js';
import { noReceivers } from '../../src/route/index.js';
import { readSampleFleet } from '../../src/sources/logAnalytics/sampleFleet.js';
import { createMemoryStore } from '../../src/state/memoryStore.js';
import { groupNotification, hostileFailure, notificationOf } from '../support/enrichedFailures.js';

const SILENCE_URL = 'https://func-aks.example/api/silence?t=v1.0123456789abcdef0123456789abcdef.1.sig';

/** The PNG folders the tests made, removed when they are done. */
const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'cards-'));
  dirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** The notifications the sample fleet's last day plans: what a channel would receive. */
async function sampleNotifications(): Promise<Notification[]> {
  const fleet = readSampleFleet();
  const end = dayAfterLatest(fleet.signals).getTime();
  const day = fleet.signals.filter((s) => Date.parse(s.occurredAt) >= end - 86_400_000);
  const pipeline = createPipeline({
    store: createMemoryStore(),
    routing: noReceivers('test'),
    policy: DEFAULT_POLICY,
    context: fleet.context,
  });
  const report = await processSignals(pipeline.deps, day, { keepEnriched: true });
  return (report.plans ?? []).flatMap((p) => p.notifications);
}

describe('renderCards', () => {
  it('renders cards with the adaptivecards browser renderer in headless Chromium', async () => {
    const dir = tempDir();
    const results = await renderCardPngs(
      {
        group: { notification: groupNotification(5) },
        hostile: {
          notification: notificationOf([hostileFailure('<b>x</b> [y](https://evil.example) ')]),
          expand: true,
        },
      },
      dir,
    );
    expect(results.map((r) => r.file)).toEqual([join(dir, 'group.png'), join(dir, 'hostile.png')]);
    for (const r of results) {
      const png = readFileSync(r.file);
      expect(png.subarray(1, 4).toString('ascii')).toBe('PNG');
      // Width and height from the IHDR chunk: the 640-pixel card, taller than a header alone.
      expect(png.readUInt32BE(16)).toBe(640);
      expect(png.readUInt32BE(20)).toBeGreaterThan(150);
      expect(png.readUInt32BE(20)).toBe(r.height);
    }
    // Hostile text shows as the characters it is: no bold, no link to where it points.
    const hostile = results[1];
    expect(hostile?.text).toContain('<b>x</b>');
    expect(hostile?.text).toContain('[y](https://evil.example)');
    expect(hostile?.links.filter((href) => href.includes('evil.example'))).toEqual([]);
  }, 60_000);

  it('keeps every card of the sample fleet, and the examples, at most 400 px tall at 640 px wide', async () => {
    const dir = tempDir();
    const notifications = await sampleNotifications();
    expect(notifications.length).toBeGreaterThan(10);
    const examples = Object.fromEntries([
      ...notifications.map((notification, i) => [
        `sample-${String(i)}`,
        { notification, silenceUrl: SILENCE_URL },
      ]),
      ...Object.entries(EXAMPLES)
        .filter(([name]) => !name.endsWith('shortened'))
        .map(([name, notification]) => [name, { notification, silenceUrl: SILENCE_URL }]),
    ]) as Parameters<typeof renderCardPngs>[0];
    const results = await renderCardPngs(examples, dir);
    const heights = results.map((r) => ({ card: r.file.split('/').pop(), height: r.height }));
    expect(heights.filter((h) => h.height > 400)).toEqual([]);
    // Every firing card has its four buttons; the title is one generated line, not a log line.
    for (const r of results.filter((x) => !x.text.startsWith('RESOLVED'))) {
      expect(r.text).toContain('Silence 4 h');
      expect(r.text).toContain('Do first:');
      expect(r.text).not.toContain('RawError');
    }
  }, 120_000);
});
