import type { ComponentStatus } from './component-status';

const escape = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/**
 * The operator page on the prober's port: one row per component with its readiness.
 * Self-contained HTML (no external assets), refreshed by the browser every 5 s.
 */
export function renderStatusPage(statuses: readonly ComponentStatus[], generatedAt: Date): string {
  const rows = statuses
    .map(
      (s) => `<tr class="${s.ready ? 'ok' : 'bad'}"><td>${escape(s.name)}</td><td>${s.ready ? 'ready' : 'NOT READY'}</td>` +
        `<td><a href="${escape(s.opsUrl)}/metrics">${escape(s.opsUrl)}</a></td><td>${s.problems.map(escape).join('<br>')}</td></tr>`,
    )
    .join('\n');
  const allReady = statuses.every((s) => s.ready);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="5">
<title>Strata ${allReady ? 'ready' : 'DEGRADED'}</title>
<style>
body{font:14px system-ui,sans-serif;margin:2rem;color:#1d2330}
table{border-collapse:collapse}td,th{padding:.4rem .8rem;border-bottom:1px solid #ddd;text-align:left}
tr.ok td:nth-child(2){color:#17803d;font-weight:600}tr.bad td:nth-child(2){color:#c42b1c;font-weight:700}
</style></head><body>
<h1>Strata components</h1>
<p id="summary">${allReady ? 'All components ready.' : 'Some components are not ready.'} Checked ${escape(generatedAt.toISOString())}.</p>
<table><thead><tr><th>component</th><th>status</th><th>ops</th><th>problems</th></tr></thead>
<tbody>
${rows}
</tbody></table>
</body></html>
`;
}
