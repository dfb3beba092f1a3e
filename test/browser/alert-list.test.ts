// The planners' alert list in Chromium: an alert appears live, is acknowledged with a comment and
// assigned to another planner, and all of it is still there after a reload and after Purna
// restarts on the same data dir (issue 18: "live alerts vanish on reload"). In English at a desk,
// after the restart in Indonesian on a phone.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import type { HealthReport } from '../../core/types.ts';
import { cspViolations, launchBrowser } from '../support/browser.ts';
import { loginAs, startTestPurna, type TestPurna } from '../support/purna.ts';
import { contextFor, shoot, signIn, TEST_PASSWORD } from '../support/dashboard-page.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'purna-alerts-'));
let purna: TestPurna;
let browser: Browser;
const PUMP = 'al-pump-0001';
const OTHER = 'al-pump-0002';
const COMMENT = 'Called the site: filter blocked, cleaning it today';

const health = (state: HealthReport['state'], score: number): HealthReport => ({
  deviceId: PUMP,
  tsMs: Date.now(),
  score,
  state,
  rule: 'rated-max-temperature',
  metric: 'temperature',
  explanation: '',
  evidence: { smoothed: 98.4, ratedMax: 95, baselineMean: 70, baselineStd: 2 },
  timeToThresholdMs: null,
});

beforeAll(async () => {
  purna = await startTestPurna({}, dataDir);
  purna.fleetView.register([
    { deviceId: PUMP, modelId: 'pump-p200' },
    { deviceId: OTHER, modelId: 'pump-p200' },
  ]);
  await loginAs(purna, 'planner');
  await purna.users.create({
    email: 'lead@test.purna',
    name: 'Lead Planner',
    role: 'planner',
    password: TEST_PASSWORD,
  });
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await purna?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

const item = (page: Page, device: string, kind: string) => page.locator(`#alerts li.kind-${kind}`, { hasText: device });

it('raised live, acknowledged with a comment, assigned; kept over a reload and a restart', async () => {
  const context = await contextFor(browser, 'en', 'desk');
  let page = await signIn(context, purna.dashboardUrl, 'en', 'planner@test.purna', '#/fleet');
  await page.locator('#alerts-empty').waitFor();

  // Raised while the page is open: the pump overheats, the other pump goes offline.
  purna.bus.emit('health', health('healthy', 98));
  purna.bus.emit('health', health('critical', 15));
  purna.bus.emit('deviceStatus', { deviceId: OTHER, status: 'offline', tsMs: Date.now() });
  const hot = item(page, PUMP, 'health');
  await hot.waitFor({ timeout: 10_000 });
  const why = await hot.locator('.alert-head a').textContent();
  expect(why).toMatch(new RegExp(`^${PUMP}: healthy → critical — .*98\\.4`));
  await item(page, OTHER, 'connection').waitFor();
  expect(await item(page, OTHER, 'connection').locator('.alert-head a').textContent()).toBe(`${OTHER} is offline`);

  // Acknowledge with a comment.
  await hot.getByRole('button', { name: 'Acknowledge…' }).click();
  await hot.getByLabel('Comment: what you did or found').fill(COMMENT);
  await hot.getByRole('button', { name: 'Acknowledge', exact: true }).click();
  await expect.poll(() => hot.locator('.alert-status').textContent()).toContain(`“${COMMENT}”`);
  expect(await hot.locator('.alert-status').textContent()).toContain('acknowledged by planner@test.purna');
  expect(await hot.getByRole('button', { name: 'Acknowledge…' }).count()).toBe(0);
  // Assign to the other planner.
  await hot.getByLabel('Assigned to').selectOption({ label: 'Lead Planner' });
  await expect.poll(() => hot.locator('.alert-status').textContent()).toContain('assigned to Lead Planner');
  // "Not acknowledged" shows only the offline pump's.
  await page.locator('#alerts-filter').selectOption('unacknowledged');
  await expect.poll(() => page.locator('#alerts li').count()).toBe(1);
  expect(await item(page, OTHER, 'connection').count()).toBe(1);
  await page.locator('#alerts-filter').selectOption('open');
  await shoot(page, 'alerts-en-desk');

  // A reload: the same list, from the server.
  await page.reload();
  await page.locator('#connection.live').waitFor();
  await item(page, PUMP, 'health').waitFor();
  expect(await item(page, PUMP, 'health').locator('.alert-status').textContent()).toContain(`“${COMMENT}”`);
  expect(await item(page, PUMP, 'health').getByLabel('Assigned to').inputValue()).toBe(
    purna.users.byEmail('lead@test.purna')!.id,
  );
  await context.close();

  // A restart on the same data dir: still there (in Indonesian, on a phone).
  await purna.stop();
  purna = await startTestPurna({}, dataDir);
  const phone = await contextFor(browser, 'id', 'phone');
  page = await signIn(phone, purna.dashboardUrl, 'id', 'lead@test.purna', '#/fleet');
  const kept = item(page, PUMP, 'health');
  await kept.waitFor({ timeout: 10_000 });
  const status = await kept.locator('.alert-status').textContent();
  expect(status).toContain(`“${COMMENT}”`);
  expect(status).toContain('ditanggapi oleh planner@test.purna');
  expect(status).toContain('ditugaskan kepada Lead Planner');
  expect(await item(page, OTHER, 'connection').locator('.alert-head a').textContent()).toBe(`${OTHER} offline`);
  // "Assigned to me" for the lead: the pump's alert only.
  await page.locator('#alerts-filter').selectOption('mine');
  await expect.poll(() => page.locator('#alerts li').count()).toBe(1);
  expect(await item(page, PUMP, 'health').count()).toBe(1);
  await page.locator('#alerts-filter').selectOption('open');
  // The pump recovers: its alert is resolved (gone from "open", kept under "all").
  purna.bus.emit('health', health('critical', 15));
  purna.bus.emit('health', health('healthy', 97));
  await expect.poll(() => item(page, PUMP, 'health').count(), { timeout: 10_000 }).toBe(0);
  await page.locator('#alerts-filter').selectOption('all');
  await expect.poll(() => item(page, PUMP, 'health').getAttribute('class')).toContain('resolved');
  await shoot(page, 'alerts-id-phone');
  await phone.close();
  expect(cspViolations(browser)).toEqual([]);
});
