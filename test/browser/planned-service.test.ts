// Planned work in the browser (issue 19): the planner opens an inspection from the board's form,
// and a device's page shows its next maintenance due date and its cover, in the site's zone, in
// Indonesian — on a real Purna in Chromium.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatDate } from '../../core/i18n/format.ts';
import { dispatchRequest } from '../service/helpers.ts';
import { cspViolations, launchBrowser } from '../support/browser.ts';
import { eventually, loginAs, startTestPurna, type TestPurna } from '../support/purna.ts';

const DAY = 86_400_000;
let purna: TestPurna;
let browser: Browser;
let installedAt: number;

beforeAll(async () => {
  purna = await startTestPurna();
  browser = await launchBrowser();
  await loginAs(purna, 'planner');
  const reg = purna.service.stores.registry;
  reg.upsertCustomer({ id: 'C1', name: 'PT Tirta Makmur' });
  reg.upsertSite({
    id: 'S-MKS',
    customerId: 'C1',
    name: 'Plant Makassar',
    city: 'Makassar',
    lat: -5.14,
    lon: 119.42,
    timeZone: 'Asia/Makassar',
  });
  installedAt = Date.now() - 10 * DAY;
  purna.service.customers.registerDevices([
    { deviceId: 'pump-mks-1', modelId: 'pump-p200', siteId: 'S-MKS', installDateMs: installedAt },
  ]);
  purna.service.maintenance.saveModelPlan('pump-p200', { intervalDays: 90 }, 'planner:p');
  purna.service.stores.network.upsertTechnician({
    id: 'T-1',
    name: 'Andi',
    homeLat: -5.15,
    homeLon: 119.43,
    skills: [{ modelId: '*', mode: '*' }],
  });
});
afterAll(async () => {
  await browser?.close();
  await purna?.destroy();
});

async function signIn(): Promise<Page> {
  const page = await (await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'id-ID' })).newPage();
  await page.goto(purna.dashboardUrl);
  await page.locator('#login-email').fill('planner@test.purna');
  await page.locator('#login-password').fill('test-password-0123456789');
  await page.locator('#login-form button[type=submit]').click();
  await page.locator('#connection.live').waitFor();
  return page;
}

describe('planned work in the browser', () => {
  it('opens an inspection from the board, and shows the next maintenance due date and the cover on the device page', async () => {
    const page = await signIn();
    await page.goto(`${purna.dashboardUrl}#/work-orders`);
    await page.locator('#new-job-device').fill('pump-mks-1');
    await page.locator('#new-job-type').selectOption('inspection');
    expect(await page.locator('#new-job-mode').isHidden()).toBe(true);
    await page.locator('#new-job button[type=submit]').click();
    await page.locator('#new-job-status', { hasText: 'dibuka: Inspeksi' }).waitFor();
    const jobs = purna.service.workOrders.listWorkOrders({ deviceId: 'pump-mks-1' });
    expect(jobs.map((w) => [w.jobType, w.mode, w.technicianId])).toEqual([['inspection', 'inspection', 'T-1']]);
    await eventually(async () => (await page.locator('#board').textContent())?.includes('Inspeksi'), 10_000);

    // A customer report needs a failure mode: the form asks for it, and the API's reason shows when it is wrong.
    await page.locator('#new-job-type').selectOption('customer_reported');
    expect(await page.locator('#new-job-mode').isVisible()).toBe(true);
    await page.locator('#new-job-device').fill('pump-mks-1');
    await page.locator('#new-job-mode').fill('melting');
    await page.locator('#new-job button[type=submit]').click();
    await page.locator('#new-job-status', { hasText: "'melting' is not a failure mode" }).waitFor();

    // An out-of-warranty repair waits on the board for the customer's yes to its quote.
    purna.service.billing.setLabourRate('bearings', 185_000, 'planner:p');
    purna.service.billing.setPartPrice('P200-BRG-KIT', 2_450_000, 'planner:p');
    purna.service.customers.registerDevices([
      {
        deviceId: 'pump-mks-old',
        modelId: 'pump-p200',
        siteId: 'S-MKS',
        installDateMs: Date.now() - 4 * 365 * DAY,
        warrantyEndMs: Date.now() - 2 * 365 * DAY,
      },
    ]);
    const paid = purna.service.workOrders.handleDispatch(dispatchRequest('pump-mks-old')).order;
    const card = page.locator(`#board [data-work-order-id="${paid.id}"]`);
    await card.locator('.awaiting-approval').waitFor();
    expect(await card.locator('.awaiting-approval').textContent()).toMatch(
      /^Menunggu persetujuan pelanggan atas penawaran: Rp\s3\.190\.000$/u,
    );
    // The customer says yes on the phone: the planner records it on the job's page.
    await page.goto(`${purna.dashboardUrl}#/work-order/${paid.id}`);
    await page.locator('#wo-quote-total').waitFor();
    expect(await page.locator('#wo-quote-total').textContent()).toMatch(/^Rp\s3\.190\.000$/u);
    expect(await page.locator('#wo-quote-lines tbody tr').count()).toBe(2);
    await page.locator('#wo-quote-note').fill('Pak Hendra, per telepon');
    await page.locator('#wo-quote-approve').click();
    await page.locator('#wo-status', { hasText: 'disetujui: teknisi diberangkatkan' }).waitFor();
    await eventually(() => purna.service.workOrders.getWorkOrder(paid.id)?.state === 'assigned', 10_000);
    expect(purna.service.billing.quoteOf(paid.id)).toMatchObject({ status: 'approved', decidedVia: 'phone' });
    await page.goto(`${purna.dashboardUrl}#/work-orders`);
    await card.locator('.meta', { hasText: 'Pelanggan menyetujui Rp' }).waitFor();

    await page.goto(`${purna.dashboardUrl}#/device/pump-mks-1`);
    // No service on record: counted from when Purna first heard of it (after its install date).
    const since = purna.service.maintenance.deviceMaintenance('pump-mks-1').sinceMs;
    expect(since).toBeGreaterThan(installedAt);
    const due = formatDate('id', since + 90 * DAY, 'Asia/Makassar');
    await page.locator('#device-next-due', { hasText: due }).waitFor();
    expect(await page.locator('#device-plan').textContent()).toBe('setiap 90 hari (rencana model)');
    const warrantyEnd = purna.service.customers.getDevice('pump-mks-1')!.warrantyEndMs;
    expect(await page.locator('#device-coverage').textContent()).toBe(
      `garansi sampai ${formatDate('id', warrantyEnd, 'Asia/Makassar')}`,
    );
    expect(cspViolations(browser)).toEqual([]);
  });
});
