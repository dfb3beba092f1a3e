// The customer's side in Debian's Chromium on a phone (390×844), on a real Purna whose notices go
// through a real SMTP server (aiosmtpd): the tracking link from the "visit planned" e-mail walks
// the timeline as the technician moves the job (the open page notices by itself), then takes the
// confirmation and the stars — in Indonesian for the site's lead, in English for the plant
// director. A low rating opens a follow-up the planner sees on the board and closes; the used
// link is a polite 410 in the contact's language. And the planner's form for a problem a customer
// reports by phone. Screenshots in test-artifacts/tracking-*.png and board-customer-desk.png.
import { mkdirSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { seedDemo } from '../../demo/seed.ts';
import type { ServiceWorkOrder } from '../../service/types.ts';
import { cspViolations, launchBrowser } from '../support/browser.ts';
import { eventually, loginAs, startTestPurna, type TestPurna } from '../support/purna.ts';
import { startSmtpSink, type SmtpSink } from '../support/smtp.ts';
import { dispatchRequest } from '../service/helpers.ts';

const ARTIFACTS = 'test-artifacts';
const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true } as const;
let smtp: SmtpSink;
let purna: TestPurna;
let browser: Browser;
let job: ServiceWorkOrder;
let lead: { id: string; email: string; name: string };
let director: { id: string; email: string; name: string };

beforeAll(async () => {
  smtp = await startSmtpSink();
  purna = await startTestPurna({
    smtpHost: '127.0.0.1',
    smtpPort: smtp.port,
    smtpTls: 'none',
    smtpFrom: 'Purna Service <service@purna.test>',
  });
  seedDemo(purna.service, { totalDevices: 30, historyDays: 0 });
  // A Jakarta pump with no job yet, whose site's lead reads Indonesian by e-mail and whose
  // customer has a plant director who reads English.
  const { customers, workOrders } = purna.service;
  const device = customers.listDevices().find((d) => {
    if (d.timeZone !== 'Asia/Jakarta' || !d.siteId || d.modelId !== 'pump-p200') return false;
    if (workOrders.listWorkOrders({ deviceId: d.id }).length) return false;
    const told = purna.service.stores.contacts.recipientsForSite(d.siteId);
    return (
      told.some((c) => c.siteId === d.siteId && c.language === 'id' && c.preferredChannel === 'email') &&
      told.some((c) => c.siteId === null && c.language === 'en' && c.email)
    );
  })!;
  const told = purna.service.stores.contacts.recipientsForSite(device.siteId!);
  const l = told.find((c) => c.siteId === device.siteId && c.language === 'id')!;
  const d = told.find((c) => c.siteId === null && c.language === 'en')!;
  lead = { id: l.id, email: l.email!, name: l.name };
  director = { id: d.id, email: d.email!, name: d.name };
  job = workOrders.handleDispatch(dispatchRequest(device.id)).order;
  expect(job.state).toBe('assigned');
  browser = await launchBrowser();
  mkdirSync(ARTIFACTS, { recursive: true });
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await purna?.destroy();
  await smtp?.stop();
});

/** The tracking link in the newest e-mail `address` got about the job. */
async function linkFor(address: string): Promise<string> {
  const mail = await eventually(
    async () =>
      (await smtp.messages()).filter((m) => m.envelope.to.includes(address) && m.mail.subject?.includes(job.id)).at(-1)
        ?.mail,
    20_000,
  );
  return /(http:\/\/localhost:\d+\/api\/track\/[A-Za-z0-9_-]{43})/.exec(mail!.text!)![1];
}

async function shoot(page: Page, name: string): Promise<void> {
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  await page.screenshot({ path: `${ARTIFACTS}/${name}.png`, fullPage: true });
  expect(width, `${name}: ${width}px wide on a 390px phone`).toBeLessThanOrEqual(390);
}

let version = 0;
const step = (to: 'acknowledged' | 'en_route' | 'on_site' | 'resolved') => {
  const tech = `technician:${job.technicianId}`;
  const o = purna.service.workOrders.transition(job.id, {
    to,
    actor: tech,
    version,
    ...(to === 'resolved' ? { resolutionCode: 'fault_confirmed_part_replaced' as const } : {}),
  });
  version = o.version;
  return o;
};

