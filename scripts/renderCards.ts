/**
 * Renders example Teams cards with the adaptivecards browser renderer in headless Chromium and
 * saves PNGs in docs/, so the README can show what an on-call engineer sees.
 *
 *   npx tsx scripts/renderCards.ts [--out docs] [--chromium <path>]   (default: scripts/chromium.ts)
 */
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import type { Notification } from '../src/model.js';
import { launchChromium } from './chromium.js';
import { toTeamsMessage } from '../src/render/toAdaptiveCard.js';
import {
  autoscalerFailure,
  groupNotification,
  notificationOf,
  operationFailure,
  resolvedOf,
} from '../tests/support/enrichedFailures.js';

/** Close to Teams' light theme: Segoe UI, its text sizes and its accent colours. */
const HOST_CONFIG = {
  fontFamily:
    "'Segoe UI', 'Segoe UI Web (West European)', -apple-system, 'Helvetica Neue', 'DejaVu Sans', sans-serif",
  fontSizes: { small: 12, default: 14, medium: 16, large: 18, extraLarge: 24 },
  fontWeights: { lighter: 300, default: 400, bolder: 600 },
  spacing: { small: 4, default: 8, medium: 16, large: 20, extraLarge: 24, padding: 16 },
  separator: { lineThickness: 1, lineColor: '#E1DFDD' },
  actions: {
    maxActions: 6,
    spacing: 'default',
    buttonSpacing: 8,
    showCard: { actionMode: 'inline', inlineTopMargin: 16 },
    actionsOrientation: 'horizontal',
    actionAlignment: 'left',
  },
  containerStyles: {
    default: {
      backgroundColor: '#FFFFFF',
      foregroundColors: {
        default: { default: '#242424', subtle: '#616161' },
        accent: { default: '#5B5FC7', subtle: '#5B5FC7' },
        attention: { default: '#C4314B', subtle: '#C4314B' },
        good: { default: '#237B4B', subtle: '#237B4B' },
        warning: { default: '#835C00', subtle: '#835C00' },
        dark: { default: '#242424', subtle: '#616161' },
        light: { default: '#FFFFFF', subtle: '#F5F5F5' },
      },
    },
    emphasis: { backgroundColor: '#F5F5F5' },
    accent: { backgroundColor: '#E8EBFA' },
    good: { backgroundColor: '#E7F2DA' },
    attention: { backgroundColor: '#FCF4F6' },
    warning: { backgroundColor: '#FBF6D9' },
  },
};

const CSS = `
  body { margin: 0; padding: 24px; background: #EBEBEB; font-family: 'Segoe UI', 'DejaVu Sans', sans-serif; }
  #card { width: 640px; background: #fff; border-radius: 6px; box-shadow: 0 1px 4px rgba(0,0,0,.18); overflow: hidden; }
  .ac-pushButton { font-family: inherit; font-size: 14px; padding: 5px 12px; border: 1px solid #D1D1D1; border-radius: 4px;
    background: #fff; color: #242424; font-weight: 600; cursor: pointer; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
`;

/** The signed link a deployed app puts on cards (the token here is a placeholder: nothing verifies it). */
const SILENCE_URL = 'https://func-aks-alert-enricher.azurewebsites.net/api/silence?t=v1.example';

export const EXAMPLES: Record<string, Notification> = {
  'teams-card-operation-failure': notificationOf([operationFailure()]),
  'teams-card-autoscaler': notificationOf([autoscalerFailure()]),
  'teams-card-group': groupNotification(12, { duringUpgrade: true }),
  'teams-card-resolved': notificationOf([
    resolvedOf(
      operationFailure({
        attributes: { firedAt: '2026-03-14T02:17:43.512Z', resolvedAt: '2026-03-14T03:22:10.000Z' },
      }),
      '2026-03-14T03:22:10.000Z',
    ),
  ]),
  'teams-card-shortened': notificationOf([
    operationFailure({
      texts: Array.from(
        { length: 3 },
        (_, i) =>
          `vmssCSE exit status=50 on attempt ${String(i + 1)}: ` +
          'curl: (28) Connection timed out after 10001 milliseconds; '.repeat(30),
      ),
    }),
  ]),
};

export interface RenderedPng {
  file: string;
  bytes: number;
  /** The card's height in pixels at 640 px wide, as rendered (details folded unless `expand`). */
  height: number;
  dropped: string[];
  /** The card as rendered: its text, and the targets of the links in it (not the buttons). */
  text: string;
  links: string[];
}

