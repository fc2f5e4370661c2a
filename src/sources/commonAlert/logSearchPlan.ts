import type { CommonAlert } from './parseCommonAlert.js';
import type { Dimension } from './commonAlertSchema.js';

/** Where a log search alert's query runs: a workspace (by its GUID) or a resource (resource-centric rules). */
export type LogSearchTarget = { workspaceId: string } | { resourceId: string };

/** One query to run to get back the rows behind a log search alert. */
export interface LogSearchPlan {
  target: LogSearchTarget;
  query: string;
  window: { start: Date; end: Date };
  /** How the query was chosen: the alert's dimension-filtered link, its unfiltered link plus our own filter, or the rule's query. */
  from: 'filtered-link' | 'link' | 'search-query';
}

export type LogSearchPlanResult = { ok: true; plans: LogSearchPlan[] } | { ok: false; reason: string };

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

interface ParsedLink {
  target: LogSearchTarget;
  query?: string;
  timespan?: { start: Date; end: Date };
}

function parseTimespan(value: string | null): { start: Date; end: Date } | undefined {
  if (!value) return undefined;
  const [a, b] = value.split('/');
  if (!a || !b) return undefined;
  const start = Date.parse(a);
  const end = Date.parse(b);
  if (Number.isNaN(start) || Number.isNaN(end) || start >= end) return undefined;
  return { start: new Date(start), end: new Date(end) };
}

/**
 * Reads a Log Analytics query API link (`…/v1/workspaces/{id}/query?query=…&timespan=…` or the
 * resource-centric `…/v1/subscriptions/…/query?…`). Only the path and query string are used: the
 * request itself goes to the configured endpoint with our credential, never to a host named in
 * the payload.
 */
export function parseLogAnalyticsLink(link: string | null | undefined): ParsedLink | undefined {
  if (!link) return undefined;
  let url: URL;
  try {
    url = new URL(link);
  } catch {
    return undefined;
  }
  const path = decodeURIComponent(url.pathname);
  let target: LogSearchTarget | undefined;
  const ws = /^\/v1\/workspaces\/([^/]+)\/query\/?$/i.exec(path);
  if (ws?.[1]) {
    if (!GUID.test(ws[1])) return undefined;
    target = { workspaceId: ws[1] };
  } else {
    const res = /^\/v1(\/subscriptions\/.+)\/query\/?$/i.exec(path);
    if (res?.[1]) target = { resourceId: res[1] };
  }
  if (!target) return undefined;
  const parsed: ParsedLink = { target };
  const query = url.searchParams.get('query');
  if (query?.trim()) parsed.query = query;
  const timespan = parseTimespan(url.searchParams.get('timespan'));
  if (timespan) parsed.timespan = timespan;
  return parsed;
}

/** `| where` clauses that keep only the rows of one alert instance's dimension values. */
export function dimensionFilter(dimensions: readonly Dimension[], kqlString: (s: string) => string): string {
  return dimensions
    .map((d) => `\n| where tostring([${kqlString(d.name)}]) == ${kqlString(d.value)}`)
    .join('');
}

/** Parses a time; zone-less forms (the older payloads' '3/22/2019 1:36:31 PM') are UTC. */
function parseUtc(value: string | null | undefined): number {
  if (!value) return NaN;
  const v = value.trim();
  const hasZone = /(z|[+-]\d\d:?\d\d|utc|gmt)$/i.test(v);
  if (hasZone) return Date.parse(v);
  return Date.parse(/^\d{4}-\d\d-\d\d/.test(v) ? `${v}Z` : `${v} UTC`);
}

function windowOf(
  start: string | null | undefined,
  end: string | null | undefined,
  linkSpan: { start: Date; end: Date } | undefined,
): { start: Date; end: Date } | undefined {
  const s = parseUtc(start);
  const e = parseUtc(end);
  // A test action sends start == end; fall back to the link's timespan then.
  if (!Number.isNaN(s) && !Number.isNaN(e) && s < e) return { start: new Date(s), end: new Date(e) };
  return linkSpan;
}

/**
 * What to run to fetch a log search alert's rows: per criterion, the target from its query API link,
 * the dimension-filtered query from that link (else the rule's query with the dimensions applied by
 * us), over the alert's evaluation window.
 */
export function logSearchPlans(
  alert: Extract<CommonAlert, { type: 'log-search' | 'log-search-legacy' }>,
  kqlString: (s: string) => string,
): LogSearchPlanResult {
  const criteria =
    alert.type === 'log-search'
      ? alert.context.condition.allOf.map((c) => ({
          searchQuery: c.searchQuery,
          dimensions: c.dimensions ?? [],
          filtered: c.linkToFilteredSearchResultsAPI,
          unfiltered: c.linkToSearchResultsAPI,
          start: alert.context.condition.windowStartTime,
          end: alert.context.condition.windowEndTime,
        }))
      : [
          {
            searchQuery: alert.context.SearchQuery,
            dimensions: alert.context.Dimensions ?? [],
            filtered: alert.context.LinkToFilteredSearchResultsAPI,
            unfiltered: alert.context.LinkToSearchResultsAPI,
            start: alert.context.SearchIntervalStartTimeUtc,
            end: alert.context.SearchIntervalEndTimeUtc ?? alert.context.SearchIntervalEndtimeUtc,
          },
        ];
  const plans: LogSearchPlan[] = [];
  for (const c of criteria) {
    const filtered = parseLogAnalyticsLink(c.filtered);
    const unfiltered = parseLogAnalyticsLink(c.unfiltered);
    const link = filtered ?? unfiltered;
    if (!link) {
      const any = c.filtered ?? c.unfiltered;
      return {
        ok: false,
        reason: any
          ? 'the alert links to a query API this product does not call (only Log Analytics workspace and resource queries are supported)'
          : 'the alert carries no link to its query results',
      };
    }
    const window = windowOf(c.start, c.end, link.timespan);
    if (!window) return { ok: false, reason: 'the alert carries no usable evaluation window' };
    if (filtered?.query)
      plans.push({ target: filtered.target, query: filtered.query, window, from: 'filtered-link' });
    else if (unfiltered?.query)
      plans.push({
        target: unfiltered.target,
        query: unfiltered.query + dimensionFilter(c.dimensions, kqlString),
        window,
        from: 'link',
      });
    else
      plans.push({
        target: link.target,
        query: c.searchQuery + dimensionFilter(c.dimensions, kqlString),
        window,
        from: 'search-query',
      });
  }
  return { ok: true, plans };
}