it('walks the timeline in Indonesian on a phone, then takes the confirmation and a low rating', async () => {
  version = job.version;
  const link = await linkFor(lead.email);
  const context = await browser.newContext({ ...PHONE, locale: 'id-ID', timezoneId: 'Europe/Berlin' });
  const page = await context.newPage();
  await page.goto(link);
  expect(await page.locator('html').getAttribute('lang')).toBe('id');
  expect(await page.locator('h1').textContent()).toBe('Kunjungan servis Anda');
  // Purna's icon, public like the page: without one the browser asks for /favicon.ico, a 401 in
  // the customer's console (no session there).
  const icon = await page.locator('link[rel="icon"]').getAttribute('href');
  expect((await fetch(new URL(icon!, link))).status).toBe(200);
  expect(await page.locator('#now').textContent()).toBe('Kunjungan dijadwalkan');
  // The window on the site's clock (WIB), whatever the phone's own zone.
  const fromMs = Math.floor((job.plan!.plannedAtMs + job.plannedLeadTimeMs!) / 1_800_000) * 1_800_000;
  const hhmm = (ms: number) => new Date(ms + 7 * 3600_000).toISOString().slice(11, 16).replace(':', '.');
  expect(await page.locator('[data-key="arrival"]').textContent()).toContain(
    `${hhmm(fromMs)}–${hhmm(fromMs + 2 * 3600_000)} WIB`,
  );
  const tech = purna.service.network.getTechnician(job.technicianId!)!;
  expect(await page.locator('[data-key="technician"]').textContent()).toBe(tech.name.split(' ')[0]);
  expect(await page.locator('[data-key="part"]').textContent()).toMatch(/Suku cadang .+ sudah disiapkan/);
  expect(await page.locator('[data-key="warranty"]').textContent()).toMatch(/ditanggung garansi/);
  expect(await page.locator('#timeline li.done, #timeline li.current').count()).toBe(2);
  await shoot(page, 'tracking-id-planned');

  // The technician sets off: the open page notices by itself (it looks every 20 s).
  step('acknowledged');
  step('en_route');
  await expect.poll(() => page.locator('#now').textContent(), { timeout: 30_000 }).toBe('Teknisi dalam perjalanan');
  expect(await page.locator('#timeline li[data-step="en_route"]').getAttribute('class')).toBe('current');
  // The arrival window in the site's zone: "10.15–11.15 WIB", or with both days when it spans
  // the site's midnight ("Rabu, 2 Desember, 23.45 – Kamis, 3 Desember, 00.45 WIB").
  expect(await page.locator('[data-key="arrival"]').textContent()).toMatch(
    /\d\d\.\d\d–\d\d\.\d\d WIB|\d\d\.\d\d – \S+, \d+ \S+, \d\d\.\d\d WIB/,
  );
  await shoot(page, 'tracking-id-en-route');

  step('on_site');
  await page.reload();
  expect(await page.locator('#now').textContent()).toBe('Teknisi di lokasi');
  expect(await page.locator('#answer').count()).toBe(0);
  step('resolved');
  await page.reload();
  expect(await page.locator('#now').textContent()).toBe('Pekerjaan selesai');
  await page.getByLabel('Ya, pekerjaan sudah selesai').check();
  // Sending without stars: asked for them, nothing recorded.
  await page.getByRole('button', { name: 'Kirim' }).click();
  expect(await page.locator('#msg').textContent()).toBe('Silakan pilih jumlah bintang untuk kunjungan ini.');
  await page.getByLabel('2 bintang').check({ force: true });
  await page.getByLabel('Ada yang perlu kami ketahui? (opsional)').fill('Teknisi datang dua jam terlambat.');
  await shoot(page, 'tracking-id-confirm');
  await page.getByRole('button', { name: 'Kirim' }).click();
  await expect
    .poll(() => page.locator('#msg').textContent())
    .toBe('Terima kasih — konfirmasi dan penilaian Anda sudah kami terima.');
  expect(await page.locator('#answer').count()).toBe(0);
  await shoot(page, 'tracking-id-thanks');

  // The survey folded into the page; the planner has a follow-up with the comment.
  expect(purna.service.customers.surveyOf(job.id)).toMatchObject({
    csat: 2,
    comment: 'Teknisi datang dua jam terlambat.',
  });
  expect(purna.service.customers.listFollowUps({ open: true })).toMatchObject([
    { reason: 'low_rating', workOrderId: job.id, contactId: lead.id, csat: 2 },
  ]);

  // Used: a polite 410, in Indonesian.
  const gone = await page.goto(link);
  expect(gone!.status()).toBe(410);
  expect(await page.locator('#message').textContent()).toMatch(/^Terima kasih — kunjungan ini sudah dikonfirmasi/);
  await shoot(page, 'tracking-id-gone');
  await context.close();
}, 90_000);

