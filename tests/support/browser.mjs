// Headless Debian Chromium for the end-to-end tests (playwright-core, never a downloaded
// browser), launched with the flags this closed network needs, and pages that collect what
// went wrong in them: uncaught errors and Content-Security-Policy violations (only a console
// message, but it means part of the page did not run).
export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

const VIEWPORT = { width: 1366, height: 900 };

// → { browser, page, pageErrors }
export async function openBrowser({ stepTimeoutMs = 20_000, viewport = VIEWPORT } = {}) {
  const { chromium } = await import("playwright-core");
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    timeout: stepTimeoutMs,
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
  });
  const pageErrors = [];
  const page = await openPage(browser, { stepTimeoutMs, viewport, pageErrors });
  return { browser, page, pageErrors };
}

// A page in a new context of `browser` (cookies of its own: another device), whose errors are
// pushed onto `pageErrors`.
export async function openPage(browser, { stepTimeoutMs = 20_000, viewport = VIEWPORT, pageErrors }) {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  page.setDefaultTimeout(stepTimeoutMs);
  page.setDefaultNavigationTimeout(stepTimeoutMs);
  page.on("pageerror", (error) => pageErrors.push(error.message));
  page.on("console", (msg) => {
    if (msg.type() === "error" && /Content Security Policy/i.test(msg.text())) pageErrors.push(msg.text());
  });
  return page;
}
