// Debian's Chromium driven by playwright-core (no downloaded browser builds on these machines).
import { chromium, type Browser, type ConsoleMessage } from 'playwright-core';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

const violations = new WeakMap<Browser, string[]>();

/**
 * Chromium, with every page's Content-Security-Policy violations recorded (Chromium reports each
 * as a console error "Refused to … because it violates the following Content Security Policy
 * directive …"): see `cspViolations`.
 */
export async function launchBrowser(): Promise<Browser> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
      '--disable-quic',
      '--disable-sync',
    ],
  });
  const seen: string[] = [];
  violations.set(browser, seen);
  const record = (msg: ConsoleMessage) => {
    if (/Content Security Policy/i.test(msg.text())) seen.push(`${msg.location().url}: ${msg.text()}`);
  };
  // browser.newPage() opens its page through newContext(), so this covers both.
  const newContext = browser.newContext.bind(browser);
  browser.newContext = async (options) => {
    const context = await newContext(options);
    context.on('console', record);
    return context;
  };
  return browser;
}

/** The CSP violations every page of `browser` has reported so far. */
export function cspViolations(browser: Browser): string[] {
  return [...(violations.get(browser) ?? [])];
}
