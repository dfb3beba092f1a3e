// On a phone every filter's label sits beside its own control (issue 18's walk: the fleet's
// "Model" label ended one line and its select began the next, so a label read as belonging to
// the control before it). The fleet's and the board's filters, in Indonesian and English at
// 390×844; at a desk they stay on one line. Screenshots in test-artifacts/phone-filters-*.png.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDemo } from '../../demo/seed.ts';
import { cspViolations, launchBrowser } from '../support/browser.ts';
import { contextFor, type Lang, MATRIX, type Size, shoot, signIn } from '../support/dashboard-page.ts';
import { loginAs, startTestPurna, type TestPurna } from '../support/purna.ts';

let purna: TestPurna;
let browser: Browser;

beforeAll(async () => {
  purna = await startTestPurna();
  seedDemo(purna.service, { totalDevices: 12, historyDays: 0 });
  purna.fleetView.register(
    purna.service.customers
      .listDevices()
      .map((d) => ({ deviceId: d.id, modelId: d.modelId, site: d.siteName, timeZone: d.timeZone })),
  );
  await loginAs(purna, 'planner');
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await purna?.destroy();
});

/** For each label of the filters: how far its middle is from its control's (0: side by side). */
async function labelOffsets(page: Page, selector: string): Promise<{ label: string; dy: number; right: boolean }[]> {
  return page.locator(`${selector} label`).evaluateAll((labels) =>
    labels.map((l) => {
      const control = document.getElementById((l as HTMLLabelElement).htmlFor)!;
      const a = l.getBoundingClientRect();
      const b = control.getBoundingClientRect();
      return {
        label: l.textContent ?? '',
        dy: Math.abs(a.top + a.height / 2 - (b.top + b.height / 2)),
        right: b.left >= a.right,
      };
    }),
  );
}

describe.each(MATRIX)('filters ($lang, $size)', ({ lang, size }: { lang: Lang; size: Size }) => {
  it('each label beside its control, on the fleet and the board', async () => {
    const context = await contextFor(browser, lang, size);
    const page = await signIn(context, purna.dashboardUrl, lang, 'planner@test.purna', '#/fleet');
    for (const [hash, selector] of [
      ['#/fleet', '#view section .filters'],
      ['#/work-orders', '.filters:has(#board-state)'],
    ] as const) {
      await page.goto(`${purna.dashboardUrl}${hash}`);
      await page.locator(`${selector} label`).first().waitFor();
      const offsets = await labelOffsets(page, selector);
      expect(offsets.length).toBeGreaterThanOrEqual(3);
      for (const o of offsets) {
        expect(o.dy, `${hash} "${o.label}"`).toBeLessThan(8);
        expect(o.right, `${hash} "${o.label}" left of its control`).toBe(true);
      }
      await shoot(page, `phone-filters-${hash.slice(2)}-${lang}-${size}`);
    }
    await context.close();
  });
});

it('no CSP violation', () => {
  expect(cspViolations(browser)).toEqual([]);
});
