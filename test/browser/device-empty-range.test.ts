// A device page whose range holds no readings says so above its charts, where the empty charts
// are (the walk of the demo found "No readings in this range." under the last chart, read as a
// note to the health chart while the metric charts stood blank). English at a desk, Indonesian
// on a phone. Screenshots in test-artifacts/device-empty-*.png.
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cspViolations, launchBrowser } from '../support/browser.ts';
import { contextFor, type Lang, type Size, shoot, signIn } from '../support/dashboard-page.ts';
import { loginAs, startTestPurna, type TestPurna } from '../support/purna.ts';

let purna: TestPurna;
let browser: Browser;

beforeAll(async () => {
  purna = await startTestPurna();
  purna.service.customers.registerDevices([{ deviceId: 'pump-quiet-1', modelId: 'pump-p200' }]);
  purna.fleetView.register([{ deviceId: 'pump-quiet-1', modelId: 'pump-p200', site: null, timeZone: 'Asia/Jakarta' }]);
  await loginAs(purna, 'planner');
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await purna?.destroy();
});

const TEXT = { en: 'No readings in this range.', id: 'Tidak ada data dalam rentang ini.' } as const;

describe.each([
  ['en', 'desk'],
  ['id', 'phone'],
] as [Lang, Size][])('the device page (%s, %s)', (lang, size) => {
  it('says the range has no readings above the empty charts', async () => {
    const context = await contextFor(browser, lang, size);
    const page = await signIn(context, purna.dashboardUrl, lang, 'planner@test.purna', '#/device/pump-quiet-1');
    const status = page.locator('#device-status');
    await expect.poll(() => status.textContent()).toBe(TEXT[lang]);
    await page.locator('#device-charts figure.chart canvas').first().waitFor();
    const said = (await status.boundingBox())!;
    const firstChart = (await page.locator('#device-charts').boundingBox())!;
    expect(said.y + said.height).toBeLessThanOrEqual(firstChart.y);
    await shoot(page, `device-empty-${lang}-${size}`);
    await context.close();
  });
});

it('no CSP violation', () => {
  expect(cspViolations(browser)).toEqual([]);
});
