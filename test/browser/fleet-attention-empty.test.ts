// The fleet's "Needs attention" table says so when nothing needs attention, instead of showing
// its headings over nothing (read as "still loading"), and says when the filters let nothing
// through — in English at a desk and in Indonesian on a phone. Found walking the demo: 280 devices
// never seen, 20 learning, and an empty table. Screenshots in test-artifacts/fleet-attention-*.png.
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cspViolations, launchBrowser } from '../support/browser.ts';
import { contextFor, type Lang, type Size, shoot, signIn } from '../support/dashboard-page.ts';
import { loginAs, startTestPurna, type TestPurna } from '../support/purna.ts';

let purna: TestPurna;
let browser: Browser;

beforeAll(async () => {
  purna = await startTestPurna();
  // More than 50 devices, none heard from: none of them needs attention yet.
  purna.fleetView.register(
    Array.from({ length: 60 }, (_, i) => ({
      deviceId: `pump-${String(i).padStart(4, '0')}`,
      modelId: 'pump-p200',
      site: 'Plant Cikarang',
      timeZone: 'Asia/Jakarta',
    })),
  );
  await loginAs(purna, 'planner');
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await purna?.destroy();
});

const TEXT = {
  en: {
    none: /^Nothing needs attention: /,
    noMatch: 'No device the filters let through needs attention.',
    search: 'Search',
  },
  id: {
    none: /^Tidak ada yang perlu ditangani: /,
    noMatch: 'Tidak ada perangkat yang lolos filter yang perlu ditangani.',
    search: 'Cari',
  },
} as const;

describe.each([
  ['en', 'desk'],
  ['id', 'phone'],
] as [Lang, Size][])('the fleet page (%s, %s)', (lang, size) => {
  it('says nothing needs attention, and when the filters let nothing through', async () => {
    const context = await contextFor(browser, lang, size);
    const page = await signIn(context, purna.dashboardUrl, lang, 'planner@test.purna', '#/fleet');
    const body = page.locator('#attention-empty');
    await expect.poll(() => body.textContent()).toMatch(TEXT[lang].none);
    expect(await body.isVisible()).toBe(true);
    // The table's headings over nothing are not shown.
    expect(await page.locator('#devices').isVisible()).toBe(false);
    await shoot(page, `fleet-attention-${lang}-${size}`);
    await page.getByLabel(TEXT[lang].search, { exact: true }).fill('no-such-device');
    await expect.poll(() => body.textContent()).toBe(TEXT[lang].noMatch);
    await context.close();
  });
});

it('no CSP violation', () => {
  expect(cspViolations(browser)).toEqual([]);
});
