// A maintenance due date already past is marked overdue on the device page, in words and in a
// colour that stays readable on the card (WCAG AA: at least 4.5:1), in Indonesian and English,
// at a desk and on a phone; a date still ahead is not (issue 18: a past due date was shown as a
// plain date, read as the next one). Screenshots in test-artifacts/maintenance-overdue-*.png.
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatDate } from '../../core/i18n/format.ts';
import { cspViolations, launchBrowser } from '../support/browser.ts';
import { contextFor, type Lang, MATRIX, type Size, shoot, signIn } from '../support/dashboard-page.ts';
import { loginAs, startTestPurna, type TestPurna } from '../support/purna.ts';

const DAY = 86_400_000;
let purna: TestPurna;
let browser: Browser;
let dueAt: number;

beforeAll(async () => {
  purna = await startTestPurna();
  const reg = purna.service.stores.registry;
  reg.upsertCustomer({ id: 'C1', name: 'PT Tirta Makmur' });
  reg.upsertSite({
    id: 'S-JKT',
    customerId: 'C1',
    name: 'Plant Cikarang',
    city: 'Bekasi',
    lat: -6.3,
    lon: 107.15,
    timeZone: 'Asia/Jakarta',
  });
  const installed = Date.now() - 200 * DAY;
  purna.service.customers.registerDevices([
    { deviceId: 'pump-late', modelId: 'pump-p200', siteId: 'S-JKT', installDateMs: installed },
    { deviceId: 'pump-fine', modelId: 'pump-p200', siteId: 'S-JKT', installDateMs: installed },
  ]);
  // Purna has known the late pump since its installation (as after an upgrade that kept its
  // registry); the other was registered today, so its first service is still ahead.
  purna.service.stores.db.prepare('UPDATE devices SET created_at_ms = ? WHERE id = ?').run(installed, 'pump-late');
  purna.service.maintenance.saveModelPlan('pump-p200', { intervalDays: 90 }, 'planner:p');
  dueAt = purna.service.maintenance.deviceMaintenance('pump-late').nextDueAtMs!;
  expect(Math.round((Date.now() - dueAt) / DAY)).toBe(110);
  await loginAs(purna, 'planner');
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await purna?.destroy();
});

const OVERDUE = { en: '⚠ overdue by 110 days', id: '⚠ terlambat 110 hari' } as const;

/** WCAG 2 contrast ratio of two CSS rgb() colours. */
function contrast(a: string, b: string): number {
  const lum = (c: string) => {
    const [r, g, bl] = (c.match(/\d+(\.\d+)?/g) ?? []).slice(0, 3).map((v) => {
      const s = Number(v) / 255;
      return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * bl;
  };
  const [hi, lo] = [lum(a), lum(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}

describe.each(MATRIX)('the device page ($lang, $size)', ({ lang, size }: { lang: Lang; size: Size }) => {
  it('marks a past due date overdue in words and a readable colour, and a future one not', async () => {
    const context = await contextFor(browser, lang, size);
    const page = await signIn(context, purna.dashboardUrl, lang, 'planner@test.purna', '#/device/pump-late');
    const due = page.locator('#device-next-due');
    await due.locator('.overdue').waitFor();
    expect(await due.textContent()).toBe(`${formatDate(lang, dueAt, 'Asia/Jakarta')} ${OVERDUE[lang]}`);
    const colours = await due.locator('.overdue').evaluate((e) => ({
      text: getComputedStyle(e).color,
      panel: getComputedStyle(e.closest('.record-card')!).backgroundColor,
    }));
    expect(contrast(colours.text, colours.panel)).toBeGreaterThanOrEqual(4.5);
    // Running hours say their unit.
    expect(await page.locator('#device-running-hours').textContent()).toMatch(lang === 'id' ? / jam$/ : / h$/);
    await shoot(page, `maintenance-overdue-${lang}-${size}`);

    await page.goto(`${purna.dashboardUrl}#/device/pump-fine`);
    await expect.poll(() => page.locator('#device-next-due').textContent()).toMatch(/\d{4}$/);
    expect(await page.locator('#device-next-due .overdue').count()).toBe(0);
    await context.close();
  });
});

it('no CSP violation', () => {
  expect(cspViolations(browser)).toEqual([]);
});
