// The technician's field app in Debian's Chromium on a phone (390×844), in Indonesian and in
// English: it installs (manifest, service worker, no installability error), the job card calls
// the site (tel:) and navigates there (geo:), and offline (context.setOffline) it opens from the
// service worker with the jobs it kept, queues a status change that reaches the server once back
// online, shows a change the server refused because the job moved meanwhile (409), and declines a
// job with a reason; on a desk-size screen its cards stand side by side. Screenshots in
// test-artifacts/field-app-*.png.
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { seedDemo } from '../../demo/seed.ts';
import type { ServiceWorkOrder } from '../../service/types.ts';
import { cspViolations, launchBrowser } from '../support/browser.ts';
import { contextFor, shoot, signIn, type Lang } from '../support/dashboard-page.ts';
import { loginAs, startTestPurna, type TestPurna } from '../support/purna.ts';
import { dispatchRequest } from '../service/helpers.ts';

let purna: TestPurna;
let browser: Browser;

const TEXT = {
  id: {
    acknowledge: 'Terima tugas',
    decline: 'Tolak tugas ini',
    declineConfirm: 'Tolak',
    tooFar: 'Terlalu jauh untuk tiba tepat waktu',
    offline: /^Luring — tugas Anda per .*2 perubahan menunggu dikirim\.$/,
    pending: 'Menunggu dikirim: diterima',
    conflict: /berubah selama Anda luring: sekarang dalam perjalanan — “diterima” dari Anda tidak diterapkan\./,
    call: /^Telepon .+ \(\+62/,
    navigate: 'Navigasi',
    fitted: 'Terpasang',
    takePhoto: 'Ambil foto',
    signerName: 'Nama pelanggan',
    saveSignature: 'Simpan tanda tangan',
    resolution: 'Hasil penanganan',
    resolve: 'Selesaikan',
  },
  en: {
    acknowledge: 'Acknowledge',
    decline: 'Decline this job',
    declineConfirm: 'Decline',
    tooFar: 'Too far to reach in time',
    offline: /^Offline — your jobs as of .* 2 changes wait to be sent\.$/,
    pending: 'Waiting to be sent: acknowledged',
    conflict: /changed while you were offline: it is now en route — your “acknowledged” was not applied\./,
    call: /^Call .+ \(\+62/,
    navigate: 'Navigate',
    fitted: 'Fitted',
    takePhoto: 'Take a photo',
    signerName: "Customer's name",
    saveSignature: 'Save signature',
    resolution: 'Resolution',
    resolve: 'Resolve',
  },
} as const;

/** Three assigned jobs of one technician: to queue offline, to conflict, to decline. */
const spareDevices: string[] = [];
let plannerCookie = '';
/** A part's stock at a depot as the inventory API tells a planner. */
async function stockOf(depotId: string, sku: string): Promise<{ onHand: number; reserved: number }> {
  const res = await fetch(`${purna.dashboardUrl}api/inventory?depotId=${encodeURIComponent(depotId)}`, {
    headers: { cookie: plannerCookie },
  });
  const { inventory } = (await res.json()) as { inventory: { sku: string; onHand: number; reserved: number }[] };
  return inventory.find((i) => i.sku === sku)!;
}
/** The version of a job in what the field app keeps on the phone (written as each live update arrives, before it is drawn). */
function versionKeptOnPhone(page: Page, id: string): Promise<number | null> {
  return page.evaluate((id) => {
    for (const key of Object.keys(localStorage))
      if (key.endsWith('.jobs')) {
        const kept = JSON.parse(localStorage.getItem(key)!) as { orders: { id: string; version: number }[] };
        const job = kept.orders.find((o) => o.id === id);
        if (job) return job.version;
      }
    return null;
  }, id);
}
const jobsOf = new Map<Lang, { technicianId: string; jobs: ServiceWorkOrder[] }>();

beforeAll(async () => {
  purna = await startTestPurna();
  seedDemo(purna.service, { totalDevices: 30, historyDays: 0 });
  const devices = purna.service.customers.listDevices().filter((d) => d.timeZone === 'Asia/Jakarta');
  purna.fleetView.register(
    devices.map((d) => ({ deviceId: d.id, modelId: d.modelId, site: d.siteName, timeZone: d.timeZone })),
  );
  let next = 0;
  for (const lang of ['id', 'en'] as const) {
    const jobs = [0, 1, 2].map(
      () => purna.service.workOrders.handleDispatch(dispatchRequest(devices[next++].id)).order,
    );
    const technicianId = jobs[0].technicianId!;
    // Room for the three and the one each test finishes on site, whatever order the tests run in.
    const network = purna.service.stores.network;
    network.upsertTechnician({ ...network.getTechnician(technicianId)!, maxOpenJobs: 6 });
    jobsOf.set(lang, {
      technicianId,
      jobs: jobs.map((j) =>
        j.technicianId === technicianId
          ? j
          : purna.service.workOrders.reassign(j.id, { technicianId, version: j.version, actor: 'test' }),
      ),
    });
    await loginAs(purna, 'technician', technicianId);
  }
  plannerCookie = await loginAs(purna, 'planner');
  spareDevices.push(devices[next++].id, devices[next++].id);
  browser = await launchBrowser();
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await purna?.destroy();
});

const card = (page: Page, id: string) => page.locator(`#my-jobs article[data-work-order-id="${id}"]`);
const stateOf = (id: string) => purna.service.workOrders.getWorkOrder(id)!.state;

describe.each(['id', 'en'] as const)('the field app in %s on a phone', (lang) => {
  it('installs, works offline, sends what it queued once online, shows a conflict, declines with a reason', async () => {
    const text = TEXT[lang];
    const { technicianId, jobs } = jobsOf.get(lang)!;
    const [queued, conflicting, declined] = jobs;
    const context = await contextFor(browser, lang, 'phone');
    const page = await signIn(context, purna.dashboardUrl, lang, `technician-${technicianId}@test.purna`.toLowerCase());
    for (const j of jobs) await card(page, j.id).waitFor();

    // Installable: the manifest, a service worker controlling the page, and Chromium's own verdict.
    const manifest = await page.evaluate(async () => (await fetch('/manifest.webmanifest')).json());
    expect(manifest).toMatchObject({ display: 'standalone', start_url: '/#/tech', scope: '/' });
    await page.evaluate(() => navigator.serviceWorker.ready);
    await expect
      .poll(() => page.evaluate(() => navigator.serviceWorker.controller?.scriptURL ?? null))
      .toMatch(/\/sw\.js$/);
    const cdp = await context.newCDPSession(page);
    const { installabilityErrors } = (await cdp.send('Page.getInstallabilityErrors')) as {
      installabilityErrors: { errorId: string }[];
    };
    // Playwright's contexts are incognito profiles, where Chromium never offers to install: that
    // is the one error it may name (a missing icon, manifest field or worker would be listed too).
    expect(installabilityErrors.map((e) => e.errorId).filter((e) => e !== 'in-incognito')).toEqual([]);

    // The site's phone and a navigation link on the card.
    const call = card(page, queued.id).locator('a.call');
    await call.waitFor();
    expect(await call.getAttribute('href')).toMatch(/^tel:\+62\d+$/);
    expect(await call.textContent()).toMatch(text.call);
    const nav = card(page, queued.id).getByRole('link', { name: text.navigate });
    expect(await nav.getAttribute('href')).toMatch(/^geo:-?\d+\.\d+,\d+\.\d+\?q=/);
    // The header's controls stay on their lines: no button is taller than one line of its text.
    const tall = await page.evaluate(() =>
      [...document.querySelectorAll<HTMLElement>('header button, header select, header nav a')]
        .filter((b) => !b.hidden && b.offsetParent !== null)
        .filter((b) => b.getBoundingClientRect().height > 2 * Number.parseFloat(getComputedStyle(b).lineHeight || '20'))
        .map((b) => b.textContent),
    );
    expect(tall).toEqual([]);
    await shoot(page, `field-app-${lang}-online`);
    // The device page from the card: back to their jobs, and no planner's link to the fleet.
    await card(page, queued.id).locator('h3 a').click();
    await page.locator('#device-title').waitFor();
    expect(await page.locator('#view a[href="#/fleet"]').count()).toBe(0);
    await page.locator('#view a[href="#/tech"]').click();
    await card(page, queued.id).waitFor();

    // Offline: the page reloads from the service worker, with the jobs this phone kept.
    await context.setOffline(true);
    await page.reload();
    for (const j of jobs) await card(page, j.id).waitFor();

    // Two changes made offline wait on the phone; the server has not seen them.
    await card(page, queued.id).getByRole('button', { name: text.acknowledge }).click();
    await card(page, conflicting.id).getByRole('button', { name: text.acknowledge }).click();
    await expect.poll(() => card(page, queued.id).locator('.pending').textContent()).toBe(text.pending);
    expect(await page.locator('#tech-offline').textContent()).toMatch(text.offline);
    expect(stateOf(queued.id)).toBe('assigned');
    await shoot(page, `field-app-${lang}-offline`);

    // Meanwhile the conflicting job moves on the server (acknowledged and set off from another phone).
    let c = purna.service.workOrders.transition(conflicting.id, {
      to: 'acknowledged',
      version: conflicting.version,
      actor: technicianId,
    });
    c = purna.service.workOrders.transition(c.id, { to: 'en_route', version: c.version, actor: technicianId });

    // Back online: the queued change reaches the server; the stale one is refused and shown.
    await context.setOffline(false);
    await expect.poll(() => stateOf(queued.id), { timeout: 15_000 }).toBe('acknowledged');
    const conflict = page.locator(`#tech-conflicts p[data-work-order-id="${conflicting.id}"]`);
    await conflict.waitFor({ timeout: 15_000 });
    expect(await conflict.textContent()).toMatch(text.conflict);
    expect(stateOf(conflicting.id)).toBe('en_route');
    expect(
      await page.evaluate(() =>
        Object.keys(localStorage)
          .filter((k) => k.endsWith('.queue'))
          .map((k) => localStorage.getItem(k)),
      ),
    ).toEqual(['[]']);
    await expect.poll(() => card(page, queued.id).getAttribute('data-state')).toBe('acknowledged');
    await page.locator('#connection.live').waitFor();
    await shoot(page, `field-app-${lang}-conflict`);

    // Declined with a reason: the job goes back to the planner, the reason on its record.
    const d = card(page, declined.id);
    await d.getByText(text.decline).click();
    await d.getByRole('combobox').first().selectOption('too_far');
    // A live change of the job list rebuilds every card before the technician sends: the chosen
    // reason must survive it (it was reset to the first reason, and the decline said another).
    const q = purna.service.workOrders.getWorkOrder(queued.id);
    if (!q) throw new Error('queued job vanished');
    purna.service.workOrders.transition(q.id, { to: 'en_route', version: q.version, actor: technicianId });
    await expect.poll(() => card(page, queued.id).getAttribute('data-state')).toBe('en_route');
    await d.getByRole('button', { name: text.declineConfirm, exact: true }).click();
    await expect
      .poll(() =>
        purna.service.workOrders
          .workOrderHistory(declined.id)
          .some((e) => e.fromState === 'assigned' && e.toState === 'open' && e.note === text.tooFar),
      )
      .toBe(true);
    await expect.poll(() => card(page, declined.id).count()).toBe(0);
    await context.close();
    expect(cspViolations(browser)).toEqual([]);
  }, 90_000);

  it('on site: the checklist, a part fitted off the stock, a photo and the signature kept, then the customer link', async () => {
    const text = TEXT[lang];
    const { technicianId } = jobsOf.get(lang)!;
    // One more job for them, to finish on site.
    const fresh = purna.service.workOrders.handleDispatch(dispatchRequest(spareDevices.pop()!)).order;
    let job =
      fresh.technicianId === technicianId
        ? fresh
        : purna.service.workOrders.reassign(fresh.id, { technicianId, version: fresh.version, actor: 'test' });
    for (const to of ['acknowledged', 'en_route', 'on_site'] as const)
      job = purna.service.workOrders.transition(job.id, { to, version: job.version, actor: technicianId });
    const part = job.parts[0];
    expect(part).toMatchObject({ status: 'reserved' });
    const before = await stockOf(part.depotId!, part.sku);
    const context = await contextFor(browser, lang, 'phone');
    const page = await signIn(context, purna.dashboardUrl, lang, `technician-${technicianId}@test.purna`.toLowerCase());
    const c = card(page, job.id);
    await c.waitFor();

    // 'Why' is live: the device's latest health, not the evidence frozen when the job opened.
    const report = (smoothed: number) =>
      purna.bus.emit('health', {
        deviceId: job.deviceId,
        tsMs: Date.now(),
        score: 12,
        state: 'critical',
        mode: 'bearing_wear',
        metric: 'vibration',
        rule: 'iso10816-zone-d',
        evidence: { smoothed, zoneCD: 7.1 },
        explanation: `vibration ${smoothed} mm/s in ISO zone D`,
      });
    const opened = await c.locator('.why:not(.now)').textContent();
    report(9.3);
    await expect.poll(() => c.locator('.why.now').textContent()).toMatch(/9[.,]30/);
    report(12.5);
    await expect.poll(() => c.locator('.why.now').textContent()).toMatch(/12[.,]50/);
    expect(await c.locator('.why:not(.now)').textContent()).toBe(opened);

    // The checklist: every item ticked reaches the job's record.
    const boxes = c.locator('.checklist input[type="checkbox"]');
    await expect.poll(() => boxes.count()).toBeGreaterThan(0);
    const n = await boxes.count();
    // Purna's default steps (the seed models have no list of their own) in the technician's language.
    expect(await c.locator('.checklist').textContent()).toContain(
      lang === 'id' ? 'Penyebab ditemukan dan dicatat' : 'Cause found and recorded',
    );
    for (let i = 0; i < n; i++) {
      await c.locator('.checklist input[type="checkbox"]').nth(i).check();
      await expect.poll(() => purna.service.workOrders.workOrderChecklist(job.id)[i].doneAtMs).not.toBeNull();
    }

    // The reserved part fitted: it leaves the depot's stock (on hand and reserved, one each).
    await c.getByRole('button', { name: text.fitted }).click();
    await expect
      .poll(() => stockOf(part.depotId!, part.sku))
      .toMatchObject({ onHand: before.onHand - part.quantity, reserved: before.reserved - part.quantity });
    await expect
      .poll(() => c.locator(`.parts-used li[data-sku="${part.sku}"]`).getAttribute('data-status'))
      .toBe('consumed');

    // The camera's button is the app's own, in the technician's language: the browser's file
    // control ("Choose File / No file chosen", in the phone's language) is not shown.
    const pick = c.locator('label.photo-pick');
    expect(await pick.textContent()).toBe(text.takePhoto);
    expect((await pick.boundingBox())!.height).toBeGreaterThanOrEqual(40);
    expect((await c.locator('input[type="file"]').boundingBox())!.width).toBeLessThanOrEqual(1);
    // A photo from the camera input, scaled down to a JPEG before it is sent.
    await c
      .getByLabel(text.takePhoto)
      .setInputFiles(fileURLToPath(new URL('../../dashboard/ui/public/icon-512.png', import.meta.url)));
    await expect.poll(() => purna.service.workOrders.attachments(job.id).map((a) => a.kind)).toEqual(['photo']);
    expect(purna.service.workOrders.attachments(job.id)[0].contentType).toBe('image/jpeg');

    // Shown back (after the status line above moved the page): the pad is where it will stay.
    await expect.poll(() => c.locator('.attachments img').count()).toBe(1);

    // The customer signs with a finger (a pointer drawn across the pad) and gives their name.
    const pad = c.locator('canvas.signature-pad');
    await pad.scrollIntoViewIfNeeded();
    const box = (await pad.boundingBox())!;
    await page.mouse.move(box.x + 20, box.y + box.height * 0.7);
    await page.mouse.down();
    for (let i = 1; i <= 12; i++)
      await page.mouse.move(box.x + 20 + i * 22, box.y + box.height * (0.7 - 0.4 * Math.sin(i / 2)));
    await page.mouse.up();
    await c.getByLabel(text.signerName).fill('Ibu Sari');
    await shoot(page, `field-app-${lang}-on-site`);
    // The tap on Save, with a live update of the job arriving while the finger is down (the office
    // re-records a checklist item): re-rendering the card then took the button out of the page
    // between press and release, and the browser sent no click.
    const saveButton = c.getByRole('button', { name: text.saveSignature });
    await saveButton.scrollIntoViewIfNeeded();
    const save = (await saveButton.boundingBox())!;
    await page.mouse.move(save.x + save.width / 2, save.y + save.height / 2);
    await page.mouse.down();
    const first = purna.service.workOrders.workOrderChecklist(job.id)[0];
    const { version } = purna.service.workOrders.recordChecklistItem(
      job.id,
      { itemId: first.itemId, done: true, note: 'checked again from the office' },
      'planner',
    ).workOrder;
    await expect.poll(() => versionKeptOnPhone(page, job.id)).toBe(version);
    const saved = page.waitForResponse((r) =>
      r.url().includes(`/api/work-orders/${job.id}/attachments?kind=signature`),
    );
    await page.mouse.up();
    expect((await saved).status()).toBe(201);
    await expect
      .poll(() => purna.service.workOrders.attachments(job.id).map((a) => a.kind))
      .toEqual(['photo', 'signature']);
    const signature = purna.service.workOrders.attachments(job.id)[1];
    expect(signature).toMatchObject({ contentType: 'image/png', signedBy: 'Ibu Sari' });
    const png = purna.service.workOrders.attachmentFile(job.id, signature.id).bytes;
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    // Kept with the job and shown from the server (same origin, the session's cookie).
    await expect.poll(() => c.locator('.attachments img').count()).toBe(2);
    await expect
      .poll(() =>
        c
          .locator('.attachments img')
          .first()
          .evaluate((img: HTMLImageElement) => img.naturalWidth),
      )
      .toBeGreaterThan(0);

    // Resolved: the customer's page to hand over.
    await c.getByLabel(text.resolution).selectOption('fault_confirmed_part_replaced');
    await c.getByRole('button', { name: text.resolve, exact: true }).click();
    const link = page.locator(`#tech-done [data-work-order-id="${job.id}"] a.customer-link`);
    await link.waitFor();
    expect(await link.getAttribute('href')).toMatch(/\/api\/track\/[\w-]{43}$/);
    expect(stateOf(job.id)).toBe('resolved');
    // Nothing left the stock twice at the resolution.
    expect((await stockOf(part.depotId!, part.sku)).onHand).toBe(before.onHand - part.quantity);
    await shoot(page, `field-app-${lang}-resolved`);
    await context.close();

    // The same app on a desk-size screen (a technician at a depot's PC): the jobs still open, each
    // card with its call and navigation, in the page's language.
    const technicianDesk = await contextFor(browser, lang, 'desk');
    const atDesk = await signIn(
      technicianDesk,
      purna.dashboardUrl,
      lang,
      `technician-${technicianId}@test.purna`.toLowerCase(),
    );
    await atDesk.locator('#my-jobs article.job').first().waitFor();
    expect(await atDesk.locator('html').getAttribute('lang')).toBe(lang);
    expect(await card(atDesk, job.id).count()).toBe(0); // resolved: not among them
    expect(
      await atDesk.locator('#my-jobs article.job').first().getByRole('link', { name: text.navigate }).count(),
    ).toBe(1);
    // Side by side, not one phone-wide column down the left of the screen.
    const cards = atDesk.locator('#my-jobs article.job');
    expect(await cards.count()).toBeGreaterThanOrEqual(2);
    const [left, right] = [(await cards.nth(0).boundingBox())!, (await cards.nth(1).boundingBox())!];
    expect(right.y).toBe(left.y);
    expect(right.x).toBeGreaterThan(left.x + left.width);
    await shoot(atDesk, `field-app-${lang}-desk`);
    await technicianDesk.close();

    // The planner sees both on the work-order page, from the server.
    const desk = await contextFor(browser, lang, 'desk');
    const planner = await signIn(desk, purna.dashboardUrl, lang, 'planner@test.purna', `#/work-order/${job.id}`);
    const proof = planner.locator('#work-order-proof img');
    await expect.poll(() => proof.count()).toBe(2);
    await expect.poll(() => proof.nth(1).evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(600);
    await desk.close();
    expect(cspViolations(browser)).toEqual([]);
  }, 90_000);
});
