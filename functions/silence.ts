import { app } from '@azure/functions';
import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { theApp } from '../src/app/lazyApp.js';
import type { SilenceClickDeps } from '../src/pipeline/silenceClick.js';
import { readBoundedBody } from '../src/boundedBody.js';

const MAX_FORM_BYTES = 2048;

const HEADERS = {
  'Content-Type': 'text/html; charset=utf-8',
  'Content-Security-Policy':
    "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Cache-Control': 'no-store',
  'Referrer-Policy': 'no-referrer',
};

/** A form post carries the token in its body; anything larger than a token form is not one (and is not read). */
async function tokenOf(request: HttpRequest): Promise<string | undefined> {
  if (request.method.toUpperCase() === 'POST') {
    const body = await readBoundedBody(request, MAX_FORM_BYTES);
    const posted = body.ok ? new URLSearchParams(body.text).get('t') : undefined;
    if (posted) return posted;
  }
  return request.query.get('t') ?? undefined;
}

/**
 * "Silence 4 h" on a card: anonymous, because the signed token in the link is the credential (no
 * function key in a URL that sits in a chat channel). Opening the link asks; confirming silences.
 */
export function silenceHandler(deps: () => SilenceClickDeps | Promise<SilenceClickDeps>) {
  return async (request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> => {
    let resolved: SilenceClickDeps;
    try {
      resolved = await deps();
    } catch (err) {
      context.error(`silence: not configured: ${err instanceof Error ? err.message : 'unknown error'}`);
      return {
        status: 503,
        headers: { ...HEADERS, 'Retry-After': '60' },
        body: 'Not available; try again shortly.',
      };
    }
    const { handleSilenceClick } = await import('../src/pipeline/silenceClick.js');
    const answer = await handleSilenceClick(
      { method: request.method, token: await tokenOf(request) },
      resolved,
    );
    if (answer.log.level === 'warn') context.warn(answer.log.message);
    else context.info(answer.log.message);
    return { status: answer.status, headers: HEADERS, body: answer.html };
  };
}

app.http('silence', {
  methods: ['GET', 'POST'],
  authLevel: 'anonymous',
  handler: silenceHandler(async () => (await theApp()).silenceDeps()),
});
