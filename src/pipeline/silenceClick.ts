import { SILENCE_MS, recordSilence, verifySilenceToken } from '../notify/silenceLinks.js';
import { silenceConfirmPage, silenceDonePage, silenceRefusedPage } from '../render/silencePage.js';
import type { KeyValueStore } from '../state/keyValueStore.js';

export interface SilenceClickDeps {
  store: KeyValueStore;
  /** The key silence links are signed with. */
  key: Buffer;
  now: () => Date;
}

export interface SilenceClick {
  method: string;
  /** The `t` of the link: from the query (the link as clicked) or the confirmation form. */
  token: string | undefined;
}

export interface SilenceAnswer {
  status: number;
  html: string;
  /** What to log: the fingerprint and the outcome, never the token (it is the capability). */
  log: { level: 'info' | 'warn'; message: string };
}

/**
 * A click on "Silence 4 h". Opening the link (GET) only checks it and asks; confirming (POST)
 * records the silence for the one fingerprint the token names. Every answer is logged.
 */
export async function handleSilenceClick(
  click: SilenceClick,
  deps: SilenceClickDeps,
): Promise<SilenceAnswer> {
  const now = deps.now();
  const check = verifySilenceToken(deps.key, click.token, now);
  if (!check.ok)
    return {
      status: check.reason === 'expired' ? 410 : 403,
      html: silenceRefusedPage(check.reason),
      log: { level: 'warn', message: `silence: link refused (${check.reason})` },
    };
  const { fingerprint, expiresAt } = check.claim;
  const linkExpires = new Date(expiresAt).toISOString();
  if (click.method.toUpperCase() !== 'POST') {
    const until = new Date(now.getTime() + SILENCE_MS).toISOString();
    return {
      status: 200,
      html: silenceConfirmPage(fingerprint, until, click.token ?? ''),
      log: {
        level: 'info',
        message: `silence: link for ${fingerprint} opened (link valid until ${linkExpires})`,
      },
    };
  }
  const until = await recordSilence(deps.store, fingerprint, now);
  return {
    status: 200,
    html: silenceDonePage(fingerprint, until),
    log: {
      level: 'info',
      message: `silence: ${fingerprint} silenced until ${until} from a notification link (link valid until ${linkExpires})`,
    },
  };
}
