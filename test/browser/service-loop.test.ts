// Issue 6 end to end in Debian's Chromium: a planner watches a device degrade until its work
// order appears; its technician, in a second browser context, acknowledges and resolves it; the
// planner's board and KPIs follow without a reload; another technician cannot open it.
import { mkdirSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { MqttClient } from 'mqtt';
import { topics } from '../../core/topics.ts';
import { seedDemo } from '../../demo/seed.ts';
import { cspViolations, launchBrowser } from '../support/browser.ts';
import { connectDevice, loginAs, startTestPurna, type TestPurna } from '../support/purna.ts';

const ARTIFACTS = 'test-artifacts';
const deviceId = 'pump-e2e-0001';
let purna: TestPurna;
let browser: Browser;
let device: MqttClient;

beforeAll(async () => {
  purna = await startTestPurna();
  seedDemo(purna.service, { devices: [{ deviceId, modelId: 'pump-p200' }], totalDevices: 40 });
  purna.fleetView.register(
    purna.service.customers.listDevices().map((d) => ({
      deviceId: d.id,
      modelId: d.modelId,
      site: d.siteName ? `${d.siteName}${d.city ? `, ${d.city}` : ''}` : null,
      timeZone: d.timeZone,
    })),
  );
  browser = await launchBrowser();
  device = await connectDevice(purna.mqttUrl, deviceId);
  mkdirSync(ARTIFACTS, { recursive: true });
});
afterAll(async () => {
  await device?.endAsync();
  await browser?.close();
  await purna?.destroy();
});

async function signIn(
  context: BrowserContext,
  role: 'planner' | 'technician',
  technicianId?: string,
  hash = '',
): Promise<Page> {
  await loginAs(purna, role, technicianId); // creates the user through the real store
  const page = await context.newPage();
  await page.goto(`${purna.dashboardUrl}${hash}`);
  await page.getByLabel('Email').fill(`${role}${technicianId ? `-${technicianId}` : ''}@test.purna`.toLowerCase());
  await page.getByLabel('Password').fill('test-password-0123456789');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('#connection.live').waitFor();
  return page;
}

it('planner sees the degradation and the work order; the technician resolves it; the board and KPIs follow live', async () => {
  const planner = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const board = await signIn(planner, 'planner', undefined, '#/work-orders');
  const kpis = await planner.newPage();
  await kpis.goto(`${purna.dashboardUrl}#/kpis`);
  await kpis.locator('#kpi-resolved').waitFor();
  await kpis.locator('#kpi-trend canvas').first().waitFor();
  const resolvedBefore = Number(await kpis.locator('#kpi-resolved').textContent());
  const fleet = await planner.newPage();
  await fleet.goto(`${purna.dashboardUrl}#/fleet`);
  await fleet.locator('#health-grid').waitFor();

  // The device: 60 s of normal bearing vibration, then wear that reaches ISO zone D (class II, 7.1 mm/s).
  const t0 = Date.now() - 200_000;
  for (let i = 0; i < 190; i++) {
    const vibration = i < 60 ? 1.6 + 0.03 * Math.sin(i) : 1.6 + 5.6 * ((i - 60) / 120) ** 2;
    await device.publishAsync(
      topics.telemetry(deviceId),
      JSON.stringify({ ts: t0 + i * 1000, values: { vibration, temperature: 58 + 0.2 * Math.cos(i) } }),
      { qos: 1 },
    );
  }

  // The work order appears on the board without a reload.
  const card = board.locator('#board article.card', { hasText: deviceId });
  await card.waitFor({ timeout: 20_000 });
  await board.screenshot({ path: `${ARTIFACTS}/planner-board.png`, fullPage: true });
  await fleet.locator(`#devices tr[data-device-id="${deviceId}"] .state-critical`).waitFor({ timeout: 10_000 });
  // The live alerts feed told the planner as it got worse, and that a work order opened.
  await fleet
    .locator('#alerts li', { hasText: `${deviceId}:` })
    .first()
    .waitFor({ timeout: 10_000 });
  await fleet.locator('#alerts li.work-order', { hasText: deviceId }).waitFor({ timeout: 10_000 });
  await fleet.screenshot({ path: `${ARTIFACTS}/planner-fleet.png`, fullPage: true });

  const workOrderId = (await card.getAttribute('data-work-order-id'))!;
  const order = purna.service.workOrders.getWorkOrder(workOrderId)!;
  expect(order.mode).toBe('bearing_wear');
  expect(order.technicianId).toBeTruthy();

  const detail = await planner.newPage();
  await detail.goto(`${purna.dashboardUrl}#/device/${deviceId}`);
  await detail.locator('.chart canvas').first().waitFor();
  await expect.poll(() => detail.locator('#device-health').textContent()).toMatch(/Health \d+/);
  await detail.screenshot({ path: `${ARTIFACTS}/planner-device.png`, fullPage: true });

  // The technician, on a phone-sized screen, in a second browser context.
  const phone = await browser.newContext({ viewport: { width: 390, height: 844 } });
  const tech = await signIn(phone, 'technician', order.technicianId!);
  const job = tech.locator(`#my-jobs article[data-work-order-id="${workOrderId}"]`);
  await job.waitFor({ timeout: 10_000 });
  // Where to go: the device's site from the service record.
  await expect.poll(() => job.textContent(), { timeout: 10_000 }).toMatch(/Where: .+ · serial /);
  await job.locator('.evidence canvas').first().waitFor({ timeout: 10_000 }); // the evidence chart
  await tech.screenshot({ path: `${ARTIFACTS}/technician-dispatches.png`, fullPage: true });
  for (const step of ['Acknowledge', 'En route', 'On site']) {
    const before = await job.getAttribute('data-state');
    await job.getByRole('button', { name: step }).click();
    await expect.poll(() => job.getAttribute('data-state'), { timeout: 10_000 }).not.toBe(before);
  }
  await job.getByLabel('Resolution').selectOption('fault_confirmed_part_replaced');
  await job.getByLabel('Notes').fill('bearing replaced, vibration back to 1.5 mm/s');
  await job.getByRole('button', { name: 'Resolve' }).click();
  await expect
    .poll(() => tech.locator(`#my-jobs article[data-work-order-id="${workOrderId}"]`).count(), { timeout: 10_000 })
    .toBe(0);
  expect(purna.service.workOrders.getWorkOrder(workOrderId)!.state).toBe('resolved');

  // The planner's board and KPIs caught up without a reload.
  // It leaves the active columns for the week's resolved column.
  await expect
    .poll(() => board.locator(`#board [data-state="resolved"] [data-work-order-id="${workOrderId}"]`).count(), {
      timeout: 10_000,
    })
    .toBe(1);
  expect(await board.locator(`#board [data-work-order-id="${workOrderId}"]`).count()).toBe(1);
  await expect
    .poll(async () => Number(await kpis.locator('#kpi-resolved').textContent()), { timeout: 10_000 })
    .toBe(resolvedBefore + 1);
  await kpis.screenshot({ path: `${ARTIFACTS}/planner-kpis.png`, fullPage: true });
  await planner.close();
  await phone.close();
  // The whole loop ran under the dashboard's Content-Security-Policy without a refusal.
  expect(cspViolations(browser)).toEqual([]);
});

it("a technician cannot open another technician's work order, by URL or API", async () => {
  const order = purna.service.workOrders.listWorkOrders({ deviceId })[0];
  const other = purna.service.network.listTechnicians().find((t) => t.id !== order.technicianId)!;
  const cookie = await loginAs(purna, 'technician', other.id);
  const get = (path: string) => fetch(`${purna.dashboardUrl}${path}`, { headers: { cookie } });
  expect([403, 404]).toContain((await get(`api/work-orders/${order.id}`)).status);
  expect((await get(`api/devices/${deviceId}/telemetry`)).status).toBe(403);
  const transition = await fetch(`${purna.dashboardUrl}api/work-orders/${order.id}/transitions`, {
    method: 'POST',
    headers: { cookie, 'content-type': 'application/json' },
    body: JSON.stringify({ to: 'acknowledged', version: order.version }),
  });
  expect([403, 404, 409]).toContain(transition.status);

  const context = await browser.newContext();
  const page = await signIn(context, 'technician', other.id, `#/device/${deviceId}`);
  await expect
    .poll(() => page.locator('#device-health').textContent(), { timeout: 10_000 })
    .toMatch(/history unavailable: not a device of your work orders/);
  await page.goto(`${purna.dashboardUrl}#/tech`);
  await expect.poll(() => page.locator(`#my-jobs [data-work-order-id="${order.id}"]`).count()).toBe(0);
  await context.close();
  expect(cspViolations(browser)).toEqual([]);
});
