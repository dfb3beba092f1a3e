// A real browser sees a device's row update live (no reload) as readings arrive over MQTT.
import { mkdirSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import type { MqttClient } from 'mqtt';
import { topics } from '../../core/topics.ts';
import { cspViolations, launchBrowser } from '../support/browser.ts';
import { connectDevice, loginAs, startTestPurna, type TestPurna } from '../support/purna.ts';

let purna: TestPurna;
let browser: Browser;
let device: MqttClient;
const deviceId = 'compressor-br-0001';

beforeAll(async () => {
  purna = await startTestPurna();
  browser = await launchBrowser();
  device = await connectDevice(purna.mqttUrl, deviceId);
});

afterAll(async () => {
  await device?.endAsync();
  await browser?.close();
  await purna?.destroy();
});

it("a device's row updates live in the dashboard", async () => {
  await loginAs(purna, 'planner'); // creates the user
  const page = await browser.newPage();
  await page.goto(purna.dashboardUrl);
  await page.getByLabel('Email').fill('planner@test.purna');
  await page.getByLabel('Password').fill('test-password-0123456789');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('#connection.live').waitFor();

  const publish = (temperature: number, vibration: number) =>
    device.publishAsync(topics.telemetry(deviceId), JSON.stringify({ temperature, vibration }), { qos: 1 });

  await publish(71.25, 2.5);
  const row = page.locator(`#devices tr[data-device-id="${deviceId}"]`);
  await expect.poll(() => row.locator('td.temperature').textContent(), { timeout: 10_000 }).toBe('71.3');
  await expect.poll(() => row.locator('td.vibration').textContent()).toBe('2.50');

  // Same page, no reload: the next reading replaces the values.
  await publish(88.04, 6.1);
  await expect.poll(() => row.locator('td.temperature').textContent(), { timeout: 10_000 }).toBe('88.0');
  await expect.poll(() => row.locator('td.vibration').textContent()).toBe('6.10');

  mkdirSync('test-artifacts', { recursive: true });
  await page.screenshot({ path: 'test-artifacts/dashboard-live.png', fullPage: true });
  expect(cspViolations(browser)).toEqual([]);
});