/** Renders each card to `<outDir>/<name>.png`; throws when the renderer reports a problem. */
export async function renderCardPngs(
  examples: Record<
    string,
    { notification: Notification; maxBytes?: number; silenceUrl?: string; expand?: boolean }
  >,
  outDir: string,
  executablePath?: string,
): Promise<RenderedPng[]> {
  const out = resolve(outDir);
  mkdirSync(out, { recursive: true });
  const require = createRequire(import.meta.url);
  const bundle = require.resolve('adaptivecards/dist/adaptivecards.min.js');
  const results: RenderedPng[] = [];
  const browser = await launchChromium(executablePath);
  try {
    const page = await browser.newPage({ viewport: { width: 700, height: 400 }, deviceScaleFactor: 1 });
    await page.setContent(
      `<!doctype html><html><head><meta charset="utf-8"><style>${CSS}</style></head><body><div id="card"></div></body></html>`,
    );
    await page.addScriptTag({ path: bundle });
    for (const [name, { notification, maxBytes, silenceUrl, expand }] of Object.entries(examples)) {
      const rendered = toTeamsMessage(notification, maxBytes, silenceUrl ? { silenceUrl } : {});
      const card = rendered.message.attachments[0].content;
      const problems = await page.evaluate(
        ({ card, hostConfig }) => {
          // Runs in the page: the bundle's global and the DOM, typed as far as used here.
          interface Context {
            eventCount: number;
            getEventAt(i: number): { message: string };
          }
          interface Renderer {
            hostConfig: unknown;
            parse(json: unknown, context: Context): void;
            render(): unknown;
          }
          const page = globalThis as unknown as {
            AdaptiveCards: {
              AdaptiveCard: new () => Renderer;
              HostConfig: new (json: unknown) => unknown;
              SerializationContext: new () => Context;
            };
            document: { getElementById(id: string): { replaceChildren(el: unknown): void } | null };
          };
          const AC = page.AdaptiveCards;
          const ac = new AC.AdaptiveCard();
          ac.hostConfig = new AC.HostConfig(hostConfig);
          const context = new AC.SerializationContext();
          ac.parse(card, context);
          const el = ac.render();
          const host = page.document.getElementById('card');
          if (!host || !el) return ['render failed'];
          host.replaceChildren(el);
          const found: string[] = [];
          for (let i = 0; i < context.eventCount; i++) found.push(context.getEventAt(i).message);
          return found;
        },
        { card, hostConfig: HOST_CONFIG },
      );
      if (problems.length > 0) throw new Error(`${name}: ${problems.join('; ')}`);
      // What a reader sees after clicking Details.
      if (expand) await page.locator('#card').getByText('Details ▾').click();
      const box = await page.locator('#card').boundingBox();
      const file = join(out, `${name}.png`);
      await page.locator('#card').screenshot({ path: file });
      const text = await page.locator('#card').innerText();
      // Runs in the page; the DOM types are not in this project's lib, so the anchors are typed as used.
      const links: string[] = await page
        .locator('#card a[href]')
        .evaluateAll((anchors: unknown[]) =>
          (anchors as { getAttribute(name: string): string | null }[]).map(
            (a) => a.getAttribute('href') ?? '',
          ),
        );
      results.push({
        file,
        bytes: rendered.bytes,
        height: Math.round(box?.height ?? 0),
        dropped: rendered.dropped,
        text,
        links,
      });
    }
  } finally {
    await browser.close();
  }
  return results;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      out: { type: 'string', default: 'docs' },
      chromium: { type: 'string' },
    },
  });
  const examples: Parameters<typeof renderCardPngs>[0] = Object.fromEntries(
    Object.entries(EXAMPLES).map(([name, notification]) => [
      name,
      // The shortened example gets a smaller limit so the note shows; the others are as sent.
      {
        notification,
        silenceUrl: SILENCE_URL,
        ...(name.endsWith('shortened') ? { maxBytes: 8_400, expand: true } : {}),
      },
    ]),
  );
  examples['teams-card-details'] = {
    notification: EXAMPLES['teams-card-operation-failure'] as Notification,
    silenceUrl: SILENCE_URL,
    expand: true,
  };
  for (const r of await renderCardPngs(examples, values.out, values.chromium))
    console.log(
      `${r.file}  (${String(r.height)} px tall, ${String(r.bytes)} bytes${r.dropped.length ? `, left out: ${r.dropped.join(', ')}` : ''})`,
    );
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
