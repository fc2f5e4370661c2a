import { esc } from './digest/toDigestHtml.js';

/**
 * The pages of the "Silence 4 h" link: a confirmation (the link itself changes nothing, so a link
 * scanner or a chat preview that fetches it silences nothing), the result, and a refusal. Small,
 * self-contained, no scripts; readable on a phone.
 */

const CSS = `body{font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;background:#f3f4f6;color:#111827}
main{max-width:520px;margin:0 auto;padding:24px 16px}section{background:#fff;border-radius:8px;padding:20px;box-shadow:0 1px 2px rgba(0,0,0,.08)}
h1{font-size:20px;margin:0 0 8px}code{font-size:13px;word-break:break-all}.muted{color:#6b7280;font-size:14px}
button{font:inherit;font-weight:600;padding:10px 18px;border:0;border-radius:6px;background:#b91c1c;color:#fff;cursor:pointer;margin-top:12px}`;

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${esc(title)}</title><style>${CSS}</style></head>
<body><main><section>${body}</section></main></body></html>
`;
}

const utc = (iso: string) => `${iso.slice(0, 16).replace('T', ' ')} UTC`;

/** Asks before silencing: the button posts the same link back. */
export function silenceConfirmPage(fingerprint: string, until: string, token: string): string {
  return page(
    'Silence this failure?',
    `<h1>Silence this failure for 4 hours?</h1>
<p>New notifications of this failure are held back until about <b>${esc(utc(until))}</b> and counted as silenced. Its resolve still goes out, so an incident opened for it still closes.</p>
<p class="muted">Failure fingerprint <code>${esc(fingerprint)}</code></p>
<form method="post"><input type="hidden" name="t" value="${esc(token)}"><button type="submit">Silence 4 h</button></form>`,
  );
}

export function silenceDonePage(fingerprint: string, until: string): string {
  return page(
    'Silenced',
    `<h1>Silenced until ${esc(utc(until))}</h1>
<p>New notifications of this failure are held back until then and counted as silenced in the digest. Nothing else is muted.</p>
<p class="muted">Failure fingerprint <code>${esc(fingerprint)}</code></p>`,
  );
}

export function silenceRefusedPage(reason: 'malformed' | 'bad signature' | 'expired'): string {
  const why =
    reason === 'expired'
      ? 'This link has expired (links work for 24 hours after the notification was sent). A newer notification of the same failure carries a fresh one.'
      : 'This link is not a valid silence link. Open it from the notification again, without changing it.';
  return page('Not silenced', `<h1>Not silenced</h1><p>${esc(why)}</p>`);
}
