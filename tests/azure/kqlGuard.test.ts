import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CALLOUT_PLUGINS, checkAlertQuery, CROSS_SCOPE, MAX_QUERY_LENGTH } from '../../src/azure/kqlGuard.js';
import { packageRoot } from '../../src/assets.js';
import { kqlShape } from '../infra/kql.js';

const ROOT = packageRoot();

/** Every function the guard refuses, a cross-scope reader or a call-out plugin. */
const REFUSED_CALLS = new Set([...CROSS_SCOPE, ...CALLOUT_PLUGINS]);

/** The verdict Kusto's parser supports: lets, then one expression statement, no call outside the scope. */
function oracle(query: string): boolean | undefined {
  const shape = kqlShape(query);
  if (!shape.parses) return undefined;
  const { statements, calls } = shape;
  const lets = statements.slice(0, -1).every((s) => s === 'LetStatement');
  const last = statements[statements.length - 1] === 'ExpressionStatement';
  return lets && last && !calls.some((c) => REFUSED_CALLS.has(c.toLowerCase()));
}

describe('checkAlertQuery', () => {
  it("accepts the product's own queries and the example rule's", () => {
    const files = [
      ...readdirSync(join(ROOT, 'src/sources/kql')).map((f) => join(ROOT, 'src/sources/kql', f)),
      ...readdirSync(join(ROOT, 'src/digest/kql')).map((f) => join(ROOT, 'src/digest/kql', f)),
      join(ROOT, 'infra/monitor/queries/node-auto-repair-errors.kql'),
    ];
    for (const f of files) expect(checkAlertQuery(readFileSync(f, 'utf8')), f).toEqual({ ok: true });
  });

  it.each([
    ["union workspace('00000000-0000-0000-0000-000000000000').ContainerLog", /workspace\(\)/],
    ["['workspace']('other').KubeEvents | take 1", /workspace\(\)/],
    ["KubeEvents | union app ('fabrikam').requests", /app\(\)/],
    ["cluster\n('help').database('Samples').StormEvents", /cluster\(\)/],
    ["resource('/subscriptions/x/resourcegroups/y').ContainerLogV2", /resource\(\)/],
    ["adx('https://help.kusto.windows.net/Samples').StormEvents", /adx\(\)/],
    ["arg('').Resources | where type =~ 'microsoft.keyvault/vaults'", /arg\(\)/],
    ["externaldata (x:string) [ 'https://example.com/data.csv' ]", /externaldata\(\)/],
    ["print 1 | evaluate http_request('https://example.com')", /calls out/],
    ['ContainerLog | take 1; ContainerLog | where LogEntry has "password"', /2 statements/],
    ['set truncationmaxrecords = 1; ContainerLog', /2 statements/],
    ['let x = 1;', /no query statement/],
    ['ContainerLog | take 1; let x = 1', /no query statement/],
    ['declare query_parameters(a:string); T', /2 statements/],
    ["ContainerLog | where x == 'unterminated", /unterminated string/],
    ['ContainerLog | where (x == 1', /unbalanced/],
    ['', /empty/],
    ['// only a comment', /empty/],
  ])('refuses %j', (query, reason) => {
    const got = checkAlertQuery(query);
    expect(got.ok).toBe(false);
    if (!got.ok) expect(got.reason).toMatch(reason);
  });

  it.each([
    "KubeEvents | where Message has 'workspace(' // cluster('x')",
    'KubeEvents | where Message == "a; b" | take 5;',
    "let app_name = 'a;b'; requests | where name == app_name",
    'let f = (a:int) { let b = a; b * 2 }; print f(2)',
    "print h'secret;', @'it''s; fine', ```multi;\nline```",
    'ContainerLogV2 | extend WorkspaceName = tostring(PodName) | where ClusterName == "prod"',
  ])('accepts %j', (query) => {
    expect(checkAlertQuery(query)).toEqual({ ok: true });
    expect(oracle(query)).toBe(true);
  });

  it('refuses a query longer than the limit without reading it', () => {
    expect(checkAlertQuery(`T | where x == '${'a'.repeat(MAX_QUERY_LENGTH)}'`).ok).toBe(false);
  });

  it("agrees with Kusto's parser on every query it parses", () => {
    const lets = fc.constantFrom(
      'let v = 1; ',
      'let w = (a:string) { let b = a; b }; ',
      "let s = 'x;y'; ",
      "let t = workspace('w').T; ",
      'set notruncation; ',
      '',
    );
    const sources = fc.constantFrom(
      'T',
      "workspace('w').T",
      "['workspace']('w').T",
      "app ('a').requests",
      'database("d").T',
      "cluster('c').database('d').T",
      'print s = "workspace(\'x\')"',
      "print s = ```m;\nworkspace('y')```",
      "union T, (U | where k == ';')",
      'T // note; workspace("x")\n',
    );
    const ops = fc.constantFrom(
      ' | where x == 1',
      ' | take 5',
      " | where s == 'a;b'",
      ' | where s == "c;d"',
      " | where s == @'e''f;'",
      " | where s == h'g;'",
      ' | evaluate http_request("https://x")',
      ' | extend z = dynamic({"a": 1})',
      ' // note; cluster("x")\n',
    );
    const tails = fc.constantFrom('', ';', '; ', '; T', '; let late = 1', ';;');
    const query = fc
      .tuple(fc.array(lets, { maxLength: 2 }), sources, fc.array(ops, { maxLength: 3 }), tails)
      .map(([l, src, o, tail]) => `${l.join('')}${src}${o.join('')}${tail}`);
    const compared = { refused: 0, accepted: 0 };
    fc.assert(
      fc.property(query, (q) => {
        const expected = oracle(q);
        if (expected === undefined) return;
        expect(checkAlertQuery(q).ok, q).toBe(expected);
        compared[expected ? 'accepted' : 'refused']++;
      }),
      { numRuns: 500 },
    );
    // The comparison must have covered both verdicts, not only queries the parser rejects.
    expect(compared.accepted).toBeGreaterThan(50);
    expect(compared.refused).toBeGreaterThan(50);
  });

  it('refuses hostile text (deep brackets, runs of quotes and slashes) in one pass', () => {
    // Deep brackets, long runs of quotes and slashes: one pass each, no backtracking.
    for (const hostile of ['('.repeat(50_000), "'\\".repeat(30_000), '/'.repeat(60_000), "['".repeat(30_000)])
      expect(checkAlertQuery(hostile).ok).toBe(false);
  });
});
