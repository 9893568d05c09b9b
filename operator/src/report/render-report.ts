/**
 * The report as one self-contained HTML document: the chart library's bundle, the page script
 * and the study view are inlined, and a Content-Security-Policy forbids every request (the live
 * dashboard allows its own origin only), so the file works offline and cannot leak a study. Pure:
 * the caller reads the bundle.
 */
import { reportPage } from './page-script.ts';
import type { StudyView } from './study-view.ts';

export interface RenderOptions {
  /** The chart library's browser bundle (echarts/dist/echarts.min.js), inlined as is. */
  chartLibrary: string;
  /** Served by the dashboard: poll this URL (same origin) for a fresh view. */
  live?: { url: string; intervalMs: number };
}

/** Text safe inside a <script> element: no `</script`, no `<!--`. */
function scriptSafe(text: string): string {
  return text.replace(/<\/(script)/gi, '<\\/$1').replace(/<!--/g, '<\\!--');
}

/** JSON safe inside a <script> element (`<` never appears raw). */
function jsonInScript(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const STYLE = `
body { font-family: system-ui, sans-serif; margin: 0 auto; max-width: 1400px; padding: 16px 24px; color: #1b1b1b; }
h1 { margin: 0 0 4px; font-size: 24px; } h2 { font-size: 17px; margin: 24px 0 8px; }
.muted { color: #666; font-size: 13px; margin-top: 2px; }
.chart { height: 420px; border: 1px solid #e3e3e3; border-radius: 6px; margin: 12px 0; }
.row { display: grid; grid-template-columns: 1fr 1fr; gap: 12px; }
#best dl { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; font-size: 14px; }
#best dt { color: #555; } #best dd { margin: 0; font-family: ui-monospace, monospace; }
table { border-collapse: collapse; font-size: 13px; width: 100%; }
th, td { border-bottom: 1px solid #eee; padding: 3px 8px; text-align: right; white-space: nowrap; }
th { cursor: pointer; position: sticky; top: 0; background: #f6f6f6; user-select: none; }
tr.best td { background: #fff6d6; } td.state { text-align: left; }
td.Pruned { color: #b35900; } td.Failed { color: #c0392b; } td.EarlyStopped { color: #8e44ad; } td.Running { color: #1e8449; }
.table-wrap { max-height: 640px; overflow: auto; border: 1px solid #e3e3e3; border-radius: 6px; }
`;

export function renderReport(view: StudyView, options: RenderOptions): string {
  const connect = options.live ? "'self'" : "'none'";
  const csp = `default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; connect-src ${connect}`;
  const title = `lorahpo: ${view.study.name}`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<header id="summary"></header>
<section id="best"></section>
<h2>History</h2>
<div class="chart" id="chart-history"></div>
<div class="chart" id="chart-parallel"></div>
<h2>Importance and slices</h2>
<div class="chart" id="chart-importance"></div>
<div class="chart" id="chart-slices"></div>
<section id="contour-section"><div class="chart" id="chart-contour"></div></section>
<h2>Learning curves</h2>
<div class="chart" id="chart-curves" style="height: 520px"></div>
<h2>Trials</h2>
<p class="muted">Click a column to sort; the best trial is highlighted; hover a row for its message.</p>
<div class="table-wrap"><table id="trials"></table></div>
<script>${scriptSafe(options.chartLibrary)}</script>
<script id="study-view" type="application/json">${jsonInScript(view)}</script>
<script>
(${scriptSafe(reportPage.toString())})(JSON.parse(document.getElementById('study-view').textContent), ${jsonInScript(options.live ?? null)});
</script>
</body>
</html>
`;
}
