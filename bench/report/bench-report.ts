/**
 * `npm run bench:report [-- --sizes 100,1000,3000] [-- --runs 3]`: how long a generated study's
 * report takes to build (view model, HTML) in Node and to render in Debian's chromium (page ready:
 * every chart finished drawing, from navigation start), with where the page spends its time. The
 * target is a 1000-trial page under 2 s. Prints a markdown table; screenshots nothing.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { chartLibrarySource } from '../../operator/src/cli/chart-library.ts';
import { renderReport } from '../../operator/src/report/render-report.ts';
import { buildStudyView } from '../../operator/src/report/study-view.ts';
import { launchChromium, openReport } from '../../tests/report/browser.ts';
import { generatedStudy } from '../../tests/report/generated-study.ts';

const { values: args } = parseArgs({
  options: { sizes: { type: 'string', default: '100,1000,3000' }, runs: { type: 'string', default: '3' } },
});
const sizes = args.sizes.split(',').map(Number);
const runs = Number(args.runs);
const TARGET_MS = 2000;
const out = fileURLToPath(new URL('../../.bench-out/report/', import.meta.url));
mkdirSync(out, { recursive: true });

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const browser = await launchChromium();
const rows: string[] = [];
try {
  for (const size of sizes) {
    const { study, trials } = generatedStudy(size);
    const viewMs: number[] = [];
    let html = '';
    for (let run = 0; run < runs; run += 1) {
      const start = performance.now();
      const view = buildStudyView(study, trials, { source: 'bench', nowIso: '2026-01-02T00:00:00.000Z' });
      html = renderReport(view, { chartLibrary: chartLibrarySource() });
      viewMs.push(performance.now() - start);
    }
    const file = join(out, `bench-${size}.html`);
    writeFileSync(file, html);
    const renders: { renderMs: number; cpuMs: number; timings: Record<string, number> }[] = [];
    for (let run = 0; run < runs; run += 1) {
      const opened = await openReport(browser, pathToFileURL(file).href);
      if (opened.consoleErrors.length || opened.requests.length)
        throw new Error(`${size}: ${[...opened.consoleErrors, ...opened.requests].join('; ')}`);
      const timings = await opened.page.evaluate(
        () =>
          (globalThis as unknown as { __lorahpoReport: { timings: Record<string, number> } }).__lorahpoReport.timings,
      );
      renders.push({ renderMs: opened.renderMs, cpuMs: opened.mainThreadCpuMs, timings });
      await opened.page.close();
    }
    const typical = renders.sort((a, b) => a.renderMs - b.renderMs)[Math.floor(renders.length / 2)];
    const t = typical.timings;
    const parts = `script ${t.script.toFixed(0)}, charts ${(t.curves - t.summary).toFixed(0)}, table ${(t.table - t.curves).toFixed(0)}`;
    const verdict = size === 1000 ? (typical.renderMs < TARGET_MS ? 'met' : 'missed') : '';
    rows.push(
      `| ${size} | ${(html.length / 1e6).toFixed(2)} | ${median(viewMs).toFixed(0)} | ${typical.renderMs.toFixed(0)} | ${Math.min(...renders.map((r) => r.renderMs)).toFixed(0)} | ${median(renders.map((r) => r.cpuMs)).toFixed(0)} | ${parts} | ${verdict} |`,
    );
    process.stderr.write(`${size} trials done\n`);
  }
} finally {
  await browser.close();
}
console.log(
  `report bench: ${runs} runs each, median shown; ${os.cpus().length} CPUs, load average ${os.loadavg()[0].toFixed(1)}`,
);
console.log(
  '| trials | HTML MB | build view+HTML ms | page ready ms (median) | fastest ms | main-thread CPU ms | page parts ms (from navigation) | < 2 s at 1000 |',
);
console.log('| ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |');
for (const row of rows) console.log(row);
