// The dashboard under its Content-Security-Policy in Debian's Chromium: every screen (fleet,
// device chart, board, KPIs), the API docs and the customer's survey form work, and the browser
// reports no CSP violation; a page elsewhere cannot frame the dashboard.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import type { MqttClient } from 'mqtt';
import { topics } from '../../core/topics.ts';
import type { ServiceDomain } from '../../service/index.ts';
import { seedSmallNetwork } from '../service/helpers.ts';
import { cspViolations, launchBrowser } from '../support/browser.ts';
import { connectDevice, loginAs, startTestPurna, type TestPurna } from '../support/purna.ts';

type HistoricalWorkOrder = Parameters<ServiceDomain['workOrders']['importHistory']>[0][number];

let purna: TestPurna;
let browser: Browser;
let device: MqttClient;
const deviceId = 'pump-jkt-1';

beforeAll(async () => {
  purna = await startTestPurna();
  seedSmallNetwork(purna.service);
  purna.fleetView.register(
    purna.service.customers
      .listDevices()
      .map((d) => ({ deviceId: d.id, modelId: d.modelId, site: d.siteName ?? null })),
  );
  browser = await launchBrowser();
  device = await connectDevice(purna.mqttUrl, deviceId);
  const t0 = Date.now() - 120_000;
  for (let i = 0; i < 60; i++) {
    await device.publishAsync(
      topics.telemetry(deviceId),
      JSON.stringify({ ts: t0 + i * 2000, values: { vibration: 1.6 + 0.05 * Math.sin(i), temperature: 58 } }),
      { qos: 1 },
    );
  }
});
afterAll(async () => {
  await device?.endAsync();
  await browser?.close();
  await purna?.destroy();
});

async function signInAsPlanner(): Promise<Page> {
  await loginAs(purna, 'planner');
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  await page.goto(purna.dashboardUrl);
  await page.getByLabel('Email').fill('planner@test.purna');
  await page.getByLabel('Password').fill('test-password-0123456789');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('#connection.live').waitFor();
  return page;
}

describe('under the Content-Security-Policy', () => {
  it('every response carries the security headers, the UI, its errors and the docs alike', async () => {
    for (const path of ['', 'api/auth/me', 'api/nope', 'docs', 'healthz']) {
      const r = await fetch(`${purna.dashboardUrl}${path}`);
      const csp = r.headers.get('content-security-policy') ?? '';
      expect(csp, path).toMatch(/frame-ancestors 'none'/);
      expect(csp, path).toMatch(/script-src 'self'/);
      expect(csp, path).not.toMatch(/unsafe-inline|unsafe-eval/);
      expect(r.headers.get('x-content-type-options'), path).toBe('nosniff');
      expect(r.headers.get('referrer-policy'), path).toBe('no-referrer');
      expect(r.headers.get('x-frame-options'), path).toBe('DENY');
    }
    const polling = await fetch(`${purna.dashboardUrl}socket.io/?EIO=4&transport=polling`);
    expect(polling.headers.get('x-content-type-options')).toBe('nosniff');
    expect(polling.headers.get('content-security-policy')).toMatch(/frame-ancestors 'none'/);
  });

  it('the planner signs in and every screen draws, live, with no CSP violation', async () => {
    const page = await signInAsPlanner();
    await page.locator('#devices tr[data-device-id="pump-jkt-1"]').waitFor();
    await page.goto(`${purna.dashboardUrl}#/device/${deviceId}`);
    await page.locator('.chart canvas').first().waitFor();
    await page.goto(`${purna.dashboardUrl}#/work-orders`);
    await page.locator('#board').waitFor();
    await page.goto(`${purna.dashboardUrl}#/kpis`);
    await page.locator('#kpi-trend canvas').first().waitFor();
    await expect.poll(() => page.locator('#connection').getAttribute('class')).toMatch(/live/);
    await page.close();
    expect(cspViolations(browser)).toEqual([]);
  });

  it('Swagger UI at /docs renders the API with no CSP violation', async () => {
    const page = await browser.newPage();
    await page.goto(`${purna.dashboardUrl}docs`);
    await page.locator('.swagger-ui .opblock').first().waitFor({ timeout: 20_000 });
    expect(await page.locator('.swagger-ui .opblock').count()).toBeGreaterThan(20);
    await page.close();
    expect(cspViolations(browser)).toEqual([]);
  });

  it("the customer's survey form (inline script and style, by nonce) styles itself and submits, with no CSP violation", async () => {
    const resolved: HistoricalWorkOrder = {
      deviceId,
      mode: 'bearing_wear',
      severity: 'high',
      createdAtMs: Date.now() - 86_400_000,
      technicianId: 'T-JKT-1',
      onSiteAtMs: Date.now() - 80_000_000,
      resolvedAtMs: Date.now() - 79_000_000,
      resolutionCode: 'fault_confirmed_part_replaced',
    };
    const [id] = purna.service.workOrders.importHistory([resolved]);
    const { url } = purna.service.customers.issueSurvey(id);
    const page = await browser.newPage();
    await page.goto(new URL(url, purna.dashboardUrl).href);
    // The inline style applied: the button is the green one.
    expect(await page.getByRole('button', { name: 'Send' }).evaluate((b) => getComputedStyle(b).backgroundColor)).toBe(
      'rgb(11, 110, 79)',
    );
    await page.locator('input[name="csat"][value="5"]').check();
    await page.locator('input[name="nps"][value="9"]').check();
    await page.getByRole('button', { name: 'Send' }).click();
    await expect.poll(() => page.locator('#msg').textContent()).toBe('Thank you — your answer is recorded.');
    expect(purna.service.customers.surveyOf(id)).toMatchObject({ csat: 5, nps: 9 });
    await page.close();
    expect(cspViolations(browser)).toEqual([]);
  });

  it('a page elsewhere cannot frame the dashboard', async () => {
    const before = cspViolations(browser).length;
    const page = await browser.newPage();
    await page.setContent(`<iframe id="f" src="${purna.dashboardUrl}"></iframe>`);
    await expect
      .poll(() =>
        cspViolations(browser)
          .slice(before)
          .some((v) => /frame-ancestors 'none'/.test(v)),
      )
      .toBe(true);
    expect(await page.frameLocator('#f').locator('#login-form').count()).toBe(0);
    await page.close();
  });
});
