import { app } from '@azure/functions';
import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { theApp } from '../src/app/lazyApp.js';
import type { KeyValueStore } from '../src/state/keyValueStore.js';

/** Serves the latest stored digest report (self-contained HTML; the page itself forbids scripts). */
export function digestReportHandler(store: () => KeyValueStore | Promise<KeyValueStore>) {
  return async (_request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> => {
    const { readLatestReport } = await import('../src/digest/publishDigest.js');
    const report = await readLatestReport(await store());
    if (!report) {
      context.info('digest report: none stored yet');
      return { status: 404, jsonBody: { error: 'not-found', message: 'No digest has been produced yet.' } };
    }
    return {
      status: 200,
      headers: {
        'Content-Type': 'text/html; charset=utf-8',
        'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; img-src data:",
        'X-Content-Type-Options': 'nosniff',
        'Cache-Control': 'private, max-age=300',
        'Last-Modified': new Date(report.generatedAt).toUTCString(),
      },
      body: report.html,
    };
  };
}

app.http('digestReport', {
  methods: ['GET'],
  authLevel: 'function',
  handler: digestReportHandler(async () => (await theApp()).store()),
});
