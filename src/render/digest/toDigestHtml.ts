import { cleanText, safeUrl, truncate } from '../../text.js';
import type { Digest, Severity } from '../../model.js';
import {
  counted,
  errorLabel,
  headline,
  isQuiet,
  supportNotices,
  productionNote,
  supportText,
  trendText,
  uncataloguedLabel,
  unmatchedNote,
  windowText,
} from './digestText.js';

/** Untrusted text as HTML text or attribute content. */
export function esc(value: string): string {
  return cleanText(value).replace(
    /[&<>"'`]/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;', '`': '&#96;' })[c] ?? c,
  );
}

function link(label: string, url: string | undefined): string {
  const u = url ? safeUrl(url) : undefined;
  return u ? `<a href="${esc(u)}" rel="noopener noreferrer">${esc(label)}</a>` : esc(label);
}

const PALETTE = [
  '#2563eb',
  '#dc2626',
  '#d97706',
  '#059669',
  '#7c3aed',
  '#db2777',
  '#0891b2',
  '#65a30d',
  '#6b7280',
];

/**
 * An identifier that may wrap only between its words: CamelCase humps and after `/ . _ -`, never
 * inside a word ("Outbound‹›Connectivity‹›Not‹›Enabled‹›On‹›VMSS"). Escaped; safe as HTML.
 */
export function breakable(value: string): string {
  const clean = cleanText(value);
  if (clean.length > 2000) return esc(clean);
  return clean
    .split(/(?<=[/._-])|(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])/)
    .map((part) => esc(part))
    .join('<wbr>');
}

const pct = (v: number, max: number) => `${((100 * v) / Math.max(1, max)).toFixed(1)}%`;

/** Failures per hour, stacked by category (the top 8; the rest as 'other'), as columns that scale. */
function hourlyChart(d: Digest): string {
  const { hours, series } = d.hourly;
  const shown = series.slice(0, 8);
  const rest = series.slice(8);
  if (rest.length > 0)
    shown.push({
      category: 'other',
      counts: hours.map((_, i) => rest.reduce((s, r) => s + (r.counts[i] ?? 0), 0)),
    });
  const totals = hours.map((_, i) => shown.reduce((s, r) => s + (r.counts[i] ?? 0), 0));
  const max = Math.max(1, ...totals);
  const cols = hours
    .map((hour, i) => {
      const parts = shown
        .map((s, k) => {
          const v = s.counts[i] ?? 0;
          if (v === 0) return '';
          return `<i data-n="${String(v)}" title="${esc(`${hour.slice(11, 16)} UTC ${s.category}: ${String(v)}`)}" style="height:${pct(v, max)};background:${PALETTE[k % PALETTE.length] ?? '#888'}"></i>`;
        })
        .join('');
      return `<div class="col" title="${esc(`${hour.slice(11, 16)} UTC: ${String(totals[i] ?? 0)}`)}">${parts}</div>`;
    })
    .join('');
  const step = Math.max(1, Math.ceil(hours.length / 8));
  const ticks = hours
    .map((hour, i) => `<span>${i % step === 0 ? esc(`${hour.slice(11, 13)}h`) : ''}</span>`)
    .join('');
  const legend = shown
    .map(
      (s, k) =>
        `<span class="key"><i style="background:${PALETTE[k % PALETTE.length] ?? '#888'}"></i>${esc(s.category)}</span>`,
    )
    .join('');
  return `<div class="chart hours" data-chart="hourly" role="img" aria-label="Failures per hour by category">
<div class="ymax">${String(max)}</div><div class="cols">${cols}</div><div class="ticks">${ticks}</div>
</div><div class="legend">${legend || '<span class="muted">No failures</span>'}</div>`;
}

