// Sessions as a planner lives them, in Chromium at a desk and on a phone, in English and
// Indonesian: the sign-in page does not claim to be "connecting…"; a session that expires or is
// ended elsewhere brings the sign-in form back saying why, and signing in again returns to the
// page; a lost live connection says so, retries by itself and on request, and comes back live.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page, WebSocketRoute } from 'playwright-core';
import { cspViolations, launchBrowser } from '../support/browser.ts';
import { contextFor, MATRIX, shoot, signIn, submitSignIn, type Lang } from '../support/dashboard-page.ts';
import { loginAs, startTestPurna, type TestPurna } from '../support/purna.ts';

/** Sessions of 9 s: long enough to sign in under load, short enough to wait for. */
const SHORT_TTL_HOURS = 9 / 3600;

let purna: TestPurna;
let shortLived: TestPurna;
let browser: Browser;

const TEXT = {
  en: {
    expired: 'Your session expired; please sign in again.',
    signedOut: 'You were signed out.',
    connecting: 'connecting…',
    live: 'live',
    lost: /^connection lost — retrying \(attempt \d+\)$/,
    retry: 'Retry now',
    kpis: 'Service KPIs',
    fleet: 'Fleet health',
  },
  id: {
    expired: 'Sesi Anda telah berakhir; silakan masuk lagi.',
    signedOut: 'Anda telah keluar.',
    connecting: 'menghubungkan…',
    live: 'terhubung',
    lost: /^koneksi terputus — mencoba lagi \(percobaan ke-\d+\)$/,
    retry: 'Coba sekarang',
    kpis: 'KPI layanan',
    fleet: 'Kesehatan armada',
  },
} as const;

beforeAll(async () => {
  [purna, shortLived, browser] = await Promise.all([
    startTestPurna(),
    startTestPurna({ sessionTtlHours: SHORT_TTL_HOURS }),
    launchBrowser(),
  ]);
  await loginAs(purna, 'planner');
  await loginAs(shortLived, 'planner');
});
afterAll(async () => {
  await browser?.close();
  await Promise.all([purna?.destroy(), shortLived?.destroy()]);
});

const signInForm = (page: Page) => page.locator('#login-form');

for (const { lang, size } of MATRIX) {
  describe(`${lang} at ${size} size`, () => {
    const text = TEXT[lang as Lang];

    it('the sign-in page shows no connection state at all, before and after a wait', async () => {
      const context = await contextFor(browser, lang, size);
      const page = await context.newPage();
      await page.goto(purna.dashboardUrl);
      await signInForm(page).waitFor();
      await page.waitForTimeout(2500);
      expect(await page.locator('#connection').isVisible()).toBe(false);
      expect(await page.locator('body').textContent()).not.toContain(text.connecting);
      await shoot(page, `session-${lang}-${size}-sign-in`);
      await context.close();
    });

    it('an expired session brings back the sign-in form saying so; signing in again returns to the page', async () => {
      const context = await contextFor(browser, lang, size);
      const page = await signIn(context, shortLived.dashboardUrl, lang, 'planner@test.purna', '#/kpis');
      await page.getByRole('heading', { name: text.kpis }).waitFor();
      // The server ends the live connection at the expiry with `session-ended`.
      await signInForm(page).waitFor({ timeout: 20_000 });
      expect(await page.locator('#login-error').textContent()).toBe(text.expired);
      expect(await page.locator('#app').isHidden()).toBe(true);
      expect(await page.locator('#connection').isVisible()).toBe(false);
      expect(await page.locator('#nav a').count()).toBe(0); // no navigation of a session that is gone
      await shoot(page, `session-${lang}-${size}-expired`);
      await submitSignIn(page, lang, 'planner@test.purna');
      await page.getByRole('heading', { name: text.kpis }).waitFor();
      await page.locator('#connection.live').waitFor();
      expect(new URL(page.url()).hash).toBe('#/kpis');
      await context.close();
    });

    it('a session ended elsewhere (signed out in another tab) says so', async () => {
      const context = await contextFor(browser, lang, size);
      const page = await signIn(context, purna.dashboardUrl, lang, 'planner@test.purna');
      const cookie = (await context.cookies()).find((c) => c.name === 'purna_session')!;
      const res = await fetch(`${purna.dashboardUrl}api/auth/logout`, {
        method: 'POST',
        headers: { cookie: `${cookie.name}=${cookie.value}`, 'sec-fetch-site': 'same-origin' },
      });
      expect(res.status).toBe(200);
      await signInForm(page).waitFor({ timeout: 10_000 });
      expect(await page.locator('#login-error').textContent()).toBe(text.signedOut);
      await context.close();
    });

    it('a lost live connection says so and retries, by itself and on request, until it is live again', async () => {
      const context = await contextFor(browser, lang, size);
      const page = await context.newPage();
      // The live connection passes through here, so the test can drop it; offline, every retry fails.
      let open: WebSocketRoute | null = null;
      await page.routeWebSocket(/\/socket\.io\//, (ws) => {
        ws.connectToServer();
        open = ws;
      });
      await page.goto(purna.dashboardUrl);
      await submitSignIn(page, lang, 'planner@test.purna');
      await page.locator('#connection.live').waitFor();
      expect(await page.locator('#connection').textContent()).toBe(text.live);

      await context.setOffline(true);
      await open!.close();
      const status = page.locator('#connection');
      await expect.poll(() => status.textContent(), { timeout: 10_000 }).toMatch(text.lost);
      // It retries by itself, with the attempt counted.
      await expect
        .poll(async () => Number(/\d+/.exec((await status.textContent()) ?? '')?.[0]), { timeout: 15_000 })
        .toBeGreaterThanOrEqual(2);
      await shoot(page, `session-${lang}-${size}-connection-lost`);

      await context.setOffline(false);
      await page.getByRole('button', { name: text.retry }).click();
      await page.locator('#connection.live').waitFor({ timeout: 10_000 });
      expect(await page.getByRole('button', { name: text.retry }).count()).toBe(0);
      // Still signed in, the view still there.
      await page.getByRole('heading', { name: text.fleet }).waitFor();
      await context.close();
    });
  });
}

it('no page broke the Content-Security-Policy', () => {
  expect(cspViolations(browser)).toEqual([]);
});
