// The quote for out-of-warranty work on the customer's phone (issue 19, item 5), in Debian's
// Chromium at 390×844 on a real Purna whose notices go through a real SMTP server (aiosmtpd): the
// link in the quote_ready e-mail opens the tracking page with the quote line by line in rupiah;
// the site's lead approves in Indonesian and the job gets its technician; a stale page's second
// answer is refused politely; on a second job the English-reading director declines with a reason
// and nobody is sent. Screenshots in test-artifacts/tracking-quote-*.png.
import { mkdirSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { formatIdr } from '../../core/i18n/format.ts';
import { seedDemo } from '../../demo/seed.ts';
import type { ServiceWorkOrder } from '../../service/types.ts';
import { dispatchRequest } from '../service/helpers.ts';
import { cspViolations, launchBrowser } from '../support/browser.ts';
import { eventually, startTestPurna, type TestPurna } from '../support/purna.ts';
import { startSmtpSink, type SmtpSink } from '../support/smtp.ts';

const ARTIFACTS = 'test-artifacts';
const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true } as const;
const DAY = 86_400_000;
let smtp: SmtpSink;
let purna: TestPurna;
let browser: Browser;
let lead: string;
let director: string;
let siteId: string;

beforeAll(async () => {
  smtp = await startSmtpSink();
  purna = await startTestPurna({
    smtpHost: '127.0.0.1',
    smtpPort: smtp.port,
    smtpTls: 'none',
    smtpFrom: 'Purna Service <service@purna.test>',
  });
  seedDemo(purna.service, { totalDevices: 30, historyDays: 0 });
  // A Jakarta site whose lead reads Indonesian by e-mail, and whose customer's director reads English.
  const { customers, stores } = purna.service;
  const site = customers.listDevices().find((d) => {
    if (d.timeZone !== 'Asia/Jakarta' || !d.siteId) return false;
    const told = stores.contacts.recipientsForSite(d.siteId);
    return (
      told.some((c) => c.siteId === d.siteId && c.language === 'id' && c.preferredChannel === 'email') &&
      told.some((c) => c.siteId === null && c.language === 'en' && c.email)
    );
  })!.siteId!;
  siteId = site;
  const told = stores.contacts.recipientsForSite(site);
  lead = told.find((c) => c.siteId === site && c.language === 'id' && c.preferredChannel === 'email')!.email!;
  director = told.find((c) => c.siteId === null && c.language === 'en' && c.email)!.email!;
  // The service company's prices: a quote is made for work the warranty does not cover.
  purna.service.billing.setLabourRate('*', 150_000, 'planner:test');
  purna.service.billing.setLabourRate('bearings', 185_000, 'planner:test');
  purna.service.billing.setPartPrice('P200-BRG-KIT', 2_450_000, 'planner:test');
  browser = await launchBrowser();
  mkdirSync(ARTIFACTS, { recursive: true });
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await purna?.destroy();
  await smtp?.stop();
});

/** A pump at the site whose warranty ended more than a year ago, with a bearing wearing out. */
function outOfWarrantyJob(deviceId: string): ServiceWorkOrder {
  const now = Date.now();
  purna.service.customers.registerDevices([
    {
      deviceId,
      modelId: 'pump-p200',
      siteId,
      contractTier: 'basic',
      installDateMs: now - 3 * 365 * DAY,
      warrantyEndMs: now - 400 * DAY,
    },
  ]);
  const wo = purna.service.workOrders.handleDispatch(dispatchRequest(deviceId)).order;
  expect(wo).toMatchObject({ state: 'open', technicianId: null, awaitingApprovalIdr: 3_190_000 });
  return wo;
}

/** The tracking link in the quote_ready e-mail `address` got about `job`. */
async function quoteLink(address: string, job: ServiceWorkOrder): Promise<string> {
  const amount = formatIdr(3_190_000);
  const mail = await eventually(
    async () =>
      (await smtp.messages())
        .filter((m) => m.envelope.to.includes(address) && m.mail.subject?.includes(job.id))
        .find((m) => m.mail.subject?.includes(amount))?.mail,
    20_000,
  );
  return /(http:\/\/localhost:\d+\/api\/track\/[A-Za-z0-9_-]{43})/.exec(mail!.text!)![1];
}

async function shoot(page: Page, name: string): Promise<void> {
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  await page.screenshot({ path: `${ARTIFACTS}/${name}.png`, fullPage: true });
  expect(width, `${name}: ${width}px wide on a 390px phone`).toBeLessThanOrEqual(390);
}

const rupiah = (s: string | null) => (s ?? '').replace(/\s/gu, ' ');

