import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { redact, REDACTED, redactStructure, secretsOf } from '../src/redact.js';

const TEAMS =
  'https://prod-12.westeurope.logic.azure.com:443/workflows/0f1e2d3c4b5a69788796a5b4c3d2e1f0/triggers/manual/paths/invoke?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=Qk9HVVNzaWduYXR1cmUtb2YtdGhlLWZsb3ctMDEyMzQ1Ng';

describe('secretsOf', () => {
  it("lists a receiver's URL, query values and id-like path segments, and its secret, in every spelling", () => {
    const secrets = secretsOf({ url: TEAMS, secret: 'whsec_c2VjcmV0LXNpZ25pbmcta2V5' });
    expect(secrets).toEqual(
      expect.arrayContaining([
        TEAMS,
        'Qk9HVVNzaWduYXR1cmUtb2YtdGhlLWZsb3ctMDEyMzQ1Ng',
        '0f1e2d3c4b5a69788796a5b4c3d2e1f0',
        '/triggers/manual/run',
        '%2Ftriggers%2Fmanual%2Frun',
        'c2VjcmV0LXNpZ25pbmcta2V5',
      ]),
    );
    // Words of the path are no secret, and short values would blank out ordinary text.
    expect(secrets).not.toContain('workflows');
    expect(secrets).not.toContain('1.0');
    // Longest first, so a secret is never half-replaced by a shorter one inside it.
    expect([...secrets].sort((a, b) => b.length - a.length)).toEqual(secrets);
  });
});

describe('redactStructure', () => {
  it.each([
    ['a URL query', `see ${TEAMS} now`, /sig=<redacted>/],
    ['a JSON-escaped URL', `"${TEAMS.replace(/\//g, '\\/')}"`, /sig=<redacted>/],
    [
      'an id-like path segment',
      'https://hooks.slack.com/services/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',
      /services\/<redacted>\/<redacted>\/<redacted>$/,
    ],
    ['a key=value pair', 'auth failed: token=abc.def.ghi; retry', /token=<redacted>;/],
    ['a percent-encoded pair', 'next=%3Fsig%3DAbCdEf0123%26sv%3D1', /sig%3D<redacted>%26/],
    [
      'a JSON credential',
      '{"routing_key":"R0UT1NGKEY0000","status":"invalid"}',
      /"routing_key":"<redacted>"/,
    ],
    ['user info in a URL', 'https://user:hunter2@example.com/x', /https:\/\/<redacted>@example\.com/],
    ['a Slack token', 'xoxb-123456789012-abcdefghijkl', /^<redacted>$/],
  ])('blanks out %s', (_label, text, expected) => {
    expect(redactStructure(text)).toMatch(expected);
  });

  it('leaves ordinary error text as it is', () => {
    const text =
      'HTTP 400: {"error":{"code":"InvalidRequestContent","message":"The request content was invalid"}}';
    expect(redactStructure(text)).toBe(text);
  });

  it('takes one pass over hostile text (runs of slashes, quotes, equals signs)', () => {
    for (const hostile of [
      'https://'.repeat(20_000),
      '/'.repeat(100_000),
      'key='.repeat(30_000),
      '"key":"'.repeat(20_000),
    ])
      expect(typeof redactStructure(hostile)).toBe('string');
  });
});

describe('redact', () => {
  it('never leaves a known secret, wherever it sits in the text', () => {
    const receiver = { url: TEAMS, secret: 'R0UT1NGKEY0123456789abcdef' };
    const secrets = ['Qk9HVVNzaWduYXR1cmUtb2YtdGhlLWZsb3ctMDEyMzQ1Ng', 'R0UT1NGKEY0123456789abcdef'];
    fc.assert(
      fc.property(fc.string(), fc.constantFrom(...secrets), fc.string(), (before, secret, after) => {
        const out = redact(`${before}${secret}${after}`, [receiver]);
        expect(out).not.toContain(secret);
        expect(out).toContain(REDACTED);
      }),
    );
  });
});
