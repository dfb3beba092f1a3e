// The KPI page adds up and lets the planner see the jobs behind a number (issue 18: "131 work
// orders = 2 active + 125 resolved leaves 4 unexplained; no axis titles; no drill-down"). In
// Chromium, in English at a desk and in Indonesian on a phone.
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDemo } from '../../demo/seed.ts';
import { dispatchRequest } from '../service/helpers.ts';
import { cspViolations, launchBrowser } from '../support/browser.ts';
import { contextFor, shoot, signIn } from '../support/dashboard-page.ts';
import { loginAs, startTestPurna, type TestPurna } from '../support/purna.ts';

let browser: Browser;
let purna: TestPurna;
let cancelledId: string;
let activeId: string;
let resolvedId: string;

beforeAll(async () => {
  purna = await startTestPurna();
  seedDemo(purna.service, { totalDevices: 20, historyDays: 0 });
  const devices = purna.service.customers.listDevices();
  activeId = purna.service.workOrders.handleDispatch(dispatchRequest(devices[0].id)).order.id;
  cancelledId = purna.service.workOrders.handleDispatch(dispatchRequest(devices[1].id)).order.id;
  purna.service.workOrders.transition(cancelledId, { to: 'cancelled', actor: 'planner', note: 'duplicate call' });
  [resolvedId] = purna.service.workOrders.importHistory([
    {
      deviceId: devices[2].id,
      mode: 'bearing_wear',
      severity: 'high',
      createdAtMs: Date.now() - 3 * 86_400_000,
      technicianId: purna.service.network.listTechnicians()[0].id,
      onSiteAtMs: Date.now() - 2.9 * 86_400_000,
      resolvedAtMs: Date.now() - 2.8 * 86_400_000,
      resolutionCode: 'fault_confirmed_part_replaced',
    },
  ]);
  await loginAs(purna, 'planner');
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await purna?.destroy();
});

const TEXT = {
  en: {
    cancelled: /1 cancelled/,
    created: /3 work orders created/,
    axis: 'SLA compliance %',
    repeats: '0 of 1 repair visits (0%)',
  },
  id: {
    cancelled: /1 dibatalkan/,
    created: /3 perintah kerja dibuat/,
    axis: 'kepatuhan SLA %',
    repeats: '0 dari 1 kunjungan perbaikan (0%)',
  },
} as const;

describe('KPI page', () => {
  for (const [lang, size] of [
    ['en', 'desk'],
    ['id', 'phone'],
  ] as const) {
    it(`${lang} ${size}: created = active + resolved + cancelled, each opens its jobs; the trend has axis titles`, async () => {
      const context = await contextFor(browser, lang, size);
      const page = await signIn(context, purna.dashboardUrl, lang, 'planner@test.purna', '#/kpis');
      const cohort = page.locator('#kpi-cohort');
      await cohort.getByRole('button', { name: TEXT[lang].cancelled }).waitFor();
      const text = (await cohort.textContent()) ?? '';
      const [created, active, resolved, cancelled] = [...text.matchAll(/\d+/g)].map((m) => Number(m[0]));
      expect(created).toBe(3);
      expect(active + resolved + cancelled).toBe(created);
      expect([active, resolved, cancelled]).toEqual([1, 1, 1]);
      expect(await page.locator('#kpi-cancelled').textContent()).toBe('1');
      // Repeat visits out of how many (the imported job's one visit on site), not a bare count.
      expect(await page.locator('#kpi-repeat-visits').textContent()).toBe(TEXT[lang].repeats);
      // The failure rate per model names each model as the catalogue does ('Screw compressor C75 (75 kW)', not 'compressor-c75').
      const names = purna.service.catalogue.listProductModels().map((m) => m.name);
      const labels = await page.locator('.hbar-label').allTextContents();
      expect(labels.length).toBeGreaterThan(0);
      for (const label of labels) expect(names).toContain(label);

      await cohort.getByRole('button', { name: TEXT[lang].cancelled }).click();
      const drill = page.locator('#kpi-drill');
      await drill.locator(`li[data-work-order-id="${cancelledId}"]`).waitFor();
      expect(await drill.locator('li').count()).toBe(1);
      await cohort.getByRole('button', { name: TEXT[lang].created }).click();
      await drill.locator(`li[data-work-order-id="${resolvedId}"]`).waitFor();
      expect(await drill.locator('li').count()).toBe(3);
      await drill.locator(`li[data-work-order-id="${activeId}"]`).waitFor();

      await page.locator('#kpi-trend .u-axis').first().waitFor();
      expect(await page.locator('#kpi-trend').textContent()).toContain(TEXT[lang].axis);
      await shoot(page, `kpis-drill-${lang}-${size}`);

      await drill.getByRole('link', { name: cancelledId }).click();
      await page.waitForURL(new RegExp(`#/work-order/${cancelledId}$`));
      expect(cspViolations(browser)).toEqual([]);
      await context.close();
    });
  }
});
