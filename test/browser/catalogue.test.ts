// The catalogue page in a real browser, at a desk (1440×900) and on a phone (390×844): the
// models listed with their versions, a model created through the form, which names each problem
// by its field as you type (the same validator as the API), a live edit making version 2, delete
// refused for a model in use, and an import whose problems come back by line.
import { mkdirSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cspViolations, launchBrowser } from '../support/browser.ts';
import { loginAs, startTestPurna, type TestPurna } from '../support/purna.ts';

let purna: TestPurna;
let browser: Browser;

beforeAll(async () => {
  purna = await startTestPurna();
  browser = await launchBrowser();
  await loginAs(purna, 'planner'); // creates the user
  purna.service.stores.network.upsertDepot({
    id: 'D-1',
    name: 'Depot Jakarta',
    city: 'Jakarta',
    lat: -6.2,
    lon: 106.8,
  });
  purna.service.stores.network.upsertInventory({ depotId: 'D-1', sku: 'P200-BRG-KIT', onHand: 3 });
  purna.service.customers.registerDevices([
    { deviceId: 'pump-0001', modelId: 'pump-p200' },
    { deviceId: 'pump-0002', modelId: 'pump-p200' },
  ]);
  mkdirSync('test-artifacts', { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  await purna?.destroy();
});

async function openCatalogue(viewport: { width: number; height: number }): Promise<Page> {
  const page = await (await browser.newContext({ viewport, locale: 'en-GB' })).newPage();
  await page.goto(purna.dashboardUrl);
  await page.locator('#login-email').fill('planner@test.purna');
  await page.locator('#login-password').fill('test-password-0123456789');
  await page.locator('#login-form button[type=submit]').click();
  await page.locator('#connection.live').waitFor();
  await page.locator('nav a[href="#/catalogue"]').click();
  await page.locator('#catalogue-table tr[data-model-id="pump-p200"]').waitFor();
  return page;
}

const field = (page: Page, name: string) => page.locator(`#model-form [data-field="${name}"]`);
const problem = (page: Page, name: string) => page.locator(`#model-form [data-problem="${name}"]`).first();

describe('the catalogue page', () => {
  it('at a desk: lists the models, creates one through a form that checks as you type, edits it into version 2, refuses to delete a model in use', async () => {
    const page = await openCatalogue({ width: 1440, height: 900 });
    const rows = page.locator('#catalogue-table tbody tr');
    expect(await rows.evaluateAll((trs) => trs.map((tr) => (tr as HTMLElement).dataset.modelId))).toEqual([
      'compressor-c75',
      'motor-m15',
      'pump-p200',
    ]);
    const pump = page.locator('tr[data-model-id="pump-p200"]');
    expect(await pump.locator('td').nth(2).textContent()).toBe('temperature (°C), vibration (mm/s)');
    expect(await pump.locator('td').nth(6).textContent()).toBe('2');
    // Two devices are pumps: the page says so instead of offering a delete the API would refuse.
    const pumpDelete = pump.getByRole('button', { name: 'Delete pump-p200' });
    expect(await pumpDelete.isDisabled()).toBe(true);
    expect(await pumpDelete.getAttribute('title')).toBe('2 devices are of this model: it cannot be deleted');
    // Who saved it, by name: Purna's own first catalogue, not 'system:seed'.
    await expect.poll(() => pump.locator('td').nth(5).textContent()).toMatch(/^Purna \(initial catalogue\), /);

    await page.locator('#model-new').click();
    await field(page, 'id').fill('booster-b40');
    await field(page, 'name').fill('Booster pump B40');
    await field(page, 'kind').fill('pump');
    await field(page, 'metrics[0].name').fill('pressure');
    await page.locator('#model-form [data-field="metrics[0].unit"]').selectOption('bar');
    // Min above max: said at once, under the field, in words; nothing can be saved.
    await field(page, 'metrics[0].physicalRange[0]').fill('16');
    await field(page, 'metrics[0].physicalRange[1]').fill('0');
    await expect.poll(() => problem(page, 'metrics[0].physicalRange').textContent()).toBe('16 must be below 0');
    expect(await field(page, 'metrics[0].physicalRange[0]').getAttribute('aria-invalid')).toBe('true');
    // Fields not yet touched say nothing; the count does. Saving now shows them all and saves nothing.
    expect(await problem(page, 'metrics[0].normalRange').textContent()).toBe('');
    expect(await page.locator('#model-problems').textContent()).toBe('2 problems to fix');
    await page.locator('#model-save').click();
    await expect
      .poll(() => problem(page, 'metrics[0].normalRange').textContent())
      .toBe('give both numbers, from and up to');
    await expect
      .poll(() => page.evaluate(() => (document.activeElement as HTMLElement | null)?.dataset.field))
      .toBe('metrics[0].physicalRange[0]');
    expect(purna.service.catalogue.listProductModels().map((m) => m.id)).not.toContain('booster-b40');
    await field(page, 'metrics[0].physicalRange[0]').fill('0');
    await field(page, 'metrics[0].physicalRange[1]').fill('16');
    await field(page, 'metrics[0].normalRange[0]').fill('3');
    await field(page, 'metrics[0].normalRange[1]').fill('6');
    await expect.poll(() => problem(page, 'metrics[0].physicalRange').textContent()).toBe('');
    await field(page, 'metrics[0].ratedLimits.lower').fill('7');
    await expect
      .poll(() => problem(page, 'metrics[0].ratedLimits.lower').textContent())
      .toBe('must be below the normal range (from 3)');
    await field(page, 'metrics[0].ratedLimits.lower').fill('2');

    await page.locator('[data-add="metric"]').click();
    await expect
      .poll(() => page.evaluate(() => (document.activeElement as HTMLElement | null)?.dataset.field))
      .toBe('metrics[1].name');
    await field(page, 'metrics[1].name').fill('flow');
    await page.locator('#model-form [data-field="metrics[1].unit"]').selectOption('L/min');
    for (const [f, v] of [
      ['physicalRange[0]', '0'],
      ['physicalRange[1]', '400'],
      ['normalRange[0]', '40'],
      ['normalRange[1]', '120'],
      ['ratedLimits.lower', '20'],
    ])
      await field(page, `metrics[1].${f}`).fill(v);

    await page.locator('[data-add="mode"]').click();
    await field(page, 'failureModes[0].id').fill('seal_leak');
    await field(page, 'failureModes[0].name').fill('Mechanical seal leak');
    await field(page, 'failureModes[0].skill').fill('mechanical-seal');
    await field(page, 'failureModes[0].repairHours').fill('3');
    await page.locator('#model-form [data-field="failureModes[0].signature[0].metric"]').selectOption('pressure');
    await page.locator('#model-form [data-field="failureModes[0].signature[0].direction"]').selectOption('down');
    await page.locator('[data-add="failureModes[0].parts-part"]').click();
    await field(page, 'failureModes[0].parts[0].sku').fill('B40-SEAL-KIT');
    await field(page, 'failureModes[0].parts[0].name').fill('Seal kit B40');
    // A part no depot holds is a warning, not an error: the model can be saved.
    await expect
      .poll(() => problem(page, 'failureModes[0].parts[0].sku').textContent())
      .toBe("no depot holds 'B40-SEAL-KIT' yet: a job needing it waits for stock");
    expect(await problem(page, 'failureModes[0].parts[0].sku').getAttribute('class')).toBe('problem warning');
    await expect.poll(() => page.locator('#model-problems').textContent()).toBe('Nothing to fix, 1 warning');
    await page.screenshot({ path: 'test-artifacts/catalogue-desk-form.png', fullPage: true });
    await page.locator('#model-save').click();

    await expect.poll(() => page.locator('#catalogue-status').textContent()).toBe('booster-b40 saved as version 1');
    const booster = page.locator('tr[data-model-id="booster-b40"]');
    await booster.waitFor();
    expect(await booster.locator('td').nth(4).textContent()).toBe('1');
    expect(purna.service.catalogue.getProductModel('booster-b40')).toMatchObject({
      metrics: [
        { name: 'pressure', unit: 'bar', physicalRange: [0, 16], ratedLimits: { lower: 2 } },
        { name: 'flow', unit: 'L/min' },
      ],
      failureModes: [
        {
          id: 'seal_leak',
          signature: [{ metric: 'pressure', direction: 'down' }],
          parts: [{ sku: 'B40-SEAL-KIT', quantity: 1 }],
        },
      ],
    });

    // A live edit: version 2, seen in the table.
    await booster.getByRole('button', { name: 'Edit booster-b40' }).click();
    expect(await field(page, 'id').getAttribute('readonly')).toBe('');
    await field(page, 'metrics[1].ratedLimits.lower').fill('25');
    await page.locator('#model-save').click();
    await expect.poll(() => page.locator('#catalogue-status').textContent()).toBe('booster-b40 saved as version 2');
    // Saved by the planner: their name (their e-mail here, no name given), not 'planner:usr_…'.
    await expect
      .poll(() => page.locator('tr[data-model-id="booster-b40"] td').nth(5).textContent())
      .toMatch(/^planner@test\.purna, /);
    await expect.poll(() => booster.locator('td').nth(4).textContent()).toBe('2');
    expect(purna.service.catalogue.getProductModel('booster-b40').metrics[1].ratedLimits).toEqual({ lower: 25 });
    await page.screenshot({ path: 'test-artifacts/catalogue-desk.png', fullPage: true });

    // An import with a problem: nothing saved, the problem by its line.
    const csv =
      'record,modelId,name,kind,warrantyMonths,unit,physicalMin,physicalMax,normalMin,normalMax\nmodel,fan-f1,Fan F1,fan,12,,,,,\nmetric,fan-f1,speed,,,rpm,0,100,60,20\n';
    await page
      .locator('#catalogue-file')
      .setInputFiles({ name: 'fans.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
    await page.locator('#catalogue-import').click();
    await expect
      .poll(() => page.locator('#catalogue-status').textContent())
      .toBe('Nothing imported: 1 problem in the file');
    expect(await page.locator('#catalogue-import-report li').allTextContents()).toEqual([
      'Line 3: 60 must be below 20',
    ]);
    expect(purna.service.catalogue.listProductModels().map((m) => m.id)).not.toContain('fan-f1');

    // An unused model goes.
    await booster.getByRole('button', { name: 'Delete booster-b40' }).click();
    await expect
      .poll(() => page.locator('#catalogue-status').textContent())
      .toBe('booster-b40 deleted (its versions stay readable)');
    await expect.poll(() => booster.count()).toBe(0);
    expect(cspViolations(browser)).toEqual([]);
  });

  it("on a phone, in Indonesian: the page and the form fit the screen, problems said in the viewer's language", async () => {
    const page = await openCatalogue({ width: 390, height: 844 });
    await page.locator('#language').selectOption('id');
    await page.locator('nav a[href="#/catalogue"]').waitFor();
    await expect.poll(() => page.locator('#view h2').textContent()).toBe('Katalog produk');
    // The built-in metrics and failure modes in Indonesian, as the board and the device page say them.
    const pump = page.locator('#catalogue-table tbody tr', { hasText: 'pump-p200' });
    await expect.poll(() => pump.textContent()).toContain('suhu (°C), getaran (mm/s)');
    expect(await pump.textContent()).toContain('keausan bearing, gangguan pendinginan, kekurangan pelumasan');
    expect(await pump.textContent()).toContain('Purna (katalog awal)');
    await page.locator('#model-new').click();
    await field(page, 'id').fill('Booster B40');
    await field(page, 'metrics[0].physicalRange[0]').fill('16');
    await field(page, 'metrics[0].physicalRange[1]').fill('0');
    await expect.poll(() => problem(page, 'metrics[0].physicalRange').textContent()).toBe('16 harus di bawah 0');
    expect(await problem(page, 'id').textContent()).toBe('1 sampai 64 huruf kecil, angka, ".", "_" atau "-"');
    await page.locator('#model-save').click();
    await expect.poll(() => problem(page, 'name').textContent()).toBe('wajib diisi');
    // Nothing wider than the phone: the table scrolls inside its box, the form's fields stack.
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    const widths = await page
      .locator('#model-form .field')
      .evaluateAll((fs) => fs.slice(0, 6).map((f) => Math.round(f.getBoundingClientRect().width)));
    expect(Math.min(...widths)).toBeGreaterThan(300);
    await page.screenshot({ path: 'test-artifacts/catalogue-phone.png', fullPage: true });
    expect(cspViolations(browser)).toEqual([]);
  });
});
