// Every main screen in Bahasa Indonesia and in English, on a phone (390×844) and at a desk
// (1440×900), in Debian's Chromium: Indonesian text, decimal commas and the site's zone (WIB,
// WITA) in Indonesian, English in English, no page wider than the screen; switching the
// language in the header is kept for the user. Screenshots in test-artifacts/i18n-*.png.
import { mkdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { MqttClient } from 'mqtt';
import { topics } from '../../core/topics.ts';
import type { HistoricalWorkOrder } from '../../service/work-orders/history-import.ts';
import { seedDemo } from '../../demo/seed.ts';
import { launchBrowser } from '../support/browser.ts';
import { connectDevice, loginAs, startTestPurna, type TestPurna } from '../support/purna.ts';
import { dispatchRequest } from '../service/helpers.ts';

const ARTIFACTS = 'test-artifacts';
const jakartaPump = 'pump-i18n-0001';
const makassarPump = 'pump-i18n-mks1';
const PASSWORD = 'test-password-0123456789';
let purna: TestPurna;
let browser: Browser;
let device: MqttClient;
let workOrderId: string;
let technicianId: string;
let surveyUrl: string;
let resolvedId: string;

const SIZES = { phone: { width: 390, height: 844 }, desk: { width: 1440, height: 900 } } as const;
const LOCALE = { id: 'id-ID', en: 'en-GB' } as const;

beforeAll(async () => {
  purna = await startTestPurna();
  seedDemo(purna.service, {
    devices: [{ deviceId: jakartaPump, modelId: 'pump-p200' }],
    totalDevices: 30,
    historyDays: 14,
  });
  purna.service.customers.registerDevices([{ deviceId: makassarPump, modelId: 'pump-p200', siteId: 'CUST-019-S1' }]);
  purna.fleetView.register(
    purna.service.customers.listDevices().map((d) => ({
      deviceId: d.id,
      modelId: d.modelId,
      site: d.siteName ? `${d.siteName}, ${d.city}` : null,
      timeZone: d.timeZone,
    })),
  );
  // Readings: vibration 7.1 mm/s (ISO 10816 class II zone C/D boundary) on the Jakarta pump.
  device = await connectDevice(purna.mqttUrl, jakartaPump);
  await device.publishAsync(
    topics.telemetry(jakartaPump),
    JSON.stringify({ values: { vibration: 7.1, temperature: 61.25 } }),
    { qos: 1 },
  );
  const other = await connectDevice(purna.mqttUrl, makassarPump);
  await other.publishAsync(
    topics.telemetry(makassarPump),
    JSON.stringify({ values: { vibration: 2.4, temperature: 55.5 } }),
    { qos: 1 },
  );
  await other.endAsync();
  // The work order analytics would open at ISO 10816 zone D (class II: C/D at 7.1 mm/s).
  const request = dispatchRequest(jakartaPump);
  request.health = {
    ...request.health,
    rule: 'iso10816-zone-d',
    score: 5,
    state: 'critical',
    evidence: { smoothed: 7.1, zoneBC: 2.8, zoneCD: 7.1 },
    explanation: 'vibration 7.10 mm/s is in ISO 10816 zone D',
  };
  const order = purna.service.workOrders.handleDispatch(request).order;
  workOrderId = order.id;
  technicianId = order.technicianId!;
  // A finished job of the Makassar plant, for the customer's survey page.
  const resolved: HistoricalWorkOrder = {
    deviceId: makassarPump,
    mode: 'bearing_wear',
    severity: 'high',
    createdAtMs: Date.now() - 86_400_000,
    technicianId,
    onSiteAtMs: Date.now() - 80_000_000,
    resolvedAtMs: Date.now() - 79_000_000,
    resolutionCode: 'fault_confirmed_part_replaced',
  };
  [resolvedId] = purna.service.workOrders.importHistory([resolved]);
  surveyUrl = new URL(purna.service.customers.issueSurvey(resolvedId).url, purna.dashboardUrl).href;
  await loginAs(purna, 'planner');
  await loginAs(purna, 'technician', technicianId);
  browser = await launchBrowser();
  mkdirSync(ARTIFACTS, { recursive: true });
});
afterAll(async () => {
  await device?.endAsync();
  await browser?.close();
  await purna?.destroy();
});

async function signIn(
  context: BrowserContext,
  email: string,
  labels: { email: string; password: string; submit: string },
  hash = '',
): Promise<Page> {
  const page = await context.newPage();
  await page.goto(`${purna.dashboardUrl}${hash}`);
  await page.getByLabel(labels.email, { exact: true }).fill(email);
  await page.getByLabel(labels.password, { exact: true }).fill(PASSWORD);
  await page.getByRole('button', { name: labels.submit, exact: true }).click();
  await page.locator('#connection.live').waitFor();
  return page;
}

/** The page is no wider than the screen (a long Indonesian label would push it sideways), then a screenshot. */
async function shoot(page: Page, name: string): Promise<void> {
  const { scrollWidth, innerWidth } = await page.evaluate(() => ({
    scrollWidth: document.documentElement.scrollWidth,
    innerWidth: window.innerWidth,
  }));
  await page.screenshot({ path: `${ARTIFACTS}/i18n-${name}.png`, fullPage: true });
  expect(scrollWidth, `${name}: page ${scrollWidth}px wide on a ${innerWidth}px screen`).toBeLessThanOrEqual(
    innerWidth,
  );
}

const go = async (page: Page, hash: string) => {
  await page.goto(`${purna.dashboardUrl}${hash}`);
  await page.locator('#connection.live').waitFor();
};

const TEXT = {
  id: {
    labels: { email: 'Email', password: 'Kata sandi', submit: 'Masuk' },
    fleetTitle: 'Kesehatan armada',
    attention: 'Perlu perhatian',
    vibration: '7,10',
    temperature: '61,3',
    time: /^\d{2}\.\d{2}\.\d{2} WIB$/,
    makassarTime: /^\d{2}\.\d{2}\.\d{2} WITA$/,
    learning: 'sedang mempelajari perilaku normal perangkat ini',
    zoneD: 'getaran 7,10 mm/s di zona D ISO 10816 (≥ 7,1 mm/s): kerusakan sedang terjadi',
    health: /^Kesehatan \d+ \(/,
    boardColumn: /^ditugaskan \(1\)$/,
    sla: /SLA: selesaikan dalam .+ \(paling lambat \d{1,2} \w{3} \d{4}, \d{2}\.\d{2} WIB\)/,
    kpis: 'KPI layanan',
    kpiLabel: 'Tuntas pada kunjungan pertama',
    imported: 'diimpor dari riwayat servis',
    noClaims: 'Tidak ada klaim garansi pada periode ini.',
    tech: 'Tugas saya',
    techSla: /SLA: selesaikan paling lambat \d{1,2} \w{3} \d{4}, \d{2}\.\d{2} WIB \(sisa /,
    where: /^Lokasi: .+ · nomor seri /,
    acknowledge: 'Terima tugas',
    survey: 'Bagaimana kunjungan servis kami?',
    surveyTime: /selesai \d{1,2} \w{3} \d{4}, \d{2}\.\d{2} WITA\./,
  },
  en: {
    labels: { email: 'Email', password: 'Password', submit: 'Sign in' },
    fleetTitle: 'Fleet health',
    attention: 'Needs attention',
    vibration: '7.10',
    temperature: '61.3',
    time: /^\d{2}:\d{2}:\d{2} WIB$/,
    makassarTime: /^\d{2}:\d{2}:\d{2} WITA$/,
    learning: 'learning this device’s normal behaviour',
    zoneD: 'vibration 7.10 mm/s is in ISO 10816 zone D (≥ 7.1 mm/s): damage is occurring',
    health: /^Health \d+ \(/,
    boardColumn: /^assigned \(1\)$/,
    sla: /SLA: resolve within .+ \(by \d{1,2} \w{3} \d{4}, \d{2}:\d{2} WIB\)/,
    kpis: 'Service KPIs',
    kpiLabel: 'First-time fix',
    imported: 'imported from the service history',
    noClaims: 'No warranty claims in this period.',
    tech: 'My dispatches',
    techSla: /SLA: resolve by \d{1,2} \w{3} \d{4}, \d{2}:\d{2} WIB \(.+ left\)/,
    where: /^Where: .+ · serial /,
    acknowledge: 'Acknowledge',
    survey: 'How did our service visit go?',
    surveyTime: /completed \d{1,2} \w{3} \d{4}, \d{2}:\d{2} WITA\./,
  },
} as const;

for (const lang of ['id', 'en'] as const) {
  for (const size of ['phone', 'desk'] as const) {
    describe(`${lang} at ${size} size`, () => {
      const text = TEXT[lang];
      const contextOf = () =>
        browser.newContext({ viewport: SIZES[size], locale: LOCALE[lang], timezoneId: 'Asia/Jakarta' });

      it('the planner’s fleet, device, work-order board and KPIs', async () => {
        const context = await contextOf();
        const page = await signIn(context, 'planner@test.purna', text.labels);
        expect(await page.locator('html').getAttribute('lang')).toBe(lang);
        await page.getByRole('heading', { name: text.fleetTitle }).waitFor();
        await page.getByRole('heading', { name: text.attention }).waitFor();
        const row = page.locator(`#devices tr[data-device-id="${jakartaPump}"]`);
        await expect.poll(() => row.locator('td.vibration').textContent(), { timeout: 10_000 }).toBe(text.vibration);
        expect(await row.locator('td.temperature').textContent()).toBe(text.temperature);
        expect(await row.locator('td.seen').textContent()).toMatch(text.time);
        expect(await row.locator('td.why').textContent()).toBe(text.learning);
        expect(await page.locator(`#devices tr[data-device-id="${makassarPump}"] td.seen`).textContent()).toMatch(
          text.makassarTime,
        );
        await shoot(page, `${lang}-${size}-fleet`);

        await go(page, `#/device/${jakartaPump}`);
        await page.locator('.chart canvas').first().waitFor();
        await expect.poll(() => page.locator('#device-health').textContent(), { timeout: 10_000 }).toMatch(text.health);
        await shoot(page, `${lang}-${size}-device`);

        await go(page, '#/work-orders');
        const column = page.locator('#board section[data-state="assigned"] h3');
        await expect.poll(() => column.textContent()).toMatch(text.boardColumn);
        const card = page.locator(`#board [data-work-order-id="${workOrderId}"]`);
        expect(await card.textContent()).toMatch(text.sla);
        expect(await card.locator('.why').textContent()).toBe(text.zoneD);
        // A job from the imported service history says where it came from in the viewer's language.
        expect(await page.locator(`#board [data-work-order-id="${resolvedId}"] .why`).textContent()).toBe(
          text.imported,
        );
        await shoot(page, `${lang}-${size}-board`);

        await go(page, '#/kpis');
        await page.getByRole('heading', { name: text.kpis }).waitFor();
        await page.locator('#kpi-ftf').waitFor();
        await page.locator('#kpi-trend canvas').first().waitFor();
        expect(await page.locator('#kpis').textContent()).toContain(text.kpiLabel);
        // No claim in the period: the warranty section says so instead of a heading over nothing.
        expect(await page.locator('#kpi-warranty-models').textContent()).toBe(text.noClaims);
        await shoot(page, `${lang}-${size}-kpis`);
        await context.close();
      });

      it('the technician’s dispatches', async () => {
        const context = await contextOf();
        const page = await signIn(context, `technician-${technicianId}@test.purna`.toLowerCase(), text.labels);
        await page.getByRole('heading', { name: text.tech }).waitFor();
        const job = page.locator(`#my-jobs article[data-work-order-id="${workOrderId}"]`);
        await expect.poll(() => job.locator('.where').textContent(), { timeout: 10_000 }).toMatch(text.where);
        expect(await job.locator('.sla').textContent()).toMatch(text.techSla);
        expect(await job.locator('.why:not(.now)').textContent()).toContain(text.zoneD); // why it opened
        await job.getByRole('button', { name: text.acknowledge }).waitFor();
        await job.locator('.evidence canvas').first().waitFor({ timeout: 10_000 });
        await shoot(page, `${lang}-${size}-technician`);

        // The job's device page asks only what a technician may see: no 403 in the console (it
        // asked for the device's warranty cover, which is the planners').
        const refused: string[] = [];
        page.on('response', (r) => {
          if (r.status() >= 400) refused.push(`${r.status()} ${new URL(r.url()).pathname}`);
        });
        await go(page, `#/device/${jakartaPump}`);
        await page.locator('#device-next-due').waitFor(); // after both of the card's answers
        expect(refused).toEqual([]);
        await context.close();
      });

      it('the customer’s survey page', async () => {
        const context = await contextOf();
        const page = await context.newPage();
        await page.goto(surveyUrl);
        await page.getByRole('heading', { name: text.survey }).waitFor();
        const icon = await page.locator('link[rel="icon"]').getAttribute('href'); // else a 401 for /favicon.ico
        expect((await fetch(new URL(icon!, surveyUrl))).status).toBe(200);
        expect(await page.locator('p.muted').textContent()).toMatch(text.surveyTime);
        await shoot(page, `${lang}-${size}-survey`);
        await context.close();
      });
    });
  }
}

it('switching the language in the header is kept for the user, on any browser', async () => {
  const context = await browser.newContext({ viewport: SIZES.desk, locale: 'en-GB' });
  const page = await signIn(context, 'planner@test.purna', TEXT.en.labels);
  await page.getByRole('link', { name: 'Fleet', exact: true }).waitFor();
  await page.locator('#language').selectOption('id');
  await page.getByRole('link', { name: 'Armada', exact: true }).waitFor();
  await page.getByRole('heading', { name: 'Kesehatan armada' }).waitFor();
  await expect.poll(() => purna.users.byEmail('planner@test.purna')!.language).toBe('id');
  await context.close();

  // A fresh English browser (nothing stored in it): the user's choice, from the server.
  const fresh = await browser.newContext({ viewport: SIZES.desk, locale: 'en-GB' });
  const again = await signIn(fresh, 'planner@test.purna', TEXT.en.labels);
  await again.getByRole('link', { name: 'Armada', exact: true }).waitFor();
  expect(await again.locator('#language').inputValue()).toBe('id');
  await again.locator('#language').selectOption('en');
  await again.getByRole('link', { name: 'Fleet', exact: true }).waitFor();
  await expect.poll(() => purna.users.byEmail('planner@test.purna')!.language).toBe('en');
  await fresh.close();
  purna.users.setLanguage(purna.users.byEmail('planner@test.purna')!.id, null);
});
