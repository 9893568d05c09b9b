/**
 * The report and the dashboard in a real browser (Debian's chromium via playwright-core): every
 * chart drawn, no console error, no request beyond the page's own. Screenshots go to
 * .bench-out/report/; render times are printed (the speed target lives in bench/report).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { main } from '../../operator/src/cli/main.ts';
import type { CliDeps } from '../../operator/src/cli/deps.ts';
import { chartLibrarySource } from '../../operator/src/cli/chart-library.ts';
import { startDashboard } from '../../operator/src/cli/dashboard-server.ts';
import { readLocalStudy } from '../../operator/src/cli/study-source.ts';
import { renderReport } from '../../operator/src/report/render-report.ts';
import { buildStudyView } from '../../operator/src/report/study-view.ts';
import { writeFixtureStudy } from '../fixtures/study.ts';
import { checkCharts, launchChromium, openReport, type Browser, type OpenedReport } from './browser.ts';
import { generatedStudy } from './generated-study.ts';

const SCREENSHOTS = fileURLToPath(new URL('../../.bench-out/report/', import.meta.url));
let browser: Browser;

before(async () => {
  mkdirSync(SCREENSHOTS, { recursive: true });
  browser = await launchChromium();
});
after(() => browser?.close());

function deps(cwd: string): CliDeps & { output: () => string } {
  let out = '';
  return {
    stdout: { write: (text: string) => (out += text) },
    stderr: { write: (text: string) => (out += text) },
    cwd,
    env: process.env,
    signal: new AbortController().signal,
    now: () => new Date(),
    output: () => out,
  };
}

/** Every chart on the page has an ECharts instance with series and ink on its canvas. */
async function assertAllChartsDrawn(opened: OpenedReport, expectedCharts: number): Promise<void> {
  const charts = await checkCharts(opened.page);
  assert.equal(charts.length, expectedCharts, `charts on the page: ${charts.map((c) => c.id).join(', ')}`);
  for (const chart of charts) {
    assert.ok(chart.hasInstance && chart.series > 0, `${chart.id} has no chart`);
    assert.ok(chart.inkedPixels > 200, `${chart.id} looks blank (${chart.inkedPixels} inked samples)`);
  }
  assert.deepEqual(opened.consoleErrors, []);
  assert.deepEqual(opened.requests, []);
}

test('report › a real local study (fixture trainer, median pruner, one crash) renders every chart offline', async () => {
  const { dir } = writeFixtureStudy({
    maxTrials: 14,
    parallelTrials: 2,
    maxSteps: 6,
    stepMs: 5,
    misbehave: 'demo-1:crash',
    spec: {
      pruner: { algorithm: 'median', startupTrials: 3, warmupSteps: 1 },
    },
  });
  const cli = deps(dir);
  assert.equal(await main(['run', 'study.yaml', '--json'], cli), 0, cli.output());
  assert.equal(await main(['report', '-o', 'report.html'], cli), 0, cli.output());
  assert.match(cli.output(), /report of demo \(14 trials\) written to .*report\.html/);
  const opened = await openReport(browser, pathToFileURL(join(dir, 'report.html')).href);
  // history, parallel, importance, slices, contour, curves
  await assertAllChartsDrawn(opened, 6);
  const summary = await opened.page.textContent('#summary');
  assert.match(summary ?? '', /demo.*14\/14 trials finished/s);
  assert.match((await opened.page.textContent('#best')) ?? '', /Best trial: #\d+/);
  assert.equal(await opened.page.locator('#trials tbody tr').count(), 14);
  await opened.page.screenshot({ path: join(SCREENSHOTS, 'local-study.png'), fullPage: true });
  console.log(
    `local study (14 trials): rendered in ${opened.renderMs.toFixed(0)} ms (main-thread CPU ${opened.mainThreadCpuMs.toFixed(0)} ms); screenshot ${join(SCREENSHOTS, 'local-study.png')}`,
  );
  await opened.page.close();
});

test('report › a generated 1000-trial study renders every chart, and the table sorts by a click', async () => {
  const { study, trials } = generatedStudy(1000);
  const view = buildStudyView(study, trials, { source: 'generated', nowIso: '2026-01-02T00:00:00.000Z' });
  const file = join(SCREENSHOTS, 'generated-1000.html');
  writeFileSync(file, renderReport(view, { chartLibrary: chartLibrarySource() }));
  const opened = await openReport(browser, pathToFileURL(file).href);
  await assertAllChartsDrawn(opened, 6);
  await opened.page.screenshot({ path: join(SCREENSHOTS, 'generated-1000.png'), fullPage: true });
  console.log(
    `generated study (1000 trials): rendered in ${opened.renderMs.toFixed(0)} ms (main-thread CPU ${opened.mainThreadCpuMs.toFixed(0)} ms); screenshot ${join(SCREENSHOTS, 'generated-1000.png')}`,
  );
  const firstNumber = () => opened.page.locator('#trials tbody tr:first-child td:first-child').textContent();
  assert.equal(await firstNumber(), '0');
  await opened.page.click('#trials th[data-key="value"]');
  assert.equal(await firstNumber(), String(view.best?.number), 'sorted by the objective, the best trial comes first');
  await opened.page.close();
});

test('dashboard › serves the report live: the page polls /api/view on its own origin and draws the same charts', async () => {
  const { dir } = writeFixtureStudy({ maxTrials: 4, parallelTrials: 2, maxSteps: 3, stepMs: 5 });
  const cli = deps(dir);
  assert.equal(await main(['run', 'study.yaml', '--json'], cli), 0, cli.output());
  const stateDir = join(dir, '.lorahpo', 'demo');
  const dashboard = await startDashboard({
    read: async () => readLocalStudy(stateDir, new Date()),
    chartLibrary: chartLibrarySource(),
    now: () => new Date(),
    port: 0,
    refreshMs: 300,
  });
  try {
    const origin = new URL(dashboard.url).origin;
    const opened = await openReport(browser, dashboard.url, (u) => u.startsWith(origin));
    await assertAllChartsDrawn(opened, 6);
    const poll = await opened.page.waitForResponse((response) => response.url() === `${origin}/api/view`, {
      timeout: 10_000,
    });
    assert.equal((await poll.json()).trials.length, 4);
    assert.equal((await fetch(dashboard.url, { method: 'POST' })).status, 405, 'read-only');
    await opened.page.close();
  } finally {
    await dashboard.close();
  }
});