/** Horizontal bars: label, bar, value. On a phone the label takes its own line. */
function barChart(
  name: string,
  label: string,
  rows: { label: string; value: number; note?: string }[],
): string {
  if (rows.length === 0) return `<p class="muted">Nothing to chart.</p>`;
  const max = Math.max(1, ...rows.map((r) => r.value));
  const items = rows
    .map(
      (r) =>
        `<div class="bar"><span class="lbl">${breakable(truncate(r.label, 80))}</span><span class="track"><i style="width:${pct(r.value, max)}"></i></span><span class="val">${String(r.value)}${r.note ? ` ${esc(r.note)}` : ''}</span></div>`,
    )
    .join('\n');
  return `<div class="chart bars" data-chart="${esc(name)}" role="img" aria-label="${esc(label)}">${items}</div>`;
}

const CSS = `*{box-sizing:border-box}body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;background:#f3f4f6;color:#111827}
main{max-width:980px;margin:0 auto;padding:24px}
header h1{margin:0 0 4px;font-size:24px}.muted{color:#6b7280}
section{background:#fff;border-radius:8px;padding:16px 20px;margin:16px 0;box-shadow:0 1px 2px rgba(0,0,0,.06)}
h2{font-size:18px;margin:0 0 12px}h3{font-size:15px;margin:16px 0 8px}
.cards{display:grid;grid-template-columns:repeat(4,minmax(0,1fr));gap:12px}
.card{background:#fff;border-radius:8px;padding:12px 16px;box-shadow:0 1px 2px rgba(0,0,0,.06)}
.card b{display:block;font-size:26px}.card span{color:#6b7280;font-size:12px}
#first ol{margin:0;padding-left:22px}#first li{margin:0 0 10px}#first li:last-child{margin:0}
.quiet{font-size:18px;margin:0}.date{white-space:nowrap}
table{border-collapse:collapse;width:100%;font-size:13px}th,td{text-align:left;padding:6px 8px;border-bottom:1px solid #e5e7eb;vertical-align:top;overflow-wrap:break-word}
th{font-weight:600;color:#374151;overflow-wrap:normal}td.n{text-align:right;white-space:nowrap}
code,.code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12.5px;overflow-wrap:normal;word-break:normal}
.chart{width:100%}.legend{display:flex;flex-wrap:wrap;gap:4px 12px;margin-top:6px;font-size:12px}.key i{display:inline-block;width:10px;height:10px;margin-right:4px;border-radius:2px}
.hours{display:grid;grid-template-columns:auto 1fr;grid-template-rows:160px auto;column-gap:6px}
.ymax{font-size:11px;color:#6b7280;text-align:right}
.cols{display:flex;align-items:flex-end;gap:2px;height:160px;border-bottom:1px solid #9ca3af}
.col{flex:1 1 0;min-width:0;height:100%;display:flex;flex-direction:column-reverse}.col i{display:block;width:100%}
.ticks{grid-column:2;display:flex;gap:2px;font-size:11px;color:#6b7280}.ticks span{flex:1 1 0;min-width:0;white-space:nowrap;overflow:visible}
.bars{display:grid;grid-template-columns:minmax(0,38%) minmax(0,1fr) auto;gap:6px 10px;align-items:center;margin-bottom:12px}
.bar{display:contents}.lbl{text-align:right;font-size:12.5px}.track{height:16px;background:#f3f4f6;border-radius:2px}.track i{display:block;height:100%;background:#2563eb;border-radius:2px;min-width:2px}
.val{font-size:12px;color:#374151;white-space:nowrap}
.tag{display:inline-block;border-radius:10px;padding:0 8px;font-size:12px;background:#e5e7eb;white-space:nowrap}.tag.new{background:#fee2e2;color:#991b1b}.tag.ended{background:#fee2e2;color:#991b1b}.tag.ending{background:#fef3c7;color:#92400e}.tag.prod{background:#dbeafe;color:#1e3a8a}
.sev{display:inline-block;border-radius:4px;padding:0 6px;font-size:11px;font-weight:600;text-transform:uppercase;letter-spacing:.02em;white-space:nowrap}
.sev-critical{background:#7f1d1d;color:#fff}.sev-error{background:#fee2e2;color:#991b1b}.sev-warning{background:#fef3c7;color:#92400e}.sev-info{background:#e0f2fe;color:#075985}
a{color:#1d4ed8}
@media (min-width:641px){#errors td:first-child{width:28%}#errors td:last-child{width:38%}#clusters td:first-child{width:24%}}
@media (max-width:640px){main{padding:12px}header h1{font-size:21px}section{padding:12px 14px}.cards{grid-template-columns:repeat(2,minmax(0,1fr))}.card b{font-size:22px}
table,thead,tbody,tr,th,td{display:block}thead{display:none}tr{border-bottom:1px solid #e5e7eb;padding:8px 0}td{border:0;padding:2px 0}td.n{text-align:left}
td[data-label]::before{content:attr(data-label) ": ";color:#6b7280;font-weight:600}
.bars{grid-template-columns:minmax(0,1fr) auto;gap:2px 8px}.lbl{grid-column:1 / -1;text-align:left;margin-top:6px}}`;

