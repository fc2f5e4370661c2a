import { cleanLine, safeUrl } from '../../text.js';
import type { Digest } from '../../model.js';
import {
  counted,
  errorLabel,
  headline,
  isQuiet,
  supportNotices,
  productionNote,
  supportText,
  uncataloguedLabel,
  unmatchedNote,
  windowText,
} from './digestText.js';

/** Untrusted text in Markdown: one line, with every character Markdown could act on escaped. */
export function md(value: string): string {
  // Only the characters that start inline markup mid-line; values never start a line.
  return cleanLine(value).replace(/[\\`*_[\]|<>~&]/g, (c) => `\\${c}`);
}

function link(label: string, url: string | undefined): string {
  const u = url ? safeUrl(url) : undefined;
  return u ? `[${md(label)}](<${u.replace(/[<>\s]/g, encodeURIComponent)}>)` : md(label);
}

/** The digest as GitHub-flavoured Markdown. */
export function toDigestMarkdown(d: Digest): string {
  const t = d.totals;
  const out: string[] = [];
  const gaps = [...d.problems, ...d.truncated];
  const gapsSection = gaps.length > 0 ? ['', '## Gaps', '', ...gaps.map((g) => `- ${md(g)}`)] : [];
  out.push(`# AKS failure digest ${d.window.start.slice(0, 10)}`, '', md(windowText(d)), '');
  // A quiet window is one line; what could not be read is still said.
  if (isQuiet(d)) {
    const notices = supportNotices(d).map((n) => `- ${md(n)}`);
    out.push(
      `All quiet: no AKS failures from ${md(windowText(d))}.`,
      ...(notices.length > 0 ? ['', ...notices] : []),
      ...gapsSection,
    );
    return `${out.join('\n')}\n`;
  }
  out.push(`**${md(headline(d))}**`, '');
  if (d.doFirst && d.doFirst.length > 0) {
    out.push('## Do these first', '');
    d.doFirst.forEach((a, i) => {
      const where = `${counted(a.clusters, 'cluster')}${productionNote(a.productionClusters)}`;
      out.push(
        `${String(i + 1)}. **${md(a.code)}** (${a.severity}, ×${String(a.count)} on ${where}): ${md(a.action)}${a.docUrl ? ` ${link('docs', a.docUrl)}` : ''}`,
      );
    });
    out.push('');
  }
  out.push(
    `- Failures: ${String(t.failures)} (critical ${String(t.bySeverity.critical)}, error ${String(t.bySeverity.error)}, warning ${String(t.bySeverity.warning)}, info ${String(t.bySeverity.info)})`,
    `- Clusters affected: ${String(t.clusters)} (previous window: ${String(t.previous.clusters)}); nodes: ${String(t.nodes)}`,
    `- Problems (cluster + error): ${String(t.newProblems)} new, ${String(t.recurringProblems)} recurring`,
    `- Notices (auto-repair, upgrades, new versions, support; not failures): ${String(t.info)}; resolved: ${String(t.resolved)}`,
  );
  if (d.logsUrl) out.push(`- ${link('All rows in Log Analytics', d.logsUrl)}`);
  if (d.reportUrl) out.push(`- ${link('Full report', d.reportUrl)}`);
  out.push('', '## Top errors', '');
  if (d.errors.length === 0)
    out.push(t.failures > 0 ? 'No failure matched a catalog entry.' : 'No failures in this window.');
  else {
    out.push(
      '| Error | Severity | Count | Trend | Clusters | First / last seen | What to do |',
      '|---|---|---:|---|---:|---|---|',
    );
    for (const e of d.errors) {
      const trend = e.isNew ? 'new' : `${String(e.previousCount)} before`;
      const fix = [
        e.mitigation ? md(e.mitigation) : '',
        e.docUrl ? link('docs', e.docUrl) : '',
        e.logsUrl ? link('rows', e.logsUrl) : '',
      ]
        .filter(Boolean)
        .join(' ');
      out.push(
        `| ${md(errorLabel(e))} (${md(e.title)}) | ${e.severity} | ${String(e.count)} | ${trend} | ${String(e.clusters)}: ${md(e.clusterNames.join(', '))} | ${e.firstSeen.slice(11, 16)} / ${e.lastSeen.slice(11, 16)} | ${fix} |`,
      );
    }
  }
  const note = unmatchedNote(d);
  if (note) out.push('', md(note));
  out.push('', '## Clusters', '');
  if (d.clusters.length === 0) out.push('No cluster had failures.');
  for (const c of d.clusters) {
    const version = c.kubernetesVersion ? ` · Kubernetes ${md(c.kubernetesVersion)}` : '';
    const support = c.support ? ` · **${supportText(c.support)}**` : '';
    out.push(
      `- **${link(c.name, c.logsUrl)}** (${md(c.resourceGroup)}): ${counted(c.count, 'failure')} (${String(c.previousCount)} before)${version}${support}`,
    );
    const errs = c.topErrors.map((e) => `${md(errorLabel(e))} ×${String(e.count)}`).join(', ');
    if (errs) out.push(`  - errors: ${errs}`);
    for (const p of c.nodePools)
      out.push(
        `  - pool ${md(p.name)}${p.orchestratorVersion ? ` (Kubernetes ${md(p.orchestratorVersion)})` : ''}: ${String(p.count)} (${p.topErrors.map((e) => `${md(errorLabel(e))} ×${String(e.count)}`).join(', ')})`,
      );
  }
  const r = d.autoRepair;
  out.push('', '## Node auto-repair', '');
  out.push(
    `Actions started: reboot ${String(r.actions.reboot)}, reimage ${String(r.actions.reimage)}, redeploy ${String(r.actions.redeploy)}; completed ${String(r.completed)}; failed ${String(r.failed)}.${r.logsUrl ? ` ${link('Rows', r.logsUrl)}` : ''}`,
  );
  if (r.failedByError.length > 0)
    out.push(
      '',
      'Failed repairs by error: ' +
        r.failedByError.map((e) => `${md(e.code)} ×${String(e.count)}`).join(', '),
    );
  if (r.repeatedNodes.length > 0) {
    out.push('', 'Nodes repaired repeatedly (consider replacing):', '');
    for (const n of r.repeatedNodes)
      out.push(
        `- ${md(n.node)} on ${md(n.cluster)}: ${counted(n.episodes, 'episode')}, ${counted(n.actions, 'action')}, ${String(n.failures)} failed`,
      );
  }
  out.push('', '## What the catalog is missing', '', 'Error codes it does not know:', '');
  if (d.unrecognised.length === 0) out.push('- none: the catalog knew every code');
  for (const u of d.unrecognised)
    out.push(
      `- ${md(u.code)}: ${String(u.count)} on ${counted(u.clusters, 'cluster')} (e.g. ${md(u.example)})`,
    );
  out.push('', 'Failures without a code that no entry matched:', '');
  if (d.uncatalogued.length === 0) out.push('- none');
  for (const u of d.uncatalogued)
    out.push(
      `- ${md(uncataloguedLabel(u))}: ${String(u.count)} on ${counted(u.clusters, 'cluster')} (e.g. ${md(u.example)})`,
    );
  out.push('', '## Delivery health', '');
  if (d.delivery.length === 0) out.push('No deliveries recorded.');
  else {
    out.push(
      '| Receiver | Delivered | Retried | Dead-lettered | Held | Suppressed | Silenced |',
      '|---|---:|---:|---:|---:|---:|---:|',
    );
    for (const h of d.delivery)
      out.push(
        `| ${md(h.receiver)} | ${String(h.delivered)} | ${String(h.retried)} | ${String(h.deadLettered)} | ${String(h.held)} | ${String(h.suppressed)} | ${String(h.silenced)} |`,
      );
  }
  out.push(...gapsSection);
  if (d.sources.length > 0) out.push('', `Sources: ${d.sources.map(md).join('; ')}`);
  return out.join('\n') + '\n';
}
