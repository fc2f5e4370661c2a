import { mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { computeDigest, signalSource, windowEndingAt } from '../digest/collectDigest.js';
import type { Digest } from '../model.js';
import { withLogsLinks } from '../digest/logsDeepLink.js';
import { toDigestHtml } from '../render/digest/toDigestHtml.js';
import { toDigestMarkdown } from '../render/digest/toDigestMarkdown.js';
import type { FailureSignal } from '../model.js';
import type { ContextPort } from '../ports.js';

/** What the digest command writes, and `run` for the sample fleet. */
export const DIGEST_FORMATS = ['md', 'json', 'html'] as const;
export type DigestFormat = (typeof DIGEST_FORMATS)[number];

const DAY_MS = 86_400_000;

export function renderDigest(format: DigestFormat, d: Digest): string {
  if (format === 'md') return toDigestMarkdown(d);
  if (format === 'html') return toDigestHtml(d);
  return `${JSON.stringify(d, null, 2)}\n`;
}

/** Writes digest.<format> for each format into `dir` (created); returns the paths written. */
export function writeDigestFiles(digest: Digest, dir: string, formats: readonly DigestFormat[]): string[] {
  mkdirSync(dir, { recursive: true });
  return formats.map((f) => {
    const path = resolve(dir, `digest.${f}`);
    writeFileSync(path, renderDigest(f, digest));
    return path;
  });
}

/**
 * Where the default window of signals read from a file ends: the UTC midnight after their latest
 * failure, so a file's last day is its window whenever it is read.
 */
export function dayAfterLatest(signals: readonly FailureSignal[], fallback = Date.now()): Date {
  let max: number | undefined;
  for (const s of signals) {
    const ms = Date.parse(s.occurredAt);
    if (!Number.isNaN(ms) && (max === undefined || ms > max)) max = ms;
  }
  return new Date(Math.floor((max ?? fallback) / DAY_MS) * DAY_MS + DAY_MS);
}

/**
 * The digest of signals in memory (the sample fleet, an exported file) over their last day, with
 * Log Analytics links, as the digest command writes it by default.
 */
export async function digestOfSignals(
  name: string,
  signals: readonly FailureSignal[],
  rowErrors: readonly string[],
  context?: ContextPort,
  productionClusters: readonly string[] = [],
): Promise<Digest> {
  const digest = await computeDigest({
    window: windowEndingAt(dayAfterLatest(signals), DAY_MS),
    sources: [signalSource(name, signals, rowErrors, context)],
    ...(productionClusters.length > 0 ? { productionClusters } : {}),
  });
  return withLogsLinks(digest);
}
