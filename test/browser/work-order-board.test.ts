// The planner's work-order board in Debian's Chromium, in both languages, at a desk (1440×900)
// and on a phone (390×844): "Plan dispatch" only on open jobs (and it works there), resolved and
// cancelled columns of the last week, technician names, deadlines in the site's zone (WIB),
// filters, and cancelling asks for a reason that is stored on the transition.
// Screenshots in test-artifacts/board-*.png.
import { mkdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { seedDemo } from '../../demo/seed.ts';
import type { FalseAlarmDismissal } from '../../core/types.ts';
import type { ServiceWorkOrder } from '../../service/types.ts';
import { cspViolations, launchBrowser } from '../support/browser.ts';
import { loginAs, startTestPurna, type TestPurna } from '../support/purna.ts';
import { dispatchRequest } from '../service/helpers.ts';

const ARTIFACTS = 'test-artifacts';
const PASSWORD = 'test-password-0123456789';
const SIZES = { phone: { width: 390, height: 844 }, desk: { width: 1440, height: 900 } } as const;
const LOCALE = { id: 'id-ID', en: 'en-GB' } as const;
const DAY = 86_400_000;
let purna: TestPurna;
let browser: Browser;
let assigned: ServiceWorkOrder;
let recentResolved: string;
let oldResolved: string;
/** One job per test run to cancel, and one to dismiss as a false alarm (each variant its own). */
const toCancel = new Map<string, ServiceWorkOrder>();
const toDismiss = new Map<string, ServiceWorkOrder>();
const dismissals: FalseAlarmDismissal[] = [];

const TEXT = {
  id: {
    labels: { email: 'Email', password: 'Kata sandi', submit: 'Masuk' },
    plan: 'Rencanakan penugasan',
    cancel: 'Batalkan',
    confirm: 'Batalkan perintah kerja',
    technician: 'Teknisi',
    falseAlarm: 'Abaikan sebagai alarm palsu',
    // The closed columns say they hold the last week, not all time.
    resolved: /^selesai, 7 hari terakhir \(\d+\)$/,
    sla: /\(paling lambat .*\d{2}\.\d{2} WIB\)/,
    cancelled: /: dibatalkan$/,
    dismissed: /: diabaikan sebagai alarm palsu$/,
  },
  en: {
    labels: { email: 'Email', password: 'Password', submit: 'Sign in' },
    plan: 'Plan dispatch',
    cancel: 'Cancel',
    confirm: 'Cancel work order',
    technician: 'Technician',
    falseAlarm: 'Dismiss as a false alarm',
    resolved: /^resolved, last 7 days \(\d+\)$/,
    sla: /\(by .*\d{2}:\d{2} WIB\)/,
    cancelled: /: cancelled$/,
    dismissed: /: dismissed as a false alarm$/,
  },
} as const;

beforeAll(async () => {
  purna = await startTestPurna();
  seedDemo(purna.service, { totalDevices: 30, historyDays: 0 });
  const devices = purna.service.customers.listDevices();
  purna.fleetView.register(
    devices.map((d) => ({
      deviceId: d.id,
      modelId: d.modelId,
      site: d.siteName ? `${d.siteName}, ${d.city}` : null,
      timeZone: d.timeZone,
    })),
  );
  const jakarta = devices.filter((d) => d.timeZone === 'Asia/Jakarta');
  assigned = purna.service.workOrders.handleDispatch(dispatchRequest(jakarta[0].id)).order;
  expect(assigned.state).toBe('assigned');
  const variants = ['id-phone', 'id-desk', 'en-phone', 'en-desk'];
  variants.forEach((v, i) =>
    toCancel.set(
      v,
      purna.service.workOrders.handleDispatch(dispatchRequest(jakarta[i + 1].id, 'cooling_failure')).order,
    ),
  );
  variants.forEach((v, i) =>
    toDismiss.set(v, purna.service.workOrders.handleDispatch(dispatchRequest(jakarta[i + 1].id, 'sensor_fault')).order),
  );
  purna.bus.on('falseAlarm', (d) => dismissals.push(d));
  const now = Date.now();
  const technicianId = assigned.technicianId!;
  [recentResolved, oldResolved] = purna.service.workOrders.importHistory([
    {
      deviceId: jakarta[5].id,
      mode: 'bearing_wear',
      severity: 'high',
      createdAtMs: now - 2 * DAY,
      technicianId,
      onSiteAtMs: now - 1.9 * DAY,
      resolvedAtMs: now - 1.8 * DAY,
      resolutionCode: 'fault_confirmed_part_replaced',
    },
    {
      deviceId: jakarta[5].id,
      mode: 'bearing_wear',
      severity: 'high',
      createdAtMs: now - 12 * DAY,
      technicianId,
      onSiteAtMs: now - 11.9 * DAY,
      resolvedAtMs: now - 11.8 * DAY,
      resolutionCode: 'no_fault_found',
    },
  ]);
  await loginAs(purna, 'planner');
  browser = await launchBrowser();
  mkdirSync(ARTIFACTS, { recursive: true });
});
afterAll(async () => {
  await browser?.close();
  await purna?.destroy();
});

/** A job declined back to open, for the plan-dispatch check (each variant its own). */
function openJob(): ServiceWorkOrder {
  const job = purna.service.workOrders.handleDispatch(
    dispatchRequest(
      purna.service.customers
        .listDevices()
        .filter((d) => !purna.service.workOrders.listWorkOrders({ deviceId: d.id }).length)[0].id,
      'lubrication_loss',
    ),
  ).order;
  return purna.service.workOrders.transition(job.id, {
    to: 'open',
    version: job.version,
    actor: 'test',
    note: 'declined',
  });
}

async function shoot(page: Page, name: string): Promise<void> {
  const { scrollWidth, innerWidth } = await page.evaluate(() => ({
    scrollWidth: document.documentElement.scrollWidth,
    innerWidth: window.innerWidth,
  }));
  await page.screenshot({ path: `${ARTIFACTS}/board-${name}.png`, fullPage: true });
  expect(scrollWidth, `${name}: page ${scrollWidth}px wide on a ${innerWidth}px screen`).toBeLessThanOrEqual(
    innerWidth,
  );
}

for (const lang of ['id', 'en'] as const) {
  for (const size of ['phone', 'desk'] as const) {
    describe(`${lang} at ${size} size`, () => {
      const text = TEXT[lang];
      it('plan dispatch on open jobs only, closed columns, names, zone, filters, cancel with a reason', async () => {
        const open = openJob();
        const context = await browser.newContext({
          viewport: SIZES[size],
          locale: LOCALE[lang],
          timezoneId: 'Asia/Jakarta',
        });
        const page = await context.newPage();
        await page.goto(`${purna.dashboardUrl}#/work-orders`);
        await page.getByLabel(text.labels.email, { exact: true }).fill('planner@test.purna');
        await page.getByLabel(text.labels.password, { exact: true }).fill(PASSWORD);
        await page.getByRole('button', { name: text.labels.submit, exact: true }).click();
        await page.locator('#connection.live').waitFor();
        const card = (id: string) => page.locator(`#board [data-work-order-id="${id}"]`);

        // Names, not ids; the deadline on the site's clock.
        const technician = purna.service.network.listTechnicians().find((x) => x.id === assigned.technicianId)!;
        await expect.poll(() => card(assigned.id).locator('.who').textContent()).toContain(technician.name);
        expect(await card(assigned.id).locator('.sla').textContent()).toMatch(text.sla);
        // Only an open job offers "Plan dispatch".
        expect(await card(assigned.id).getByRole('button', { name: text.plan }).count()).toBe(0);
        // Resolved in the last week is shown; twelve days ago is not.
        await card(recentResolved).waitFor();
        expect(await page.locator('#board section[data-state="resolved"] h3').textContent()).toMatch(text.resolved);
        expect(await card(oldResolved).count()).toBe(0);
        await shoot(page, `${lang}-${size}`);

        // Plan dispatch on the open job works: it is assigned again.
        await card(open.id).getByRole('button', { name: text.plan }).click();
        await expect.poll(() => card(open.id).getAttribute('data-state')).toBe('assigned');

        // The technician filter leaves that technician's jobs only.
        await page.getByLabel(text.technician, { exact: true }).selectOption(technician.id);
        const shown = await page
          .locator('#board [data-work-order-id]')
          .evaluateAll((cards) => cards.map((c) => c.getAttribute('data-work-order-id')));
        expect(shown).toContain(assigned.id);
        for (const id of shown) expect(purna.service.workOrders.getWorkOrder(id!)!.technicianId).toBe(technician.id);
        await page.getByLabel(text.technician, { exact: true }).selectOption('');

        // Cancel asks why; without a reason nothing happens, with one it is stored on the transition.
        const job = toCancel.get(`${lang}-${size}`)!;
        await card(job.id).getByRole('button', { name: text.cancel, exact: true }).click();
        const dialog = page.locator('dialog.cancel-dialog');
        await dialog.getByRole('button', { name: text.confirm }).click();
        expect(await dialog.evaluate((d) => (d as HTMLDialogElement).open)).toBe(true);
        expect(purna.service.workOrders.getWorkOrder(job.id)!.state).not.toBe('cancelled');
        await shoot(page, `${lang}-${size}-cancel`);
        await dialog.locator('textarea').fill('customer replaced the pump themselves');
        await dialog.getByRole('button', { name: text.confirm }).click();
        await expect.poll(() => page.locator('#view .status').textContent()).toMatch(text.cancelled);
        expect(purna.service.workOrders.getWorkOrder(job.id)!.state).toBe('cancelled');
        expect(purna.service.workOrders.workOrderHistory(job.id).at(-1)).toMatchObject({
          toState: 'cancelled',
          note: 'customer replaced the pump themselves',
          actor: expect.stringContaining('planner'),
        });
        await expect.poll(() => card(job.id).getAttribute('data-state')).toBe('cancelled');

        // Dismissed as a false alarm: the reason is kept, marked, and analytics hears of it.
        const duplicate = toDismiss.get(`${lang}-${size}`)!;
        await card(duplicate.id).getByRole('button', { name: text.cancel, exact: true }).click();
        await dialog.locator('textarea').fill('second job for the same pump: the sensor is fine');
        await dialog.getByLabel(text.falseAlarm).check();
        await dialog.getByRole('button', { name: text.confirm }).click();
        await expect.poll(() => page.locator('#view .status').textContent()).toMatch(text.dismissed);
        expect(purna.service.workOrders.workOrderHistory(duplicate.id).at(-1)).toMatchObject({
          toState: 'cancelled',
          note: 'dismissed as a false alarm: second job for the same pump: the sensor is fine',
        });
        expect(dismissals).toContainEqual(
          expect.objectContaining({ workOrderId: duplicate.id, deviceId: duplicate.deviceId, mode: 'sensor_fault' }),
        );
        expect(cspViolations(browser)).toEqual([]);
        await context.close();
      });
    });
  }
}
