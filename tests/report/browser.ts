/**
 * Debian's chromium driven by playwright-core, for the report's browser test and bench: a fresh
 * profile, no network of its own (the flags stop Chromium's background connections, which this
 * machine refuses), and a page opener that records console errors, page errors and every request
 * the page makes beyond its own file.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

const ENSURE_CHROMIUM = fileURLToPath(new URL('./ensure-chromium.sh', import.meta.url));

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface Browser {
  context: BrowserContext;
  close(): Promise<void>;
}

/** Installs chromium when missing (apt-get, as root), then starts it with a fresh profile. */
export async function launchChromium(): Promise<Browser> {
  const executablePath = execFileSync('bash', [ENSURE_CHROMIUM], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  }).trim();
  const profile = mkdtempSync(join(tmpdir(), 'lorahpo-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1400, height: 900 },
  });
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

export interface OpenedReport {
  page: Page;
  consoleErrors: string[];
  /** Requests other than the page itself (file:, data: and blob: URLs excepted). */
  requests: string[];
  /** performance.now() when every chart had finished drawing, from navigation start. */
  renderMs: number;
  /**
   * CPU time of the page's main thread until then (CDP Performance ThreadTime): what the page
   * costs, without the waiting a busy machine adds to renderMs.
   */
  mainThreadCpuMs: number;
  charts: number;
}

/** Opens a report (a file: or http: URL) and waits until every chart has finished drawing. */
export async function openReport(
  browser: Browser,
  url: string,
  isOwnOrigin = (u: string) => u === url,
): Promise<OpenedReport> {
  const page = await browser.context.newPage();
  const consoleErrors: string[] = [];
  const requests: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') consoleErrors.push(message.text());
  });
  page.on('pageerror', (error) => consoleErrors.push(String(error)));
  page.on('request', (request) => {
    const target = request.url();
    if (!/^(data|blob):/.test(target) && !isOwnOrigin(target)) requests.push(target);
  });
  const cdp = await browser.context.newCDPSession(page);
  await cdp.send('Performance.enable', { timeDomain: 'threadTicks' });
  await page.goto(url);
  await page.waitForFunction(
    () => (globalThis as { __lorahpoReport?: { ready: boolean } }).__lorahpoReport?.ready === true,
    null,
    { timeout: 30_000 },
  );
  const { renderMs, charts } = await page.evaluate(
    () => (globalThis as unknown as { __lorahpoReport: { renderMs: number; charts: number } }).__lorahpoReport,
  );
  const { metrics } = await cdp.send('Performance.getMetrics');
  const mainThreadCpuMs = 1000 * (metrics.find((metric) => metric.name === 'ThreadTime')?.value ?? Number.NaN);
  return { page, consoleErrors, requests, renderMs, mainThreadCpuMs, charts };
}

export interface ChartCheck {
  id: string;
  hasInstance: boolean;
  series: number;
  /** Canvas pixels that are not background, out of a sample. */
  inkedPixels: number;
}

/** Every visible .chart: its ECharts instance, its series and how much of its canvas is drawn on. */
export function checkCharts(page: Page): Promise<ChartCheck[]> {
  return page.evaluate(() => {
    const g = globalThis as unknown as { document: any; echarts: any };
    return [...g.document.querySelectorAll('.chart')]
      .filter((element: any) => element.offsetParent !== null)
      .map((element: any) => {
        const instance = g.echarts.getInstanceByDom(element);
        const canvas = element.querySelector('canvas');
        let inkedPixels = 0;
        if (canvas) {
          const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
          for (let i = 0; i < data.length; i += 4 * 7)
            if (data[i + 3] > 0 && (data[i] < 235 || data[i + 1] < 235 || data[i + 2] < 235)) inkedPixels += 1;
        }
        return {
          id: element.id,
          hasInstance: instance !== undefined,
          series: instance ? instance.getOption().series.length : 0,
          inkedPixels,
        };
      });
  });
}
