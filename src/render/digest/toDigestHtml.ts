import { cleanText, safeUrl, truncate } from '../../text.js';
import type { Digest } from '../../model.js';
import {
  errorLabel,
  headline,
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

function a(label: string, url: string | undefined): string {
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

/** Failures per hour, stacked by category (the top 8 categories; the rest as 'other'). */
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
  const W = 760;
  const H = 220;
  const left = 40;
  const bottom = 30;
  const plotH = H - bottom - 10;
  const bw = (W - left - 10) / Math.max(1, hours.length);
  const bars: string[] = [];
  hours.forEach((hour, i) => {
    let y = H - bottom;
    shown.forEach((s, k) => {
      const v = s.counts[i] ?? 0;
      if (v === 0) return;
      const h = (v / max) * plotH;
      y -= h;
      bars.push(
        `<rect x="${(left + i * bw + 1).toFixed(1)}" y="${y.toFixed(1)}" width="${Math.max(1, bw - 2).toFixed(1)}" height="${h.toFixed(1)}" fill="${PALETTE[k % PALETTE.length] ?? '#888'}"><title>${esc(`${hour.slice(11, 16)} UTC ${s.category}: ${String(v)}`)}</title></rect>`,
      );
    });
  });
  const ticks: string[] = [];
  const step = Math.max(1, Math.ceil(hours.length / 12));
  hours.forEach((hour, i) => {
    if (i % step === 0)
      ticks.push(
        `<text x="${(left + i * bw + bw / 2).toFixed(1)}" y="${H - bottom + 16}" class="tick" text-anchor="middle">${esc(hour.slice(11, 13))}h</text>`,
      );
  });
  const legend = shown
    .map(
      (s, k) =>
        `<span class="key"><i style="background:${PALETTE[k % PALETTE.length] ?? '#888'}"></i>${esc(s.category)}</span>`,
    )
    .join('');
  return `<svg class="chart" data-chart="hourly" viewBox="0 0 ${W} ${H}" role="img" aria-label="Failures per hour by category">
<line x1="${left}" y1="${H - bottom}" x2="${W - 10}" y2="${H - bottom}" stroke="#9ca3af"/>
<text x="${left - 6}" y="14" class="tick" text-anchor="end">${max}</text><text x="${left - 6}" y="${H - bottom}" class="tick" text-anchor="end">0</text>
${bars.join('\n')}
${ticks.join('')}
</svg><div class="legend">${legend || '<span class="muted">No failures</span>'}</div>`;
}

/** Horizontal bars: label, value. */
function barChart(
  name: string,
  label: string,
  rows: { label: string; value: number; note?: string }[],
): string {
  if (rows.length === 0) return `<p class="muted">Nothing to chart.</p>`;
  const max = Math.max(1, ...rows.map((r) => r.value));
  const rowH = 24;
  const W = 760;
  const labelW = 300;
  const H = rows.length * rowH + 8;
  const items = rows
    .map((r, i) => {
      const w = ((W - labelW - 60) * r.value) / max;
      const y = i * rowH + 4;
      const text = truncate(r.label, 42);
      return `<text x="${labelW - 8}" y="${y + 15}" text-anchor="end" class="lbl">${esc(text)}<title>${esc(r.label)}</title></text><rect x="${labelW}" y="${y + 2}" width="${Math.max(2, w).toFixed(1)}" height="${rowH - 6}" fill="${PALETTE[0] ?? '#2563eb'}" rx="2"/><text x="${(labelW + Math.max(2, w) + 6).toFixed(1)}" y="${y + 15}" class="val">${String(r.value)}${r.note ? ` ${esc(r.note)}` : ''}</text>`;
    })
    .join('\n');
  return `<svg class="chart" data-chart="${esc(name)}" viewBox="0 0 ${W} ${H}" role="img" aria-label="${esc(label)}">${items}</svg>`;
}

const CSS = `body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;background:#f3f4f6;color:#111827}
main{max-width:980px;margin:0 auto;padding:24px}
header h1{margin:0 0 4px;font-size:24px}.muted{color:#6b7280}
section{background:#fff;border-radius:8px;padding:16px 20px;margin:16px 0;box-shadow:0 1px 2px rgba(0,0,0,.06)}
h2{font-size:18px;margin:0 0 12px}
.cards{display:grid;grid-template-columns:repeat(4,1fr);gap:12px}
.card{background:#fff;border-radius:8px;padding:12px 16px;box-shadow:0 1px 2px rgba(0,0,0,.06)}
.card b{display:block;font-size:26px}.card span{color:#6b7280;font-size:12px}
table{border-collapse:collapse;width:100%;font-size:13px}th,td{text-align:left;padding:6px 8px;border-bottom:1px solid #e5e7eb;vertical-align:top;overflow-wrap:anywhere}
th{font-weight:600;color:#374151;overflow-wrap:normal}td.n{text-align:right;white-space:nowrap}
.chart{width:100%;height:auto;display:block}.tick{font-size:11px;fill:#6b7280}.lbl{font-size:12px;fill:#111827}.val{font-size:12px;fill:#374151}
.legend{display:flex;flex-wrap:wrap;gap:12px;margin-top:6px;font-size:12px}.key i{display:inline-block;width:10px;height:10px;margin-right:4px;border-radius:2px}
.tag{display:inline-block;border-radius:10px;padding:0 8px;font-size:12px;background:#e5e7eb}.tag.new{background:#fee2e2;color:#991b1b}.tag.ended{background:#fee2e2;color:#991b1b}.tag.ending{background:#fef3c7;color:#92400e}
a{color:#1d4ed8}
#errors td:first-child{width:30%}#errors td:last-child{width:38%}#clusters td:first-child{width:24%}`;

/** The digest as one self-contained HTML page (inline CSS and SVG; no scripts, fonts or remote content). */
export function toDigestHtml(d: Digest): string {
  const t = d.totals;
  const errorsRows = d.errors
    .map(
      (
        e,
      ) => `<tr><td><b>${esc(errorLabel(e))}</b> ${e.isNew ? '<span class="tag new">new</span>' : ''}<br><span class="muted">${esc(e.title)}</span></td>
<td class="n">${String(e.count)}${e.isNew ? '' : `<br><span class="muted">${String(e.previousCount)} before</span>`}</td>
<td>${String(e.clusters)}: ${esc(e.clusterNames.join(', '))}</td>
<td class="n">${esc(e.firstSeen.slice(11, 16))}–${esc(e.lastSeen.slice(11, 16))}</td>
<td>${e.mitigation ? esc(e.mitigation) : '<span class="muted">No catalog guidance.</span>'}${e.docUrl ? ` ${a('Docs', e.docUrl)}` : ''}${e.logsUrl ? ` · ${a('Rows', e.logsUrl)}` : ''}</td></tr>`,
    )
    .join('\n');
  const clusterRows = d.clusters
    .map(
      (
        c,
      ) => `<tr><td><b>${a(c.name, c.logsUrl)}</b><br><span class="muted">${esc(c.resourceGroup)}</span></td>
<td class="n">${String(c.count)}<br><span class="muted">${String(c.previousCount)} before</span></td>
<td>${c.kubernetesVersion ? esc(c.kubernetesVersion) : '<span class="muted">unknown</span>'} ${c.support ? `<span class="tag ${c.support}">${supportText(c.support)}</span>` : ''}</td>
<td>${c.topErrors.map((e) => `${esc(errorLabel(e))} ×${String(e.count)}`).join('<br>')}</td>
<td>${c.nodePools.map((p) => `${esc(p.name)}: ${String(p.count)}${p.orchestratorVersion ? ` (${esc(p.orchestratorVersion)})` : ''}`).join('<br>') || '<span class="muted">–</span>'}</td></tr>`,
    )
    .join('\n');
  const r = d.autoRepair;
  const repeated = r.repeatedNodes
    .map(
      (n) =>
        `<tr><td>${esc(n.node)}</td><td>${esc(n.cluster)}</td><td class="n">${String(n.episodes)}</td><td class="n">${String(n.actions)}</td><td class="n">${String(n.failures)}</td></tr>`,
    )
    .join('\n');
  const unrec = d.unrecognised
    .map(
      (u) =>
        `<tr><td><code>${esc(u.code)}</code></td><td class="n">${String(u.count)}</td><td class="n">${String(u.clusters)}</td><td>${esc(u.example)}</td></tr>`,
    )
    .join('\n');
  const uncat = d.uncatalogued
    .map(
      (u) =>
        `<tr><td>${esc(uncataloguedLabel(u))}</td><td class="n">${String(u.count)}</td><td class="n">${String(u.clusters)}</td><td>${esc(u.example)}</td></tr>`,
    )
    .join('\n');
  const note = unmatchedNote(d);
  const delivery = d.delivery
    .map(
      (h) =>
        `<tr><td>${esc(h.receiver)}</td><td class="n">${String(h.delivered)}</td><td class="n">${String(h.retried)}</td><td class="n">${String(h.deadLettered)}</td><td class="n">${String(h.held)}</td><td class="n">${String(h.suppressed)}</td><td class="n">${String(h.silenced)}</td></tr>`,
    )
    .join('\n');
  const gaps = [...d.problems, ...d.truncated];
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>AKS failure digest ${esc(d.window.end.slice(0, 10))}</title>
<style>${CSS}</style></head>
<body><main>
<header><h1>AKS failure digest</h1><div class="muted">${esc(windowText(d))}${d.logsUrl ? ` · ${a('All rows in Log Analytics', d.logsUrl)}` : ''}</div><p><b>${esc(headline(d))}</b></p></header>
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
${d.errors.length > 0 ? `<table><thead><tr><th>Error</th><th>Count</th><th>Clusters</th><th>Seen (UTC)</th><th>Mitigation</th></tr></thead><tbody>${errorsRows}</tbody></table>` : `<p class="muted">${d.totals.failures > 0 ? 'No failure matched a catalog entry.' : 'No failures in this window.'}</p>`}
${note ? `<p class="muted">${esc(note)}</p>` : ''}
</section>
<section id="clusters"><h2>Clusters ranked</h2>
${barChart(
  'clusters',
  'Clusters ranked by failures',
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
<p>Actions started: reboot <b>${String(r.actions.reboot)}</b>, reimage <b>${String(r.actions.reimage)}</b>, redeploy <b>${String(r.actions.redeploy)}</b> · completed ${String(r.completed)} · failed <b>${String(r.failed)}</b>${r.logsUrl ? ` · ${a('Rows', r.logsUrl)}` : ''}</p>
${r.failedByError.length > 0 ? `<p>Failed repairs by error: ${r.failedByError.map((e) => `${esc(e.code)} ×${String(e.count)}`).join(', ')}</p>` : ''}
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
${gaps.length > 0 ? `<section id="gaps"><h2>Gaps</h2><ul>${gaps.map((g) => `<li>${esc(g)}</li>`).join('')}</ul></section>` : ''}
<footer class="muted">Generated ${esc(d.generatedAt)}${d.sources.length > 0 ? ` · Sources: ${esc(d.sources.join('; '))}` : ''}</footer>
</main></body></html>
`;
}
