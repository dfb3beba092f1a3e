// The fleet grid at 10,000 devices in Chromium: only the tiles near the grid's window are in the
// DOM (virtualised), scrolling brings the others; one Tab reaches the grid and one leaves it, the
// arrow keys move between devices, a skip link passes it; no sideways scrolling at 768 and 390 px.
// Before issue 18 the grid was 10,000 links: 305 Tab presses past 300 devices.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import type { HealthReport } from '../../core/types.ts';
import { cspViolations, launchBrowser } from '../support/browser.ts';
import { loginAs, startTestPurna, type TestPurna } from '../support/purna.ts';
import { contextFor, type Lang, shoot, signIn } from '../support/dashboard-page.ts';

const DEVICES = 10_000;
const idOf = (i: number) => `grid-${String(i).padStart(5, '0')}`;
let purna: TestPurna;
let browser: Browser;

const health = (deviceId: string, state: HealthReport['state'], score: number): HealthReport => ({
  deviceId,
  tsMs: Date.now(),
  score,
  state,
  rule: 'baseline',
  metric: 'temperature',
  explanation: '',
  evidence: { baselineMean: 60, baselineStd: 2, smoothed: 61 },
  timeToThresholdMs: null,
});

beforeAll(async () => {
  purna = await startTestPurna();
  purna.fleetView.register(Array.from({ length: DEVICES }, (_, i) => ({ deviceId: idOf(i), modelId: 'pump-p200' })));
  for (let i = 0; i < DEVICES; i += 7) purna.bus.emit('health', health(idOf(i), 'healthy', 97));
  await loginAs(purna, 'planner');
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await purna?.destroy();
});

const focused = (page: Page) => page.evaluate(() => (document.activeElement as HTMLElement | null)?.dataset.deviceId);

describe('the fleet grid at 10,000 devices (en, 1440 px)', () => {
  let page: Page;
  beforeAll(async () => {
    const context = await contextFor(browser, 'en', 'desk');
    page = await signIn(context, purna.dashboardUrl, 'en', 'planner@test.purna', '#/fleet');
    await page.waitForFunction(
      () => document.querySelector('#counts [data-state="total"] dd')?.textContent === '10,000',
      undefined,
      { timeout: 15_000 },
    );
  });

  it('renders only the tiles near its window, and scrolling brings the others', async () => {
    expect(await page.locator('#health-grid').getAttribute('data-count')).toBe(String(DEVICES));
    const rendered = await page.locator('#health-grid .tile').count();
    expect(rendered).toBeGreaterThan(100);
    expect(rendered).toBeLessThan(2500);
    expect(await page.locator(`#health-grid .tile[data-device-id="${idOf(DEVICES - 1)}"]`).count()).toBe(0);
    await page.locator('#health-grid').evaluate((e) => {
      e.scrollTop = e.scrollHeight;
    });
    await page.locator(`#health-grid .tile[data-device-id="${idOf(DEVICES - 1)}"]`).waitFor();
    expect(await page.locator(`#health-grid .tile[data-device-id="${idOf(0)}"]`).count()).toBeLessThanOrEqual(1);
    expect(await page.locator('#health-grid .tile').count()).toBeLessThan(2500);
    // "n of 10,000" for a screen reader although few tiles exist.
    expect(
      await page.locator(`#health-grid .tile[data-device-id="${idOf(DEVICES - 1)}"]`).getAttribute('aria-setsize'),
    ).toBe(String(DEVICES));
    await page.locator('#health-grid').evaluate((e) => {
      e.scrollTop = 0;
    });
  });

  it('a live change repaints a rendered tile', async () => {
    const tile = page.locator(`#health-grid .tile[data-device-id="${idOf(3)}"]`);
    await tile.waitFor();
    expect(await tile.getAttribute('class')).toContain('s-never_seen');
    purna.bus.emit('health', health(idOf(3), 'critical', 12));
    await expect.poll(() => tile.getAttribute('class'), { timeout: 5000 }).toContain('s-alarm');
    await expect.poll(() => page.locator('#counts [data-state="alarm"] dd').textContent()).toBe('1');
  });

  it('one Tab in, arrow keys between devices, one Tab out; the skip link passes it', async () => {
    await page.locator('#fleet-health').focus();
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('skip-grid');
    await page.keyboard.press('Tab');
    expect(await focused(page)).toBe(idOf(0));
    await page.keyboard.press('ArrowRight');
    expect(await focused(page)).toBe(idOf(1));
    const columns = await page.evaluate(() => {
      const tiles = [...document.querySelectorAll<HTMLElement>('#health-grid .tile')];
      const top = tiles.find((t) => t.dataset.deviceId === 'grid-00000')!.getBoundingClientRect().top;
      return tiles.filter((t) => t.getBoundingClientRect().top === top).length;
    });
    expect(columns).toBeGreaterThan(10);
    await page.keyboard.press('ArrowDown');
    expect(await focused(page)).toBe(idOf(1 + columns));
    await page.keyboard.press('Home');
    expect(await focused(page)).toBe(idOf(columns));
    await page.keyboard.press('Control+End');
    expect(await focused(page)).toBe(idOf(DEVICES - 1));
    await page.keyboard.press('Control+Home');
    expect(await focused(page)).toBe(idOf(0));
    await page.keyboard.press('PageDown');
    const afterPage = Number((await focused(page))?.slice(5));
    expect(afterPage % columns).toBe(0);
    expect(afterPage).toBeGreaterThan(columns * 5);
    // One Tab leaves the grid, past 10,000 devices.
    await page.keyboard.press('Tab');
    expect(await focused(page)).toBeUndefined();
    expect(await page.evaluate(() => document.activeElement?.closest('#health-grid'))).toBeNull();
    // Back in: the tile last focused is the tab stop.
    await page.keyboard.press('Shift+Tab');
    expect(await focused(page)).toBe(idOf(afterPage));
    // Enter opens the device.
    await page.keyboard.press('Enter');
    await expect.poll(() => page.evaluate(() => location.hash)).toBe(`#/device/${idOf(afterPage)}`);
    await page.goBack();
    await page.locator('#skip-grid').focus();
    await page.keyboard.press('Enter');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('alerts-title');
    expect(await page.evaluate(() => location.hash)).toBe('#/fleet');
    await shoot(page, 'fleet-grid-10k-en-desk');
  });
});

describe.each([
  ['en', { width: 768, height: 1024 }],
  ['id', { width: 390, height: 844 }],
] as [Lang, { width: number; height: number }][])('no sideways scrolling (%s, %o)', (lang, size) => {
  it('the fleet page fits the screen with 10,000 devices', async () => {
    const context = await contextFor(browser, lang, size);
    const page = await signIn(context, purna.dashboardUrl, lang, 'planner@test.purna', '#/fleet');
    await expect
      .poll(() => page.locator('#health-grid').getAttribute('data-count'), { timeout: 15_000 })
      .toBe(String(DEVICES));
    const box = await page.locator('#health-grid').boundingBox();
    expect(box!.width).toBeLessThanOrEqual(size.width);
    // Every rendered tile lies inside the grid's width.
    const overflow = await page.evaluate(() => {
      const grid = document.querySelector('#health-grid')!.getBoundingClientRect();
      return [...document.querySelectorAll('#health-grid .tile')].filter(
        (t) => t.getBoundingClientRect().right > grid.right,
      ).length;
    });
    expect(overflow).toBe(0);
    await shoot(page, `fleet-grid-10k-${lang}-${size.width}`);
    await context.close();
  });
});

it('no CSP violation', () => {
  expect(cspViolations(browser)).toEqual([]);
});