it('gives the English-reading director their own link in English, and their 5 stars open nothing', async () => {
  const link = await linkFor(director.email);
  const context = await browser.newContext({ ...PHONE, locale: 'id-ID' });
  const page = await context.newPage();
  await page.goto(link);
  expect(await page.locator('html').getAttribute('lang')).toBe('en');
  expect(await page.locator('#now').textContent()).toBe('Work done');
  expect(await page.locator('#timeline li').allTextContents()).toEqual([
    expect.stringMatching(/^Reported.+WIB$/),
    expect.stringMatching(/^Visit planned.+WIB$/),
    expect.stringMatching(/^Technician on the way.+WIB$/),
    expect.stringMatching(/^Technician on site.+WIB$/),
    expect.stringMatching(/^Work done.+WIB$/),
  ]);
  await page.getByLabel('Yes, the work is done').check();
  await page.getByLabel('5 stars').check({ force: true });
  await shoot(page, 'tracking-en-confirm');
  await page.getByRole('button', { name: 'Send' }).click();
  await expect
    .poll(() => page.locator('#msg').textContent())
    .toBe('Thank you — we have your confirmation and your rating.');
  expect(purna.service.customers.listFollowUps({ open: true })).toHaveLength(1);
  expect(
    purna.service.customers
      .trackingAnswers(job.id)
      .map((a) => `${a.contactId}:${a.csat}`)
      .sort(),
  ).toEqual([`${director.id}:5`, `${lead.id}:2`].sort());
  // Used: the 410 speaks the director's language, whatever the phone's.
  await page.goto(link);
  expect(await page.locator('html').getAttribute('lang')).toBe('en');
  expect(await page.locator('#message').textContent()).toMatch(/^Thank you — this visit is already confirmed/);
  await context.close();
}, 60_000);