function sev(s: Severity): string {
  return `<span class="sev sev-${s}">${esc(s)}</span>`;
}

/** The three things to do first: what, how bad, where, and how. */
function doFirstBlock(d: Digest): string {
  const actions = d.doFirst ?? [];
  if (actions.length === 0) return '';
  const items = actions
    .map((a) => {
      const where = `${counted(a.clusters, 'cluster')}${productionNote(a.productionClusters)}: ${esc(a.clusterNames.slice(0, 3).join(', '))}${a.clusterNames.length > 3 ? ' …' : ''}`;
      return `<li>${sev(a.severity)} <b class="code">${breakable(a.code)}</b> ×${String(a.count)} on ${where}<br>${esc(a.action)}${a.docUrl ? ` ${link('Guide', a.docUrl)}` : ''}</li>`;
    })
    .join('\n');
  return `<section id="first"><h2>Do these first</h2><ol>${items}</ol></section>`;
}

/** A cell; stacked on a phone, it is introduced by its column's name (the first one, the row's title, is not). */
function td(labelText: string, html: string, cls = ''): string {
  return `<td${labelText ? ` data-label="${esc(labelText)}"` : ''}${cls ? ` class="${cls}"` : ''}>${html}</td>`;
}

/** The digest as one self-contained HTML page (inline CSS; no scripts, fonts or remote content). */
export function toDigestHtml(d: Digest): string {
  const t = d.totals;
  const gaps = [...d.problems, ...d.truncated];
  const gapsSection =
    gaps.length > 0
      ? `<section id="gaps"><h2>Gaps</h2><ul>${gaps.map((g) => `<li>${esc(g)}</li>`).join('')}</ul></section>`
      : '';
  const footer = `<footer class="muted">Generated ${esc(d.generatedAt)}${d.sources.length > 0 ? ` · Sources: ${esc(d.sources.join('; '))}` : ''}</footer>`;
  const head = `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>AKS failure digest ${esc(d.window.start.slice(0, 10))}</title>
<style>${CSS}</style></head>
<body><main>
<header><h1>AKS failure digest <span class="date">${esc(d.window.start.slice(0, 10))}</span></h1><div class="muted">${esc(windowText(d))}${d.logsUrl ? ` · ${link('All rows in Log Analytics', d.logsUrl)}` : ''}</div>`;
  // A quiet window is one line; what could not be read is still said.
  const notices = supportNotices(d);
  const supportList =
    notices.length > 0 ? `<ul>${notices.map((n) => `<li>${esc(n)}</li>`).join('')}</ul>` : '';
  if (isQuiet(d))
    return `${head}</header>
<section id="quiet"><p class="quiet">All quiet: no AKS failures from ${esc(windowText(d))}.</p>${supportList}</section>
${gapsSection}
${footer}
</main></body></html>
`;

  const errorsRows = d.errors
    .map(
      (e) =>
        `<tr>${td('', `${sev(e.severity)} <b class="code">${breakable(errorLabel(e))}</b> ${e.isNew ? '<span class="tag new">new</span>' : ''}<br><span class="muted">${esc(e.title)}</span>`)}
${td('Count', `${String(e.count)}${e.isNew ? '' : ` <span class="muted">(${String(e.previousCount)} before)</span>`}`, 'n')}
${td('Clusters', `${String(e.clusters)}${productionNote(e.productionClusters)}: ${esc(e.clusterNames.join(', '))}`)}
${td('Seen (UTC)', `${esc(e.firstSeen.slice(11, 16))}–${esc(e.lastSeen.slice(11, 16))}`, 'n')}
${td('What to do', `${e.mitigation ? esc(e.mitigation) : '<span class="muted">No catalog guidance.</span>'}${e.docUrl ? ` ${link('Docs', e.docUrl)}` : ''}${e.logsUrl ? ` · ${link('Rows', e.logsUrl)}` : ''}`)}</tr>`,
    )
    .join('\n');
  const clusterRows = d.clusters
    .map(
      (c) =>
        `<tr>${td('', `<b>${link(c.name, c.logsUrl)}</b>${c.environment === 'production' ? ' <span class="tag prod">production</span>' : ''}<br><span class="muted">${esc(c.resourceGroup)}</span>`)}
${td('Failures', `${String(c.count)} <span class="muted">(${String(c.previousCount)} before)</span>`, 'n')}
${td('Kubernetes', `${c.kubernetesVersion ? esc(c.kubernetesVersion) : '<span class="muted">unknown</span>'} ${c.support ? `<span class="tag ${c.support}">${supportText(c.support)}</span>` : ''}`)}
${td('Top errors', c.topErrors.map((e) => `<span class="code">${breakable(errorLabel(e))}</span> ×${String(e.count)}`).join('<br>') || '<span class="muted">–</span>')}
${td('Node pools', c.nodePools.map((p) => `${esc(p.name)}: ${String(p.count)}${p.orchestratorVersion ? ` (${esc(p.orchestratorVersion)})` : ''}`).join('<br>') || '<span class="muted">–</span>')}</tr>`,
    )
    .join('\n');
  const r = d.autoRepair;
  const repeated = r.repeatedNodes
    .map(
      (n) =>
        `<tr>${td('', breakable(n.node))}${td('Cluster', esc(n.cluster))}${td('Episodes', String(n.episodes), 'n')}${td('Actions', String(n.actions), 'n')}${td('Failed', String(n.failures), 'n')}</tr>`,
    )
    .join('\n');
  const unrec = d.unrecognised
    .map(
      (u) =>
        `<tr>${td('', `<code>${breakable(u.code)}</code>`)}${td('Count', String(u.count), 'n')}${td('Clusters', String(u.clusters), 'n')}${td('Example', esc(u.example))}</tr>`,
    )
    .join('\n');
  const uncat = d.uncatalogued
    .map(
      (u) =>
        `<tr>${td('', esc(uncataloguedLabel(u)))}${td('Count', String(u.count), 'n')}${td('Clusters', String(u.clusters), 'n')}${td('Example', esc(u.example))}</tr>`,
    )
    .join('\n');
  const note = unmatchedNote(d);
  const delivery = d.delivery
    .map(
      (h) =>
        `<tr>${td('', `<b>${esc(h.receiver)}</b>`)}${td('Delivered', String(h.delivered), 'n')}${td('Retried', String(h.retried), 'n')}${td('Dead-lettered', String(h.deadLettered), 'n')}${td('Held', String(h.held), 'n')}${td('Suppressed', String(h.suppressed), 'n')}${td('Silenced', String(h.silenced), 'n')}</tr>`,
    )
    .join('\n');
  return `${head}<p><b>${esc(headline(d))}</b></p></header>
${doFirstBlock(d)}
<div class="cards" id="totals">
<div class="card"><b>${String(t.failures)}</b><span>failures · ${esc(trendText(d))}${t.info > 0 ? ` · ${String(t.info)} notice${t.info === 1 ? '' : 's'} not counted` : ''}</span></div>
<div class="card"><b>${String(t.clusters)}</b><span>clusters affected (${String(t.previous.clusters)} before) · ${String(t.nodes)} nodes</span></div>
<div class="card"><b>${String(t.newProblems)}</b><span>new problems · ${String(t.recurringProblems)} recurring</span></div>
<div class="card"><b>${String(t.bySeverity.critical + t.bySeverity.error)}</b><span>critical or error · ${String(t.bySeverity.warning)} warnings</span></div>
</div>
<section id="hourly"><h2>Failures per hour by category</h2>${hourlyChart(d)}</section>
<section id="errors"><h2>Top errors and what to do</h2>
${barChart(
  'errors',
  'Top errors',
  d.errors.map((e) => ({ label: errorLabel(e), value: e.count })),
)}
${d.errors.length > 0 ? `<table><thead><tr><th>Error</th><th>Count</th><th>Clusters</th><th>Seen (UTC)</th><th>What to do</th></tr></thead><tbody>${errorsRows}</tbody></table>` : `<p class="muted">No failure matched a catalog entry.</p>`}
${note ? `<p class="muted">${esc(note)}</p>` : ''}
</section>
<section id="clusters"><h2>Clusters ranked, production first</h2>
${barChart(
  'clusters',
  'Clusters ranked by failures, production first',
  d.clusters
    .filter((c) => c.count > 0)
    .map((c) => ({
      label: c.name,
      value: c.count,
      ...(c.support ? { note: `(${supportText(c.support)})` } : {}),
    })),
)}
${d.clusters.length > 0 ? `<table><thead><tr><th>Cluster</th><th>Failures</th><th>Kubernetes</th><th>Top errors</th><th>Node pools</th></tr></thead><tbody>${clusterRows}</tbody></table>` : ''}
</section>
<section id="auto-repair"><h2>Node auto-repair</h2>
<p>Actions started: reboot <b>${String(r.actions.reboot)}</b>, reimage <b>${String(r.actions.reimage)}</b>, redeploy <b>${String(r.actions.redeploy)}</b> · completed ${String(r.completed)} · failed <b>${String(r.failed)}</b>${r.logsUrl ? ` · ${link('Rows', r.logsUrl)}` : ''}</p>
${r.failedByError.length > 0 ? `<p>Failed repairs by error: ${r.failedByError.map((e) => `<span class="code">${breakable(e.code)}</span> ×${String(e.count)}`).join(', ')}</p>` : ''}
${repeated ? `<h3>Nodes repaired repeatedly (candidates to replace)</h3><table><thead><tr><th>Node</th><th>Cluster</th><th>Episodes</th><th>Actions</th><th>Failed</th></tr></thead><tbody>${repeated}</tbody></table>` : '<p class="muted">No node was repaired repeatedly.</p>'}
</section>
<section id="unrecognised"><h2>What the catalog is missing</h2>
<h3>Error codes it does not know</h3>
${unrec ? `<table><thead><tr><th>Code</th><th>Count</th><th>Clusters</th><th>Example</th></tr></thead><tbody>${unrec}</tbody></table>` : '<p class="muted">None: the catalog knew every code.</p>'}
<h3>Failures without a code that no entry matched</h3>
${uncat ? `<table><thead><tr><th>What</th><th>Count</th><th>Clusters</th><th>Example</th></tr></thead><tbody>${uncat}</tbody></table>` : '<p class="muted">None.</p>'}
</section>
<section id="delivery"><h2>Delivery health</h2>
${delivery ? `<table><thead><tr><th>Receiver</th><th>Delivered</th><th>Retried</th><th>Dead-lettered</th><th>Held</th><th>Suppressed</th><th>Silenced</th></tr></thead><tbody>${delivery}</tbody></table>` : '<p class="muted">No deliveries recorded in this window.</p>'}
</section>
${gapsSection}
${footer}
</main></body></html>
`;
}
