import { app } from '@azure/functions';
import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { readLatestReport } from '../src/digest/publishDigest.js';
import { stateStoreFromSettings } from '../src/app/runtime.js';
import type { KeyValueStore } from '../src/state/keyValueStore.js';

/** Serves the latest stored digest report (self-contained HTML; the page itself forbids scripts). */
export function digestReportHandler(store: () => KeyValueStore) {
  return async (_request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> => {
    const report = await readLatestReport(store());
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
  handler: digestReportHandler(() => stateStoreFromSettings(process.env)),
});
