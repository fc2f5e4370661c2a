import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computeDigest, signalSource } from '../../../src/digest/collectDigest.js';
import type { Digest } from '../../../src/model.js';
import { withLogsLinks } from '../../../src/digest/logsDeepLink.js';
import { toDigestTeamsMessage } from '../../../src/render/digest/toDigestCard.js';
import { toDigestHtml } from '../../../src/render/digest/toDigestHtml.js';
import { readSampleFleet } from '../../../src/sources/logAnalytics/sampleFleet.js';
import { launchChromium } from '../../../scripts/chromium.js';

// Screenshots go to a temporary folder (removed afterwards); DIGEST_SCREENSHOT_DIR=docs refreshes the
// ones kept in docs/.
const KEPT = process.env.DIGEST_SCREENSHOT_DIR;
const OUT = KEPT ? resolve(KEPT) : mkdtempSync(join(tmpdir(), 'digest-shots-'));

let browser: Browser;
let digest: Digest;

beforeAll(async () => {
  const fleet = readSampleFleet();
  digest = withLogsLinks({
    ...(await computeDigest({
      window: { start: '2026-11-20T00:00:00.000Z', end: '2026-11-21T00:00:00.000Z' },
      sources: [signalSource('sample fleet', fleet.signals, fleet.rowErrors, fleet.context)],
      now: new Date('2026-11-21T07:00:00.000Z'),
    })),
    delivery: [
      {
        receiver: 'platform-teams',
        delivered: 18,
        retried: 2,
        deadLettered: 0,
        held: 3,
        suppressed: 4,
        silenced: 1,
        poisoned: 0,
      },
      {
        receiver: 'oncall-pagerduty',
        delivered: 6,
        retried: 0,
        deadLettered: 1,
        held: 0,
        suppressed: 0,
        silenced: 0,
        poisoned: 0,
      },
    ],
    reportUrl: 'https://func-aks-alert-enricher.azurewebsites.net/api/digestReport',
  });
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await browser.close();
  if (!KEPT) rmSync(OUT, { recursive: true, force: true });
});

interface PageMetrics {
  scrollWidth: number;
  clientWidth: number;
  /** Narrowest table cell, bar label and code (px) that hold text. */
  narrowestCell: number;
  narrowestLabel: number;
  /** Codes wider than their box (a word broken or overflowing). */
  overflowingCodes: string[];
}

async function openDigest(html: string, width: number) {
  const page = await browser.newPage({ viewport: { width, height: 900 }, deviceScaleFactor: 1 });
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(e.message));
  const requests: string[] = [];
  page.on('request', (r) => {
    if (!r.url().startsWith('data:') && r.url() !== 'about:blank') requests.push(r.url());
  });
  await page.setContent(html, { waitUntil: 'load' });
  const metrics = await page.evaluate((): PageMetrics => {
    interface El {
      textContent: string | null;
      scrollWidth: number;
      clientWidth: number;
      getBoundingClientRect(): { width: number };
    }
    const doc = (
      globalThis as unknown as {
        document: {
          documentElement: { scrollWidth: number; clientWidth: number };
          querySelectorAll(s: string): Iterable<El>;
        };
      }
    ).document;
    const widths = (selector: string) =>
      [...doc.querySelectorAll(selector)]
        .filter((e) => (e.textContent ?? '').trim().length > 8)
        .map((e) => e.getBoundingClientRect().width);
    return {
      scrollWidth: doc.documentElement.scrollWidth,
      clientWidth: doc.documentElement.clientWidth,
      narrowestCell: Math.min(...widths('td')),
      narrowestLabel: Math.min(...widths('.bars .lbl')),
      overflowingCodes: [...doc.querySelectorAll('.code, code')]
        .filter((e) => e.scrollWidth > e.clientWidth + 1)
        .map((e) => e.textContent ?? ''),
    };
  });
  return { page, errors, requests, metrics };
}

