import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildQuery } from '../../../src/sources/logAnalytics/queries.js';
import { createLogsQueryClient, queryLogs } from '../../../src/sources/logAnalytics/queryLogs.js';
import { FakeLogAnalytics, fakeCredential, sampleBody } from '../../support/fakeLogAnalytics.js';

const WS = '22222222-0000-4000-8000-000000000001';
const START = new Date('2026-11-20T10:00:00.000Z');
const END = new Date('2026-11-20T10:10:00.000Z');
const SPAN = { startTime: new Date('2026-11-18T10:00:00.000Z'), endTime: END };
const QUERY = buildQuery('nodeAutoRepair', START, END);

let fake: FakeLogAnalytics;
beforeAll(async () => {
  fake = await FakeLogAnalytics.start({ maxBytes: 2_000 });
  fake.workspace(WS);
});
afterAll(() => fake.close());

const noRetries = () => fake.client({ retryOptions: { maxRetries: 0 } });

describe('queryLogs', () => {
  it('puts the API version on the endpoint when it is missing, and keeps it when present', async () => {
    // The client sends to `${endpoint}/workspaces/...`: a wrong base would 404 on the fake.
    for (const endpoint of [fake.endpoint.replace(/\/v1$/, ''), fake.endpoint, `${fake.endpoint}/`]) {
      const client = createLogsQueryClient(endpoint, fakeCredential, { tlsOptions: { ca: fake.ca } });
      expect((await queryLogs(client, WS, QUERY, SPAN)).status).toBe('ok');
    }
  });

  it('reports a syntax error as a bad query naming the workspace', async () => {
    fake.script(WS, { status: 400, body: sampleBody('log-analytics-error-400-syntax.json') });
    expect(await queryLogs(noRetries(), WS, QUERY, SPAN)).toEqual({
      status: 'failed',
      kind: 'bad-query',
      httpStatus: 400,
      error: `Log Analytics workspace ${WS}: query rejected (400 BadArgumentError/SyntaxError: The request had some invalid properties / Syntax Error)`,
    });
  });

  it('tells a missing table from other semantic errors', async () => {
    fake.script(WS, { status: 400, body: sampleBody('log-analytics-error-400-semantic.json') });
    const r = await queryLogs(noRetries(), WS, QUERY, SPAN);
    // The sample names 'resource', which is a table or column the query used: reported as missing.
    expect(r).toMatchObject({ status: 'failed', kind: 'missing-table', table: 'resource' });
    fake.script(WS, {
      status: 400,
      body: {
        error: {
          code: 'BadArgumentError',
          message: 'The request had some invalid properties',
          innererror: {
            code: 'SemanticError',
            message: "'project' operator: Failed to resolve scalar expression named 'Nope'",
          },
        },
      },
    });
    expect(await queryLogs(noRetries(), WS, QUERY, SPAN)).toMatchObject({
      status: 'failed',
      kind: 'bad-query',
    });
  });

  it('names the role on 401 as on 403, and retries 5xx before giving up', async () => {
    fake.script(WS, { status: 401, body: sampleBody('log-analytics-error-401-no-auth.json') });
    const denied = await queryLogs(noRetries(), WS, QUERY, SPAN);
    expect(denied).toMatchObject({ kind: 'forbidden', httpStatus: 401 });
    expect(denied.status === 'failed' && denied.error).toMatch(/Log Analytics Data Reader/);
    const down = { status: 503, body: { error: { code: 'ServiceUnavailable', message: 'try later' } } };
    fake.script(WS, down, down);
    const waits: number[] = [];
    const r = await queryLogs(noRetries(), WS, QUERY, SPAN, {
      maxAttempts: 3,
      baseDelayMs: 5,
      sleep: (ms) => {
        waits.push(ms);
        return Promise.resolve();
      },
    });
    expect(r.status).toBe('ok');
    expect(waits).toHaveLength(2);
    expect(waits[1] ?? 0).toBeGreaterThan(waits[0] ?? Infinity);
  });

  it('honours Retry-After on 429 in its own retries', async () => {
    fake.script(WS, { status: 429, headers: { 'Retry-After': '7' } });
    const waits: number[] = [];
    const r = await queryLogs(noRetries(), WS, QUERY, SPAN, {
      sleep: (ms) => {
        waits.push(ms);
        return Promise.resolve();
      },
    });
    expect(r.status).toBe('ok');
    expect(waits).toEqual([7000]);
  });

  it('sees a size limit the client hides (details[].innererror) and flags the partial result', async () => {
    const rows = fake.workspace(WS).result('nodeAutoRepair');
    for (let i = 0; i < 20; i++)
      rows.add({
        ingestedAt: new Date(START.getTime() + i * 1000),
        row: { TimeGenerated: START.toISOString(), Reason: 'NodeRebootError', Message: 'x'.repeat(100) },
      });
    const r = await queryLogs(noRetries(), WS, QUERY, SPAN);
    expect(r.status).toBe('partial');
    if (r.status !== 'partial') return;
    expect(r.limitExceeded).toBe(true);
    expect(r.error).toMatch(/exceeded the internal data size limit 2000/);
    expect(r.tables[0]?.rows.length).toBeLessThan(20);
  });
});
