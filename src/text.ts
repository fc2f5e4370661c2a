/**
 * Untrusted text (event messages, names, labels, tags) made safe to show in any sink: no control
 * characters, no bidirectional overrides that reorder what a reader sees, no invisible characters
 * that hide text, no lone surrogates that some receivers reject, and a bounded length.
 */

// C0 controls except tab and newline, DEL and C1 controls.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROLS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;
// Bidirectional embeddings, overrides, isolates and marks (Trojan Source style reordering).
const BIDI = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
// Zero-width and invisible formatting characters that can hide or split words (ZWJ is kept: emoji).
const INVISIBLE = /[\u200b\u2060-\u2064\ufeff\u00ad]/g;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** Removes characters that hide or reorder text; tabs become spaces; CRLF/CR become LF. */
export function cleanText(value: string): string {
  return wellFormed(
    value
      .replace(/\r\n?/g, '\n')
      .replace(/\t/g, ' ')
      .replace(CONTROLS, '')
      .replace(BIDI, '')
      .replace(INVISIBLE, ''),
  );
}

/** cleanText on one line: newlines and runs of whitespace become single spaces. */
export function cleanLine(value: string): string {
  return cleanText(value).replace(/\s+/g, ' ').trim();
}

/**
 * Shortens to at most `max` UTF-16 code units, never splitting a surrogate pair, marking the cut
 * with an ellipsis.
 */
export function truncate(value: string, max: number): string {
  if (value.length <= max) return value;
  if (max <= 1) return max === 1 ? '…' : '';
  let end = max - 1;
  const last = value.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end--;
  return `${value.slice(0, end).trimEnd()}…`;
}

/**
 * The start of `value` that can still hold `max` characters once cleaned: cleaning only removes
 * or collapses, so a few times `max` is plenty, and a 100 KB message is not cleaned in full just to
 * show its first line.
 */
function head(value: string, max: number): string {
  const limit = max * 4 + 64;
  if (value.length <= limit) return value;
  const code = value.charCodeAt(limit - 1);
  return value.slice(0, code >= 0xd800 && code <= 0xdbff ? limit - 1 : limit);
}

/** cleanText, trimmed and capped at `max` characters. */
export function clipText(value: string, max: number): string {
  return truncate(cleanText(head(value, max)).trim(), max);
}

/** cleanLine capped at `max` characters. */
export function clipLine(value: string, max: number): string {
  return truncate(cleanLine(head(value, max)), max);
}

/** Bytes of the UTF-8 encoding (what a receiver's size limit counts). */
export function utf8Bytes(value: string): number {
  return Buffer.byteLength(value, 'utf8');
}

/** A link target a sink may show: https (or http to a loopback host for local runs), no credentials. */
export function safeUrl(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return undefined;
  }
  const loopback = url.hostname === 'localhost' || url.hostname === '127.0.0.1' || url.hostname === '[::1]';
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) return undefined;
  if (url.username || url.password) return undefined;
  return url.href;
}

/**
 * The text with each lone UTF-16 surrogate (half of a pair, cut off or forged) replaced by U+FFFD:
 * what encodeURIComponent, UTF-8 encoders and most services accept. Linear.
 */
export function wellFormed(value: string): string {
  return value.replace(LONE_SURROGATE, '\ufffd');
}

/** Hosts a payload's own link may point at unless LINK_HOST_ALLOW_LIST says otherwise. */
export const DEFAULT_LINK_HOSTS: readonly string[] = ['portal.azure.com', 'learn.microsoft.com'];

/**
 * Whether a link taken from a payload may be shown: https, no credentials, no port, and a host on the
 * allow-list (`*.example.com` allows subdomains). Anyone who can post an alert chooses this link, and a
 * reader trusts a button in a paging message.
 */
export function allowedLink(value: string, hosts: readonly string[] = DEFAULT_LINK_HOSTS): boolean {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  if (url.protocol !== 'https:' || url.username || url.password || url.port) return false;
  const host = url.hostname.toLowerCase();
  return hosts.some((h) => {
    const allowed = h.trim().toLowerCase();
    return allowed.startsWith('*.') ? host.endsWith(allowed.slice(1)) : host === allowed;
  });
}

/** A case-insensitive glob: `*` any run of characters, `?` one character; nothing else is special. */
function globToRegExp(pattern: string): RegExp {
  const body = pattern
    .split('')
    .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[\\^$.|+()[\]{}]/g, '\\$&')))
    .join('');
  return new RegExp(`^${body}$`, 'is');
}

const globCache = new Map<string, RegExp>();

/** Whether `value` matches the glob `pattern` (globToRegExp), each pattern compiled once (cache bounded). */
export function globMatches(pattern: string, value: string): boolean {
  let re = globCache.get(pattern);
  if (!re) {
    re = globToRegExp(pattern);
    if (globCache.size > 1000) globCache.clear();
    globCache.set(pattern, re);
  }
  return re.test(value);
}
