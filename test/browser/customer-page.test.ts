// The customer page in Debian's Chromium, at desk and phone sizes: a planner finds a customer,
// sees their sites, devices and jobs, adds a contact (a bad phone number is refused naming the
// field, in the form), edits and removes one; all under the dashboard's CSP.
import { mkdirSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { seedDemo } from '../../demo/seed.ts';
import { cspViolations, launchBrowser } from '../support/browser.ts';
import { loginAs, startTestPurna, type TestPurna } from '../support/purna.ts';

const ARTIFACTS = 'test-artifacts';
let purna: TestPurna;
let browser: Browser;

beforeAll(async () => {
  purna = await startTestPurna();
  seedDemo(purna.service, { totalDevices: 40, historyDays: 30 });
  browser = await launchBrowser();
  mkdirSync(ARTIFACTS, { recursive: true });
});
afterAll(async () => {
  await browser?.close();
  await purna?.destroy();
});

async function signIn(context: BrowserContext, hash: string): Promise<Page> {
  await loginAs(purna, 'planner');
  const page = await context.newPage();
  await page.goto(`${purna.dashboardUrl}${hash}`);
  await page.getByLabel('Email').fill('planner@test.purna');
  await page.getByLabel('Password').fill('test-password-0123456789');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('#connection.live').waitFor();
  return page;
}

it('shows a customer and manages their contacts at desk size', async () => {
  const customer = purna.service.customers.listCustomers().find((c) => {
    const r = purna.service.customers.customerRecord(c.id);
    return r.workOrders.length > 0 && r.ratings.length > 0;
  })!;
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await signIn(context, '#/customers');
  await page.getByRole('link', { name: customer.name }).click();
  await expect.poll(() => page.locator('#customer-name').textContent()).toBe(customer.name);
  const record = purna.service.customers.customerRecord(customer.id);
  expect(await page.locator('#customer-devices tbody tr').count()).toBe(record.devices.length);
  expect(await page.locator('#customer-orders tbody tr').count()).toBe(record.workOrders.length);
  expect(await page.locator('#customer-contacts tbody tr').count()).toBe(record.contacts.length);
  // A rating links to the job and the device it is about.
  const first = record.ratings[0];
  expect(
    await page.locator(`#customer-ratings a[href="#/work-order/${first.workOrderId}"]`).first().textContent(),
  ).toBe(first.workOrderId);
  expect(await page.locator(`#customer-ratings a[href="#/device/${first.deviceId}"]`).count()).toBeGreaterThan(0);

  await page.getByRole('button', { name: 'Add contact' }).click();
  await page.locator('#cf-name').fill('Joko Purnomo');
  await page.locator('#cf-phone').fill('0812');
  await page.locator('#cf-channel').selectOption('whatsapp');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect
    .poll(() => page.locator('#cf-error').textContent())
    .toMatch(/^phone: '0812' is not a valid phone number/);
  await page.locator('#cf-phone').fill('0812 7777 1234');
  await page.locator('#cf-quiet-from').fill('21:00');
  await page.locator('#cf-quiet-to').fill('06:30');
  await page.getByRole('button', { name: 'Save' }).click();
  const added = page.locator('#customer-contacts tbody tr', { hasText: 'Joko Purnomo' });
  await added.waitFor();
  expect(await added.textContent()).toContain('+6281277771234');
  expect(await added.textContent()).toContain('21:00–06:30');
  const saved = purna.service.customers.listContacts(customer.id).find((c) => c.name === 'Joko Purnomo')!;
  expect(saved).toMatchObject({
    phone: '+6281277771234',
    preferredChannel: 'whatsapp',
    language: 'id',
    quietHours: { from: '21:00', to: '06:30' },
  });
  await page.screenshot({ path: `${ARTIFACTS}/customer-page-desk.png`, fullPage: true });

  await added.getByRole('button', { name: 'Edit' }).click();
  await page.locator('#cf-language').selectOption('en');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect.poll(() => purna.service.customers.getContact(saved.id).language).toBe('en');
  await page
    .locator('#customer-contacts tbody tr', { hasText: 'Joko Purnomo' })
    .getByRole('button', { name: 'Remove' })
    .click();
  await expect.poll(() => page.locator('#customer-contacts tbody tr', { hasText: 'Joko Purnomo' }).count()).toBe(0);
  expect(purna.service.customers.getContact(saved.id).active).toBe(false);
  await context.close();
});

it('fits a phone: nothing wider than the screen but the scrolling tables', async () => {
  const customer = purna.service.customers.listCustomers()[0];
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  const page = await signIn(context, `#/customers/${customer.id}`);
  await expect.poll(() => page.locator('#customer-name').textContent()).toBe(customer.name);
  await page.getByRole('button', { name: 'Add contact' }).click();
  await page.locator('#contact-form').waitFor();
  // The page itself never scrolls sideways; wide tables scroll inside their box.
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  await page.screenshot({ path: `${ARTIFACTS}/customer-page-phone.png`, fullPage: true });
  await context.close();
  expect(cspViolations(browser)).toEqual([]);
});
