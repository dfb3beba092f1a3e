// What the control-room browser tests share: the two screen sizes and languages they run at,
// signing in through the real form, and a screenshot that also checks the page is no wider than
// the screen.
import { mkdirSync } from 'node:fs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { expect } from 'vitest';

export const ARTIFACTS = 'test-artifacts';
export const SIZES = { phone: { width: 390, height: 844 }, desk: { width: 1440, height: 900 } } as const;
export type Size = keyof typeof SIZES;
export const LOCALES = { id: 'id-ID', en: 'en-GB' } as const;
export type Lang = keyof typeof LOCALES;
/** The sign-in form's labels in each language. */
export const SIGN_IN = {
  id: { email: 'Email', password: 'Kata sandi', submit: 'Masuk' },
  en: { email: 'Email', password: 'Password', submit: 'Sign in' },
} as const;
export const TEST_PASSWORD = 'test-password-0123456789';

/** Every (language, size) pair, for `for (const { lang, size } of MATRIX)`. */
export const MATRIX: { lang: Lang; size: Size }[] = (['en', 'id'] as const).flatMap((lang) =>
  (['desk', 'phone'] as const).map((size) => ({ lang, size })),
);

export function contextFor(
  browser: Browser,
  lang: Lang,
  size: Size | { width: number; height: number },
): Promise<BrowserContext> {
  return browser.newContext({
    viewport: typeof size === 'string' ? SIZES[size] : size,
    locale: LOCALES[lang],
    timezoneId: 'Asia/Jakarta',
  });
}

/** Fills and submits the sign-in form of an open page. */
export async function submitSignIn(page: Page, lang: Lang, email: string): Promise<void> {
  const labels = SIGN_IN[lang];
  await page.getByLabel(labels.email, { exact: true }).fill(email);
  await page.getByLabel(labels.password, { exact: true }).fill(TEST_PASSWORD);
  await page.getByRole('button', { name: labels.submit, exact: true }).click();
}

/** Opens the dashboard at `hash`, signs in and waits for the live connection. */
export async function signIn(
  context: BrowserContext,
  baseUrl: string,
  lang: Lang,
  email: string,
  hash = '',
): Promise<Page> {
  const page = await context.newPage();
  await page.goto(`${baseUrl}${hash}`);
  await submitSignIn(page, lang, email);
  await page.locator('#connection.live').waitFor();
  return page;
}

/** A full-page screenshot in test-artifacts/, after checking nothing scrolls the page sideways. */
export async function shoot(page: Page, name: string): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const { scrollWidth, innerWidth } = await page.evaluate(() => ({
    scrollWidth: document.documentElement.scrollWidth,
    innerWidth: window.innerWidth,
  }));
  await page.screenshot({ path: `${ARTIFACTS}/${name}.png`, fullPage: true });
  expect(scrollWidth, `${name}: page ${scrollWidth}px wide on a ${innerWidth}px screen`).toBeLessThanOrEqual(
    innerWidth,
  );
}
