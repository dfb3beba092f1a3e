// A part, photo or checklist item recorded on a job is a new version of it, so the field app's
// conflict detection sees it (issue 18: those routes wrote a note and left the version, and a
// step queued offline on the old job went through as if nothing had happened). In Chromium on a
// phone, in Indonesian and English: the technician resolves offline; meanwhile a part is recorded
// on the job from elsewhere; back online the resolution is refused and the app says the job
// changed — not the server's English "version mismatch". Screenshots in
// test-artifacts/field-app-versions-*.png.
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDemo } from '../../demo/seed.ts';
import type { ServiceWorkOrder } from '../../service/types.ts';
import { dispatchRequest } from '../service/helpers.ts';
import { cspViolations, launchBrowser } from '../support/browser.ts';
import { contextFor, type Lang, shoot, signIn } from '../support/dashboard-page.ts';
import { loginAs, startTestPurna, type TestPurna } from '../support/purna.ts';

let purna: TestPurna;
let browser: Browser;
const jobs = new Map<Lang, ServiceWorkOrder>();
const cookies = new Map<Lang, string>();

const TEXT = {
  id: {
    resolution: 'Hasil penanganan',
    resolve: 'Selesaikan',
    changed: /berubah selama Anda luring \(suku cadang, foto, tanda tangan, atau daftar periksa dicatat/,
    partUsed: (p: string, d: string) => `suku cadang dipakai: 1 × ${p} dari ${d} (yang dipesan untuk tugas ini)`,
    checklist: /daftar periksa: \S.* selesai/,
  },
  en: {
    resolution: 'Resolution',
    resolve: 'Resolve',
    changed: /changed while you were offline \(a part, photo, signature or checklist item was recorded on it\)/,
    partUsed: (p: string, d: string) => `part used: 1 × ${p} from ${d} (its reservation)`,
    checklist: /checklist: \S.* done/,
  },
} as const;

beforeAll(async () => {
  purna = await startTestPurna();
  seedDemo(purna.service, { totalDevices: 20, historyDays: 0 });
  const devices = purna.service.customers.listDevices().filter((d) => d.timeZone === 'Asia/Jakarta');
  purna.fleetView.register(
    devices.map((d) => ({ deviceId: d.id, modelId: d.modelId, site: d.siteName, timeZone: d.timeZone })),
  );
  for (const [i, lang] of (['id', 'en'] as const).entries()) {
    let job = purna.service.workOrders.handleDispatch(dispatchRequest(devices[i].id)).order;
    const tech = job.technicianId!;
    for (const to of ['acknowledged', 'en_route', 'on_site'] as const)
      job = purna.service.workOrders.transition(job.id, { to, version: job.version, actor: `technician:${tech}` });
    // Its checklist done beforehand: the resolution could only be refused for the job having changed.
    for (const item of purna.service.workOrders.workOrderChecklist(job.id))
      purna.service.workOrders.recordChecklistItem(
        job.id,
        item.reading
          ? { itemId: item.itemId, deviceId: item.deviceId, value: (item.reading.min + item.reading.max) / 2 }
          : { itemId: item.itemId, deviceId: item.deviceId, done: true },
        `technician:${tech}`,
      );
    jobs.set(lang, purna.service.workOrders.getWorkOrder(job.id)!);
    cookies.set(lang, await loginAs(purna, 'technician', tech));
  }
  await loginAs(purna, 'planner');
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await purna?.destroy();
});

describe.each(['id', 'en'] as const)('the field app in %s on a phone', (lang) => {
  it('a resolution queued offline is refused once a part was recorded on the job meanwhile, and says so', async () => {
    const job = jobs.get(lang)!;
    const text = TEXT[lang];
    const context = await contextFor(browser, lang, 'phone');
    const page = await signIn(
      context,
      purna.dashboardUrl,
      lang,
      `technician-${job.technicianId}@test.purna`.toLowerCase(),
    );
    const card = page.locator(`#my-jobs article[data-work-order-id="${job.id}"]`);
    await card.waitFor();

    await context.setOffline(true);
    await card.getByLabel(text.resolution).selectOption('fault_confirmed_no_part');
    await card.getByRole('button', { name: text.resolve, exact: true }).click();
    await expect.poll(() => card.getAttribute('data-pending')).toBe('resolved');

    // Meanwhile the reserved part is recorded as fitted from another phone (the API, the same technician).
    const part = job.parts[0];
    const used = await fetch(`${purna.dashboardUrl}api/work-orders/${job.id}/parts-used`, {
      method: 'POST',
      headers: {
        cookie: cookies.get(lang)!,
        'content-type': 'application/json',
        origin: purna.dashboardUrl.replace(/\/$/, ''),
      },
      body: JSON.stringify({ sku: part.sku, quantity: part.quantity }),
    });
    expect(used.status, await used.clone().text()).toBe(200);
    expect(((await used.json()) as { workOrder: ServiceWorkOrder }).workOrder.version).toBe(job.version + 1);

    await context.setOffline(false);
    const conflict = page.locator(`#tech-conflicts p.conflict[data-work-order-id="${job.id}"]`);
    await expect.poll(() => conflict.textContent(), { timeout: 20_000 }).toMatch(text.changed);
    expect(await conflict.textContent()).not.toMatch(/version mismatch/);
    expect(purna.service.workOrders.getWorkOrder(job.id)!.state).toBe('on_site');
    await shoot(page, `field-app-versions-${lang}`);

    // Looked at again, resolved again: it goes straight to the server (which answered: the app is
    // online again, not queueing for the next 15-s retry) and through on the new version.
    await card.getByLabel(text.resolution).selectOption('fault_confirmed_part_replaced');
    await card.getByRole('button', { name: text.resolve, exact: true }).click();
    await expect.poll(() => purna.service.workOrders.getWorkOrder(job.id)!.state).toBe('resolved');
    await context.close();

    // The planner reads what was recorded in their language, the part and depot by name (the
    // notes the service writes in English: 'checklist cause_found “…” done', 'part used: 1 × SKU from DEP-…').
    const desk = await contextFor(browser, lang, 'desk');
    const planner = await signIn(desk, purna.dashboardUrl, lang, 'planner@test.purna', `#/work-order/${job.id}`);
    const history = planner.locator('#work-order-history');
    const depot = purna.service.network.listDepots().find((d) => d.id === part.depotId)!;
    await expect.poll(() => history.textContent()).toContain(text.partUsed(part.name, depot.name));
    expect(await history.textContent()).toMatch(text.checklist);
    expect(await history.locator('tbody').textContent()).not.toMatch(
      new RegExp(`DEP-|${part.sku}|checklist [a-z_]+ “`),
    );
    await desk.close();
  });
});

it('no CSP violation', () => {
  expect(cspViolations(browser)).toEqual([]);
});