it('shows the follow-up on the board and the work order; the planner closes it; a reported problem opens a job', async () => {
  await loginAs(purna, 'planner');
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'en-GB' });
  const page = await context.newPage();
  await page.goto(`${purna.dashboardUrl}#/work-orders`);
  await page.getByLabel('Email', { exact: true }).fill('planner@test.purna');
  await page.getByLabel('Password', { exact: true }).fill('test-password-0123456789');
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.locator('#connection.live').waitFor();
  const item = page.locator('#follow-up-list li', { hasText: job.id });
  await item.waitFor();
  expect(await item.textContent()).toContain('Low rating');
  expect(await item.textContent()).toContain(lead.name);
  expect(await item.textContent()).toContain('Teknisi datang dua jam terlambat.');
  expect(await page.locator('#follow-ups-title').textContent()).toBe('Follow-ups (1)');

  // A customer calls: the machine picked by customer and site, their words kept.
  const device = purna.service.customers.getDevice(job.deviceId)!;
  await page.getByRole('button', { name: 'Customer reports a problem' }).click();
  const form = page.getByRole('region', { name: 'A problem the customer reports' });
  await form.getByLabel('Customer', { exact: true }).selectOption(device.customerId!);
  await form.getByLabel('Site', { exact: true }).selectOption(device.siteId!);
  await form.getByLabel('Machine', { exact: true }).selectOption(device.id);
  await form.getByLabel('What the customer says (their own words)').fill('Pompa bocor lagi, ada genangan air');
  await form.getByLabel('Urgency').selectOption('high');
  await page.screenshot({ path: `${ARTIFACTS}/board-customer-desk.png`, fullPage: false });
  await form.getByRole('button', { name: 'Open the job' }).click();
  const reported = await eventually(() =>
    purna.service.workOrders.listWorkOrders({ deviceId: device.id }).find((o) => o.mode === 'customer_reported'),
  );
  expect(reported).toMatchObject({
    jobType: 'customer_reported',
    customerReport: 'Pompa bocor lagi, ada genangan air',
    severity: 'high',
  });
  await expect.poll(() => page.locator('.status').first().textContent()).toContain(reported!.id);

  // Its page keeps the customer's words until a technician or planner says what it was.
  await page.goto(`${purna.dashboardUrl}#/work-order/${reported!.id}`);
  await expect.poll(() => page.locator('#customer-report').textContent()).toBe('Pompa bocor lagi, ada genangan air');
  await page.getByLabel('Diagnosis', { exact: true }).selectOption('lubrication_loss');
  await page.getByLabel('What was found', { exact: true }).fill('mechanical seal worn');
  await page.getByRole('button', { name: 'Set the failure mode' }).click();
  await expect.poll(() => purna.service.workOrders.getWorkOrder(reported!.id)!.mode).toBe('lubrication_loss');
  await expect.poll(() => page.locator('select.diagnosis').count()).toBe(0);

  // The work order shows what the customers said; the follow-up is closed from there.
  await page.goto(`${purna.dashboardUrl}#/work-order/${job.id}`);
  const answers = page.locator('#work-order-answers li');
  await expect.poll(() => answers.count()).toBe(2);
  expect(await page.locator('#work-order-answers').textContent()).toContain('Teknisi datang dua jam terlambat.');
  expect(await page.locator('#work-order-history').textContent()).toContain(`${lead.name} confirmed the work is done`);
  const open = page.locator('#work-order-follow-ups li.open');
  await open.getByRole('textbox').fill('Called the customer, apologised');
  await open.getByRole('button', { name: 'Done' }).click();
  await expect.poll(() => page.locator('#work-order-follow-ups li.done').count()).toBe(1);
  expect(purna.service.customers.listFollowUps({ open: true })).toEqual([]);
  await page.screenshot({ path: `${ARTIFACTS}/work-order-customer-voice.png`, fullPage: true });

  // The KPI page: the technician's first-time fix and the customers' stars (the survey's: 2).
  await page.goto(`${purna.dashboardUrl}#/kpis`);
  const row = page.locator(`#kpi-technicians tr[data-technician-id="${job.technicianId}"]`);
  await row.waitFor();
  expect(await row.locator('td').allTextContents()).toEqual(['1', '100%', '2.0 / 5 (1)']);
  await page.locator('#kpi-technicians').screenshot({ path: `${ARTIFACTS}/kpis-by-technician.png` });
  expect(cspViolations(browser)).toEqual([]);
  await context.close();
}, 60_000);

it('the technician on site says what a customer-reported fault is, from their phone', async () => {
  const { customers, workOrders } = purna.service;
  const device = customers
    .listDevices()
    .find((d) => d.modelId === 'pump-p200' && d.siteId && !workOrders.listWorkOrders({ deviceId: d.id }).length)!;
  const opened = workOrders.createWorkOrder({
    deviceId: device.id,
    jobType: 'customer_reported',
    mode: 'customer_reported',
    customerReport: 'Pompa bergetar keras',
    actor: 'planner:test',
  });
  expect(opened.technicianId).toBeTruthy();
  const actor = `technician:${opened.technicianId}`;
  let v = opened.version;
  for (const to of ['acknowledged', 'en_route', 'on_site'] as const)
    v = workOrders.transition(opened.id, { to, actor, version: v }).version;
  await loginAs(purna, 'technician', opened.technicianId!);
  const context = await browser.newContext({ ...PHONE, locale: 'id-ID' });
  const page = await context.newPage();
  await page.goto(`${purna.dashboardUrl}#/tech`);
  await page.getByLabel('Email', { exact: true }).fill(`technician-${opened.technicianId}@test.purna`.toLowerCase());
  await page.getByLabel('Kata sandi', { exact: true }).fill('test-password-0123456789');
  await page.getByRole('button', { name: 'Masuk', exact: true }).click();
  const card = page.locator('article', { hasText: opened.id });
  await card.waitFor();
  expect(await card.textContent()).toContain('“Pompa bergetar keras”');
  await card.getByLabel('Hasil diagnosis').selectOption('bearing_wear');
  await card.getByRole('button', { name: 'Tetapkan mode kerusakan' }).click();
  await expect.poll(() => workOrders.getWorkOrder(opened.id)!.mode).toBe('bearing_wear');
  await expect.poll(() => card.locator('select.diagnosis').count()).toBe(0);
  expect(workOrders.getWorkOrder(opened.id)!.customerReport).toBe('Pompa bergetar keras');
  await shoot(page, 'tech-diagnosis');
  await context.close();
}, 60_000);