it('shows the quote in rupiah in Indonesian; the approval sends the technician; a second answer is refused politely', async () => {
  const job = outOfWarrantyJob('old-pump-1');
  const leadLink = await quoteLink(lead, job);
  const directorLink = await quoteLink(director, job);
  const context = await browser.newContext({ ...PHONE, locale: 'en-GB' });
  const page = await context.newPage();
  await page.goto(leadLink);
  expect(await page.locator('html').getAttribute('lang')).toBe('id');
  expect(await page.locator('#quote h2').textContent()).toBe('Penawaran biaya perbaikan');
  const rows = page.locator('#quote-lines tbody tr');
  expect(await rows.count()).toBe(2);
  expect(await rows.nth(0).getAttribute('data-kind')).toBe('part');
  expect(rupiah(await rows.nth(0).locator('td.amount').textContent())).toBe('Rp 2.450.000');
  expect(rupiah(await rows.nth(0).locator('.muted').textContent())).toBe('1 × Rp 2.450.000');
  expect(rupiah(await rows.nth(1).locator('td.amount').textContent())).toBe('Rp 740.000');
  expect(await rows.nth(1).locator('td').first().textContent()).toMatch(/^Jasa teknisi240 menit/);
  expect(rupiah(await rows.nth(1).locator('.muted').textContent())).toBe('240 menit, Rp 185.000 per jam');
  expect(rupiah(await page.locator('#quote-total').textContent())).toBe('Rp 3.190.000');
  expect(await page.locator('#now').textContent()).toBe('Dilaporkan');
  expect(await page.locator('#now-quote').textContent()).toBe('Penawaran di bawah menunggu jawaban Anda.');
  // A stale page: the director opens their own link before the lead answers.
  const stale = await context.newPage();
  await stale.goto(directorLink);
  expect(await stale.locator('html').getAttribute('lang')).toBe('en');
  expect(rupiah(await stale.locator('#quote-total').textContent())).toBe('Rp 3.190.000');
  await shoot(page, 'tracking-quote-id');

  await page.getByRole('button', { name: 'Setujui' }).click();
  await page.locator('#quote-decision').waitFor();
  expect(await page.locator('#quote-decision').textContent()).toMatch(
    /^Anda menyetujui penawaran ini pada .+\. Kami sedang menjadwalkan kunjungan teknisi\.$/,
  );
  expect(await page.locator('#quote-form').count()).toBe(0);
  const approved = purna.service.workOrders.getWorkOrder(job.id)!;
  expect(approved).toMatchObject({ state: 'assigned', approvedAmountIdr: 3_190_000, awaitingApprovalIdr: null });
  expect(approved.technicianId).toBeTruthy();
  expect(purna.service.billing.quoteOf(job.id)).toMatchObject({ status: 'approved', decidedVia: 'tracking' });
  expect(await page.locator('#now').textContent()).toBe('Kunjungan dijadwalkan');
  expect(await page.locator('#now-quote').count()).toBe(0);
  await shoot(page, 'tracking-quote-id-approved');

  // The director's page still shows the buttons; their "decline" is refused politely, nothing changes.
  await stale.getByRole('button', { name: 'Decline' }).click();
  await expect
    .poll(() => stale.locator('#quote-msg').textContent())
    .toBe(
      'This quote has already been answered, so it cannot be changed here. If you want to change your answer, reply to our message or call us.',
    );
  expect(await stale.locator('#quote-form, #quote-intro, #now-quote').count()).toBe(0);
  expect(purna.service.workOrders.getWorkOrder(job.id)!.state).toBe('assigned');
  await shoot(stale, 'tracking-quote-en-already');
  // Its next look (every 20 s) finds the job moved and shows the decision.
  await expect
    .poll(() => stale.locator('#quote-decision').getAttribute('data-status'), { timeout: 30_000 })
    .toBe('approved');
  expect(await stale.locator('#now').textContent()).toBe('Visit planned');
  expect(cspViolations(browser)).toEqual([]);
  await context.close();
}, 90_000);

it('takes the English director’s decline with a reason; the job is cancelled and nobody is sent', async () => {
  const job = outOfWarrantyJob('old-pump-2');
  const context = await browser.newContext({ ...PHONE, locale: 'id-ID' });
  const page = await context.newPage();
  await page.goto(await quoteLink(director, job));
  expect(await page.locator('html').getAttribute('lang')).toBe('en');
  expect(await page.locator('#quote h2').textContent()).toBe('Quote for this repair');
  // The currency stays the rupiah, written as Indonesians write it.
  expect(rupiah(await page.locator('#quote-lines tbody tr').nth(1).locator('.muted').textContent())).toBe(
    '240 minutes at Rp 185.000 per hour',
  );
  expect(rupiah(await page.locator('#quote-total').textContent())).toBe('Rp 3.190.000');
  await page.getByLabel('If you decline: why? (optional)').fill('Too expensive; our own mechanic will look.');
  await shoot(page, 'tracking-quote-en');
  await page.getByRole('button', { name: 'Decline' }).click();
  await page.locator('#quote-decision').waitFor();
  expect(await page.locator('#quote-decision').textContent()).toMatch(
    /^You declined this quote on .+, so the visit is cancelled\./,
  );
  expect(await page.locator('#now').textContent()).toBe('Visit cancelled');
  const declined = purna.service.workOrders.getWorkOrder(job.id)!;
  expect(declined).toMatchObject({ state: 'cancelled', technicianId: null, approvedAmountIdr: null });
  expect(purna.service.billing.quoteOf(job.id)).toMatchObject({
    status: 'declined',
    decidedVia: 'tracking',
    decisionNote: 'Too expensive; our own mechanic will look.',
  });
  // The backlog does not pick it up either.
  purna.service.workOrders.sweepBacklog();
  expect(purna.service.workOrders.getWorkOrder(job.id)).toMatchObject({ state: 'cancelled', technicianId: null });
  await shoot(page, 'tracking-quote-en-declined');
  expect(cspViolations(browser)).toEqual([]);
  await context.close();
}, 60_000);
