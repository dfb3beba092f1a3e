// The device page as an operator expects from Grafana, in Chromium at 1440×900 and 390×844, in
// Indonesian and English: a time-range picker (6 h of history shown the moment the page opens,
// not the last few seconds), drag to zoom and zoom out, the baseline band and threshold drawn from
// the stored health history (reported before the page opened), work orders and health events as
// annotations and in their lists, and the device's customer, site, warranty and contract.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import type { HealthReport } from '../../core/types.ts';
import { seedDemo } from '../../demo/seed.ts';
import { dispatchRequest } from '../service/helpers.ts';
import { cspViolations, launchBrowser } from '../support/browser.ts';
import { loginAs, startTestPurna, type TestPurna } from '../support/purna.ts';
import { contextFor, type Lang, MATRIX, shoot, signIn } from '../support/dashboard-page.ts';

const DEVICE = 'pump-hist-0001';
const HOUR = 3600_000;
let purna: TestPurna;
let browser: Browser;
let orderId: string;
let customerName: string;
// Five hours ago up to a minute ago, a reading a minute; the temperature climbs in the last hour.
const T0 = Date.now() - 5 * HOUR;

const health = (tsMs: number, state: HealthReport['state'], score: number, mean: number): HealthReport => ({
  deviceId: DEVICE,
  tsMs,
  score,
  state,
  rule: state === 'healthy' ? 'baseline' : 'trend-forecast',
  metric: 'temperature',
  explanation: '',
  evidence: { baselineMean: mean, baselineStd: 1.5, smoothed: mean + 1, ratedMax: 95 },
  timeToThresholdMs: state === 'healthy' ? null : 3 * HOUR,
});

beforeAll(async () => {
  purna = await startTestPurna();
  seedDemo(purna.service, { devices: [{ deviceId: DEVICE, modelId: 'pump-p200' }], totalDevices: 10, historyDays: 0 });
  const record = purna.service.customers.getDevice(DEVICE)!;
  customerName = record.customerName!;
  purna.fleetView.register([
    { deviceId: DEVICE, modelId: 'pump-p200', site: record.siteName, timeZone: record.timeZone },
  ]);
  const readings = Array.from({ length: 5 * 60 }, (_, i) => ({
    deviceId: DEVICE,
    tsMs: T0 + i * 60_000,
    values: { temperature: 60 + (i > 240 ? (i - 240) * 0.4 : 0) + (i % 3) * 0.2, vibration: 2.1 + (i % 5) * 0.05 },
  }));
  await purna.store.write(readings);
  // The health analytics reported over those hours (as the history keeps it), before any page opened.
  for (let m = 0; m < 5 * 60; m += 10)
    purna.bus.emit('health', health(T0 + m * 60_000, m > 250 ? 'warning' : 'healthy', m > 250 ? 55 : 97, 60.2));
  orderId = purna.service.workOrders.handleDispatch(dispatchRequest(DEVICE, 'cooling_failure')).order.id;
  await loginAs(purna, 'planner');
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await purna?.destroy();
});

const TEXT = {
  en: {
    range6h: '6 h',
    zoomOut: 'Zoom out',
    warranty: /^until .* \(in force\)$/,
    contract: /^(basic|standard|premium)$/,
    customer: 'Customer',
  },
  id: {
    range6h: '6 jam',
    zoomOut: 'Perkecil',
    warranty: /^hingga .* \(berlaku\)$/,
    contract: /^(dasar|standar|premium)$/,
    customer: 'Pelanggan',
  },
} as const;

const figure = (page: Page, metric: string) =>
  page
    .locator(`#device-charts figure.chart[data-metric="${metric}"]`)
    .evaluate((f) => ({ ...(f as HTMLElement).dataset }));