describe('digest in a real browser', () => {
  it('at 1280 px: every section and chart, no console errors, nothing sideways', async () => {
    const { page, errors, requests, metrics } = await openDigest(toDigestHtml(digest), 1280);
    for (const id of [
      'first',
      'totals',
      'hourly',
      'errors',
      'clusters',
      'auto-repair',
      'unrecognised',
      'delivery',
    ])
      expect(await page.locator(`#${id}`).isVisible(), id).toBe(true);
    for (const chart of ['hourly', 'errors', 'clusters']) {
      const box = await page.locator(`[data-chart="${chart}"]`).boundingBox();
      expect(box?.width ?? 0).toBeGreaterThan(500);
      expect(box?.height ?? 0).toBeGreaterThan(50);
    }
    // The hourly bars add up to the failures.
    const counts = await page
      .locator('[data-chart="hourly"] i[data-n]')
      .evaluateAll((els: unknown[]) =>
        (els as { getAttribute(n: string): string | null }[]).map((e) => Number(e.getAttribute('data-n'))),
      );
    expect(counts.reduce((a, b) => a + b, 0)).toBe(digest.totals.failures);
    expect(await page.locator('#errors tbody tr').count()).toBe(digest.errors.length);
    expect(await page.locator('#errors thead').isVisible()).toBe(true);
    expect(await page.title()).toBe('AKS failure digest 2026-11-20');
    expect(metrics.scrollWidth).toBeLessThanOrEqual(metrics.clientWidth);
    expect(metrics.overflowingCodes).toEqual([]);
    expect(errors).toEqual([]);
    expect(requests).toEqual([]);
    await page.screenshot({ path: join(OUT, 'digest-report.png'), fullPage: true });
    await page.close();
  }, 60_000);

  it('at 390 px: no wider than the screen, tables as stacked rows, no cell crushed, codes whole', async () => {
    const { page, errors, metrics } = await openDigest(toDigestHtml(digest), 390);
    expect(metrics.scrollWidth).toBeLessThanOrEqual(390);
    expect(metrics.clientWidth).toBe(390);
    // A stacked row is as wide as its section: no cell is squeezed to a few letters a line.
    expect(metrics.narrowestCell).toBeGreaterThan(250);
    expect(metrics.narrowestLabel).toBeGreaterThan(250);
    expect(metrics.overflowingCodes).toEqual([]);
    expect(await page.locator('#errors thead').isVisible()).toBe(false);
    expect(await page.locator('#first li').count()).toBe(3);
    const chart = await page.locator('[data-chart="hourly"]').boundingBox();
    expect(chart?.width ?? 0).toBeLessThanOrEqual(390);
    expect(chart?.width ?? 0).toBeGreaterThan(300);
    expect(errors).toEqual([]);
    await page.screenshot({ path: join(OUT, 'digest-phone.png'), fullPage: true });
    // The first screen a phone shows (the README's glimpse).
    await page.setViewportSize({ width: 390, height: 844 });
    await page.screenshot({ path: join(OUT, 'digest-phone-top.png') });
    await page.close();
  }, 60_000);

  it('an empty window is one "All quiet" line, dated by its start', async () => {
    const quiet = await computeDigest({
      window: { start: '2026-11-22T00:00:00.000Z', end: '2026-11-23T00:00:00.000Z' },
      sources: [signalSource('sample fleet', [], [])],
      now: new Date('2026-11-23T07:00:00.000Z'),
    });
    for (const width of [390, 1280]) {
      const { page, errors, metrics } = await openDigest(toDigestHtml(quiet), width);
      expect(await page.title()).toBe('AKS failure digest 2026-11-22');
      expect(await page.locator('#quiet').innerText()).toMatch(
        /^All quiet: no AKS failures from 2026-11-22 00:00 UTC/,
      );
      expect(await page.locator('section').count()).toBe(1);
      expect(metrics.scrollWidth).toBeLessThanOrEqual(width);
      expect(errors).toEqual([]);
      await page.close();
    }
  }, 60_000);

  it('the Teams digest card renders with the Adaptive Cards renderer', async () => {
    const page = await browser.newPage({ viewport: { width: 640, height: 400 }, deviceScaleFactor: 1 });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.setContent(
      '<!doctype html><html><head><meta charset="utf-8"><style>body{margin:0;background:#f5f5f5;font-family:system-ui,sans-serif}#card{width:600px;margin:12px;background:#fff;border-radius:6px;box-shadow:0 1px 3px rgba(0,0,0,.2)}</style></head><body><div id="card"></div></body></html>',
    );
    const require = createRequire(import.meta.url);
    await page.addScriptTag({ path: require.resolve('adaptivecards/dist/adaptivecards.min.js') });
    const card = toDigestTeamsMessage(digest).message.attachments[0].content;
    const problems = await page.evaluate((json) => {
      interface Context {
        eventCount: number;
        getEventAt(i: number): { message: string };
      }
      const g = globalThis as unknown as {
        AdaptiveCards: {
          AdaptiveCard: new () => { parse(j: unknown, c: Context): void; render(): unknown };
          SerializationContext: new () => Context;
        };
        document: { getElementById(id: string): { replaceChildren(el: unknown): void } | null };
      };
      const ac = new g.AdaptiveCards.AdaptiveCard();
      const context = new g.AdaptiveCards.SerializationContext();
      ac.parse(json, context);
      const el = ac.render();
      const host = g.document.getElementById('card');
      if (!host || !el) return ['render failed'];
      host.replaceChildren(el);
      const found: string[] = [];
      for (let i = 0; i < context.eventCount; i++) found.push(context.getEventAt(i).message);
      return found;
    }, card);
    expect(problems).toEqual([]);
    expect(errors).toEqual([]);
    const text = await page.locator('#card').innerText();
    expect(text).toContain('AKS failure digest');
    expect(text).toContain('QuotaExceeded');
    expect(text).toContain('Full report');
    await page.locator('#card').screenshot({ path: join(OUT, 'digest-card.png') });
    await page.close();
  }, 60_000);
});
