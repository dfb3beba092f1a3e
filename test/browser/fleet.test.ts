// The planner's fleet page in Chromium: the counts add up to the devices (never seen, learning,
// offline, silent and sensor fault apart from healthy, watch and alarm) and the grid's tiles say
// the same; in both languages, at a desk and on a phone. Before issue 18 the page said
// "Devices 31 · Healthy 31" while 29 had never sent a reading, and an offline device kept its green.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import type { HealthReport } from '../../core/types.ts';
import { cspViolations, launchBrowser } from '../support/browser.ts';
import { loginAs, startTestPurna, type TestPurna } from '../support/purna.ts';
import { contextFor, type Lang, shoot, signIn, type Size } from '../support/dashboard-page.ts';

let purna: TestPurna;
let browser: Browser;

const health = (deviceId: string, state: HealthReport['state'], score: number): HealthReport => ({
  deviceId,
  tsMs: Date.now(),
  score,
  state,
  rule: 'baseline',
  metric: 'temperature',
  explanation: '',
  evidence: { baselineMean: 60, baselineStd: 2, smoothed: 61 },
  timeToThresholdMs: null,
});

/** The fleet as the test makes it: how many devices each state should count. */
const EXPECTED = {
  total: 10,
  alarm: 2,
  watch: 1,
  healthy: 1,
  sensor_fault: 1,
  learning: 1,
  silent: 1,
  offline: 1,
  never_seen: 2,
};

beforeAll(async () => {
  purna = await startTestPurna();
  const ids = [
    'fl-alarm-1',
    'fl-alarm-2',
    'fl-watch',
    'fl-healthy',
    'fl-fault',
    'fl-learning',
    'fl-silent',
    'fl-offline',
    'fl-never-1',
    'fl-never-2',
  ];
  purna.fleetView.register(ids.map((deviceId) => ({ deviceId, modelId: 'pump-p200' })));
  const bus = purna.bus;
  bus.emit('health', health('fl-alarm-1', 'critical', 20));
  bus.emit('health', health('fl-alarm-2', 'warning', 55));
  bus.emit('health', health('fl-watch', 'watch', 75));
  bus.emit('health', health('fl-healthy', 'healthy', 98));
  // A sensor fault: the device's latest message was an impossible value.
  bus.emit('sensorFault', {
    deviceId: 'fl-fault',
    readings: [{ deviceId: 'fl-fault', tsMs: Date.now(), values: { temperature: 900 } }],
    reason: 'temperature 900 is outside the sensor range',
    tsMs: Date.now(),
  });
  bus.emit('health', health('fl-learning', 'warming_up', 100));
  bus.emit('health', health('fl-silent', 'healthy', 97));
  bus.emit('deviceStatus', { deviceId: 'fl-silent', status: 'silent', tsMs: Date.now() });
  // Offline with a green 95 from before: counted offline, never healthy.
  bus.emit('health', health('fl-offline', 'healthy', 95));
  bus.emit('deviceStatus', { deviceId: 'fl-offline', status: 'offline', tsMs: Date.now() });
  await loginAs(purna, 'planner');
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await purna?.destroy();
});

const LABELS = {
  en: { total: 'Devices', healthy: 'Healthy', never_seen: 'Never seen', offline: 'Offline' },
  id: { total: 'Perangkat', healthy: 'Sehat', never_seen: 'Belum pernah terlihat', offline: 'Offline' },
} as const;

describe.each([
  ['en', 'desk'],
  ['id', 'phone'],
] as [Lang, Size][])('fleet counts (%s, %s)', (lang, size) => {
  it('every device is counted once, in its own state, and the tiles agree', async () => {
    const context = await contextFor(browser, lang, size);
    const page = await signIn(context, purna.dashboardUrl, lang, 'planner@test.purna', '#/fleet');
    const count = (state: string) => page.locator(`#counts [data-state="${state}"] dd`).textContent();
    await expect.poll(() => count('total')).toBe(String(EXPECTED.total));
    for (const [state, n] of Object.entries(EXPECTED)) expect(await count(state), state).toBe(String(n));
    // The states add up to the devices.
    const { total, ...states } = EXPECTED;
    expect(Object.values(states).reduce((a, b) => a + b, 0)).toBe(total);
    // The labels in the viewer's language.
    for (const [state, label] of Object.entries(LABELS[lang]))
      expect(await page.locator(`#counts [data-state="${state}"] dt`).textContent()).toBe(label);
    // The tiles are coloured by the same states: the offline device is not green.
    await expect.poll(() => page.locator('#health-grid .tile.s-never_seen').count()).toBe(2);
    expect(await page.locator('#health-grid .tile[data-device-id="fl-offline"]').getAttribute('class')).toContain(
      's-offline',
    );
    const offlineColour = await page
      .locator('#health-grid .tile[data-device-id="fl-offline"]')
      .evaluate((e) => getComputedStyle(e).backgroundColor);
    expect(offlineColour).not.toBe('rgb(63, 185, 80)'); // --ok
    // A count is a filter: "never seen" shows the two that never sent a reading.
    await page.locator('#counts [data-state="never_seen"] button').click();
    await expect.poll(() => page.locator('#health-grid .tile:visible').count()).toBe(2);
    expect(await page.locator('#fleet-health').inputValue()).toBe('never_seen');
    await shoot(page, `fleet-counts-${lang}-${size}`);
    await page.locator('#counts [data-state="never_seen"] button').click();
    await expect.poll(() => page.locator('#health-grid .tile:visible').count()).toBe(EXPECTED.total);
    await context.close();
  });
});

it('no CSP violation', () => {
  expect(cspViolations(browser)).toEqual([]);
});