describe.each(MATRIX)('the device page ($lang, $size)', ({ lang, size }: { lang: Lang; size: 'desk' | 'phone' }) => {
  it('history from the stored health, a range picker, zoom, annotations and the service record', async () => {
    const context = await contextFor(browser, lang, size);
    const page = await signIn(context, purna.dashboardUrl, lang, 'planner@test.purna', `#/device/${DEVICE}`);
    const text = TEXT[lang];
    await page.locator('#device-charts figure.chart[data-metric="temperature"] canvas').waitFor();
    // The service record.
    await expect.poll(() => page.locator('#device-record [data-field="customer"] dd').textContent()).toBe(customerName);
    expect(await page.locator('#device-record [data-field="customer"] dt').textContent()).toBe(text.customer);
    expect(await page.locator('#device-record [data-field="warranty"] dd').textContent()).toMatch(text.warranty);
    expect(await page.locator('#device-record [data-field="contract"] dd').textContent()).toMatch(text.contract);
    expect(await page.locator('#device-record [data-field="site"] dd').textContent()).not.toBe('—');

    // The default hour at once: about 60 minute readings, the band from health stored before the page opened.
    await expect
      .poll(async () => Number((await figure(page, 'temperature')).points), { timeout: 10_000 })
      .toBeGreaterThan(50);
    let f = await figure(page, 'temperature');
    expect(Number(f.to) - Number(f.from)).toBe(HOUR);
    expect(Number(f.band)).toBeGreaterThan(50);
    // The latest stored report forecasts 95 °C: the forecast is drawn to it.
    expect(f.forecast).toBe('95');

    // 6 hours: every reading since T0 (in buckets), the work order and the health transition annotated.
    await page.getByRole('button', { name: text.range6h, exact: true }).click();
    await expect
      .poll(
        async () => Number((await figure(page, 'temperature')).to) - Number((await figure(page, 'temperature')).from),
      )
      .toBe(6 * HOUR);
    await expect.poll(async () => Number((await figure(page, 'temperature')).points)).toBeGreaterThan(250);
    f = await figure(page, 'temperature');
    expect(Number(f.band)).toBeGreaterThan(250);
    expect(Number(f.annotations)).toBeGreaterThanOrEqual(2);
    // Every annotation label drawn inside the plot: the job opened a moment ago sits at the right
    // edge, and its label was cut off there.
    const labels = await page
      .locator('#device-charts figure.chart[data-metric="temperature"] .uplot')
      .evaluate((r) => ({
        boxes: JSON.parse((r as HTMLElement).dataset.annotationLabels ?? '[]') as { left: number; right: number }[],
        width: Number((r as HTMLElement).dataset.plotWidth),
      }));
    expect(labels.boxes.length).toBeGreaterThanOrEqual(1);
    for (const b of labels.boxes) {
      expect(b.left).toBeGreaterThanOrEqual(0);
      expect(b.right).toBeLessThanOrEqual(labels.width);
    }
    // The health and the forecast as stored (a row per 15 min while nothing changes, a state change at
    // once): over 5 hours at least 10 rows, and the warning's forecast among them.
    const healthPanel = await page
      .locator('#device-health-history')
      .evaluate((e) => ({ ...(e as HTMLElement).dataset }));
    expect(Number(healthPanel.points)).toBeGreaterThanOrEqual(10);
    expect(Number(healthPanel.forecasts)).toBeGreaterThanOrEqual(1);
    expect(await page.getByRole('button', { name: text.range6h, exact: true }).getAttribute('aria-pressed')).toBe(
      'true',
    );
    await expect.poll(() => page.locator(`#device-orders a[href="#/work-order/${orderId}"]`).count()).toBe(1);
    expect(await page.locator('#device-events li.kind-health.level-warning').count()).toBe(1);

    // Drag across the middle half of the chart: the range narrows to about 3 hours, no longer live.
    const over = page.locator('#device-charts figure.chart[data-metric="temperature"] .u-over');
    await over.scrollIntoViewIfNeeded();
    const box = (await over.boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.25, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.5, box.y + box.height / 2, { steps: 5 });
    await page.mouse.move(box.x + box.width * 0.75, box.y + box.height / 2, { steps: 5 });
    await page.mouse.up();
    await expect
      .poll(async () => {
        const g = await figure(page, 'temperature');
        return (Number(g.to) - Number(g.from)) / HOUR;
      })
      .toBeLessThan(3.5);
    const zoomed = await figure(page, 'temperature');
    expect((Number(zoomed.to) - Number(zoomed.from)) / HOUR).toBeGreaterThan(2.5);
    expect(await page.getByRole('button', { name: text.range6h, exact: true }).getAttribute('aria-pressed')).toBe(
      'false',
    );
    // Both charts follow the one range.
    expect((await figure(page, 'vibration')).from).toBe(zoomed.from);
    await shoot(page, `device-history-${lang}-${size}`);
    await page.getByRole('button', { name: text.zoomOut }).click();
    await expect
      .poll(async () => {
        const g = await figure(page, 'temperature');
        return Math.round((Number(g.to) - Number(g.from)) / HOUR);
      })
      .toBeGreaterThanOrEqual(5);
    await context.close();
  });
});

it('no CSP violation', () => {
  expect(cspViolations(browser)).toEqual([]);
});
