/**
 * Secrets out of any text a person or a log will see: receiver replies, network errors, stored
 * delivery errors. Redaction is by structure, before any truncation, so a secret cannot survive by
 * being cut in half, re-encoded or quoted in JSON.
 *
 * - What a receiver is known to hold: its whole URL, every query value and every long or
 *   id-like path segment of it, its signing secret or routing key; each raw, percent-decoded,
 *   percent-encoded and JSON-escaped.
 * - What any text may hold: in every URL, every query value and every long or id-like path
 *   segment; `key=value` and `"key": "value"` pairs whose key names a credential; Slack tokens.
 */

export const REDACTED = '<redacted>';

/** Where a receiver's credentials are: its URL and its signing secret or routing key. */
export interface SecretHolder {
  url?: string;
  secret?: string;
}

/** A path segment that may be a credential: long, or id-like (letters and digits mixed). */
function secretSegment(segment: string): boolean {
  if (segment.length >= 16) return true;
  return segment.length >= 8 && /\d/.test(segment) && /[A-Za-z]/.test(segment);
}

function decoded(value: string): string {
  try {
    return decodeURIComponent(value.replace(/\+/g, ' '));
  } catch {
    return value;
  }
}

/** The spellings a value can take in a reply or an error: raw, decoded, encoded, JSON-escaped. */
function spellings(value: string): string[] {
  const plain = decoded(value);
  const out = new Set([
    value,
    plain,
    encodeURIComponent(plain),
    encodeURIComponent(plain).replace(/%20/g, '+'),
  ]);
  for (const v of [...out]) {
    out.add(JSON.stringify(v).slice(1, -1));
    out.add(v.replace(/\//g, '\\/'));
  }
  return [...out];
}

/** Every string that gives away a receiver's credentials, longest first. */
export function secretsOf(holder: SecretHolder): string[] {
  const parts: string[] = [];
  if (holder.secret) {
    parts.push(holder.secret);
    if (holder.secret.startsWith('whsec_')) parts.push(holder.secret.slice('whsec_'.length));
  }
  if (holder.url) {
    parts.push(holder.url);
    try {
      const u = new URL(holder.url);
      // The path as a whole too: a credential can be spread over short segments.
      parts.push(u.pathname + u.search, u.pathname);
      if (u.search.length > 1) parts.push(u.search.slice(1));
      for (const [, v] of u.searchParams) parts.push(v);
      for (const raw of u.search.slice(1).split('&')) {
        const v = raw.slice(raw.indexOf('=') + 1);
        if (raw.includes('=')) parts.push(v);
      }
      for (const seg of u.pathname.split('/')) if (secretSegment(decoded(seg))) parts.push(seg);
      if (u.username) parts.push(u.username);
      if (u.password) parts.push(u.password);
    } catch {
      // Not a URL: the whole string is covered above.
    }
  }
  // Short values (an `sv=1.0`, a `p=1`) are no secret and would blank out ordinary words.
  const all = new Set(parts.flatMap(spellings).filter((s) => s.length >= 6));
  return [...all].sort((a, b) => b.length - a.length);
}

/** Key names whose values are credentials wherever they appear. */
const CREDENTIAL_KEY =
  'sig|signature|key|apikey|api_key|api-key|token|access_token|refresh_token|id_token|secret|client_secret|password|pwd|routing_key|integration_key|integrationkey|x-functions-key';

// `key=value`, also percent-encoded (`%3Fsig%3Dvalue%26…`), as it appears in an echoed URL or query.
const KEY_VALUE = new RegExp(
  `((?:^|[?&;,\\s"'{]|%3F|%26)(?:${CREDENTIAL_KEY})(?:=|%3D))((?:(?!%26)[^&\\s"'<>;,])+)`,
  'gi',
);
const JSON_PAIR = new RegExp(`("(?:${CREDENTIAL_KEY})"\\s*:\\s*")((?:[^"\\\\]|\\\\.)*)(")`, 'gi');
const SLACK_TOKEN = /\bxox[abposr]-[A-Za-z0-9-]{8,}/g;
const URL_TEXT = /\bhttps?:(?:\/|\\\/){2}(?:[^\s"'<>()\\]|\\\/)+/gi;

/** A URL found in text with its query values and credential-like path segments blanked out. */
function redactUrl(url: string): string {
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  const query = q < 0 ? '' : url.slice(q + 1);
  const [scheme = '', rest = ''] = path.split(/(?<=:\/\/)/);
  const [host = '', ...segments] = rest.split('/');
  const cleanHost = host.includes('@') ? `${REDACTED}@${host.slice(host.lastIndexOf('@') + 1)}` : host;
  const cleanPath = segments.map((s) => (secretSegment(decoded(s)) ? REDACTED : s));
  const cleanQuery = query
    ? `?${query
        .split('&')
        .map((p) => (p.includes('=') ? `${p.slice(0, p.indexOf('=') + 1)}${REDACTED}` : p))
        .join('&')}`
    : '';
  return `${scheme}${[cleanHost, ...cleanPath].join('/')}${cleanQuery}`;
}

/** Credential shapes any text may hold, blanked out whoever they belong to. */
export function redactStructure(text: string): string {
  return text
    .replace(URL_TEXT, (u) => redactUrl(u.replace(/\\\//g, '/')))
    .replace(KEY_VALUE, (_m, head: string) => `${head}${REDACTED}`)
    .replace(JSON_PAIR, (_m, head: string, _v: string, tail: string) => `${head}${REDACTED}${tail}`)
    .replace(SLACK_TOKEN, REDACTED);
}

const known = new WeakMap<SecretHolder, { url?: string; secret?: string; all: string[] }>();
/** `secretsOf`, worked out once per holder (a receiver's are asked for on every reply). */
function secretsFor(holder: SecretHolder): string[] {
  const k = known.get(holder);
  if (k && k.url === holder.url && k.secret === holder.secret) return k.all;
  const all = secretsOf(holder);
  known.set(holder, {
    ...(holder.url !== undefined ? { url: holder.url } : {}),
    ...(holder.secret !== undefined ? { secret: holder.secret } : {}),
    all,
  });
  return all;
}

/**
 * Text with the credentials of the given holders (receivers) and every credential shape removed.
 * Run it on the whole text, then shorten.
 */
export function redact(text: string, holders: readonly (SecretHolder | undefined)[] = []): string {
  let out = text;
  for (const holder of holders) {
    if (!holder) continue;
    for (const s of secretsFor(holder)) if (out.includes(s)) out = out.split(s).join(REDACTED);
  }
  return redactStructure(out);
}
