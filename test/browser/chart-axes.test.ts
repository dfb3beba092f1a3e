// The time labels under every chart of the device page and the KPI page stand apart: none drawn
// over its neighbour, at a desk (1440×900) and on a phone (390×844), in both languages, at each
// time range (issue 18: "axis labels overlap" — at 390 px the hour labels "10.00 WIB" ran into
// each other). uPlot draws them on a canvas, so each chart says where it drew them
// (data-x-ticks, dashboard/ui/charts.ts recordXTicks). Screenshots of each chart in
// test-artifacts/chart-axes-*.png.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HealthReport } from '../../core/types.ts';
import { seedDemo } from '../../demo/seed.ts';
import { cspViolations, launchBrowser } from '../support/browser.ts';
import { ARTIFACTS, contextFor, type Lang, MATRIX, type Size, signIn } from '../support/dashboard-page.ts';
import { loginAs, startTestPurna, type TestPurna } from '../support/purna.ts';

const DEVICE = 'pump-axes-0001';
const HOUR = 3600_000;
let purna: TestPurna;
let browser: Browser;
const T0 = Date.now() - 30 * 24 * HOUR;

beforeAll(async () => {
  purna = await startTestPurna();
  seedDemo(purna.service, { devices: [{ deviceId: DEVICE, modelId: 'pump-p200' }], totalDevices: 10, historyDays: 0 });
  const record = purna.service.customers.getDevice(DEVICE)!;
  purna.fleetView.register([
    { deviceId: DEVICE, modelId: 'pump-p200', site: record.siteName, timeZone: record.timeZone },
  ]);
  // 30 days of readings, one every 10 minutes, and a health report an hour: every range has data.
  const readings = Array.from({ length: 30 * 144 }, (_, i) => ({
    deviceId: DEVICE,
    tsMs: T0 + i * 600_000,
    values: { temperature: 60 + (i % 7) * 0.3, vibration: 2.1 + (i % 5) * 0.05 },
  }));
  await purna.store.write(readings);
  for (let h = 0; h < 30 * 24; h++)
    purna.bus.emit('health', {
      deviceId: DEVICE,
      tsMs: T0 + h * HOUR,
      score: 97,
      state: 'healthy',
      rule: 'baseline',
      metric: 'temperature',
      explanation: '',
      evidence: { baselineMean: 60.5, baselineStd: 1.5, smoothed: 61, ratedMax: 95 },
      timeToThresholdMs: null,
    } satisfies HealthReport);
  await loginAs(purna, 'planner');
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await purna?.destroy();
});

type Box = { text: string; left: number; right: number };

/** Every chart's drawn x labels, and the pairs of neighbours that touch (less than 4 px apart). */
async function overlaps(page: Page): Promise<{ charts: number; labels: number; touching: string[] }> {
  const all = await page
    .locator('.uplot')
    .evaluateAll((roots) => roots.map((r) => JSON.parse((r as HTMLElement).dataset.xTicks ?? '[]') as Box[]));
  const touching: string[] = [];
  for (const [i, boxes] of all.entries())
    for (let k = 1; k < boxes.length; k++)
      if (boxes[k].left - boxes[k - 1].right < 4)
        touching.push(
          `chart ${i}: "${boxes[k - 1].text}" ${JSON.stringify(boxes[k - 1])} / "${boxes[k].text}" ${JSON.stringify(boxes[k])}`,
        );
  return { charts: all.length, labels: all.reduce((n, b) => n + b.length, 0), touching };
}

const RANGES = { en: ['1 h', '6 h', '24 h', '7 d', '30 d'], id: ['1 jam', '6 jam', '24 jam', '7 hari', '30 hari'] };

describe.each(MATRIX)('chart time labels ($lang, $size)', ({ lang, size }: { lang: Lang; size: Size }) => {
  it('the device page: no label over another at any range', async () => {
    const context = await contextFor(browser, lang, size);
    const page = await signIn(context, purna.dashboardUrl, lang, 'planner@test.purna', `#/device/${DEVICE}`);
    await page.locator('#device-health-history canvas').waitFor();
    for (const range of RANGES[lang]) {
      await page.getByRole('button', { name: range, exact: true }).click();
      // Three charts (temperature, vibration, health), each with at least two labels drawn.
      await expect
        .poll(async () => {
          const o = await overlaps(page);
          return o.charts === 3 && o.labels >= 6;
        })
        .toBe(true);
      await page.waitForTimeout(300); // the range's data drawn
      const o = await overlaps(page);
      expect(o.touching, `${range}: ${o.touching.slice(0, 3).join('; ')}`).toEqual([]);
      if (range === RANGES[lang][0] || range === RANGES[lang][2])
        await page
          .locator('#device-charts')
          .screenshot({ path: `${ARTIFACTS}/chart-axes-device-${lang}-${size}-${range.replace(' ', '')}.png` });
    }
    await context.close();
  });

  it('the KPI page: the weekly trend’s labels stand apart', async () => {
    const context = await contextFor(browser, lang, size);
    const page = await signIn(context, purna.dashboardUrl, lang, 'planner@test.purna', '#/kpis');
    await expect.poll(async () => (await overlaps(page)).labels).toBeGreaterThanOrEqual(2);
    const o = await overlaps(page);
    expect(o.touching, o.touching.slice(0, 3).join('; ')).toEqual([]);
    await page
      .locator('.uplot')
      .first()
      .screenshot({ path: `${ARTIFACTS}/chart-axes-kpis-${lang}-${size}.png` });
    await context.close();
  });
});

it('no CSP violation', () => {
  expect(cspViolations(browser)).toEqual([]);
});
