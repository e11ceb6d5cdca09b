// Headless Debian Chromium for the end-to-end tests (playwright-core, never a downloaded
// browser), launched with the flags this closed network needs, and a page that collects what
// went wrong in it: uncaught errors and Content-Security-Policy violations (only a console
// message, but it means part of the page did not run).
export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

// → { browser, page, pageErrors }
export async function openBrowser({ stepTimeoutMs = 20_000, viewport = { width: 1366, height: 900 } } = {}) {
  const { chromium } = await import("playwright-core");
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    timeout: stepTimeoutMs,
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
  });
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  page.setDefaultTimeout(stepTimeoutMs);
  page.setDefaultNavigationTimeout(stepTimeoutMs);
  const pageErrors = [];
  page.on("pageerror", (error) => pageErrors.push(error.message));
  page.on("console", (msg) => {
    if (msg.type() === "error" && /Content Security Policy/i.test(msg.text())) pageErrors.push(msg.text());
  });
  return { browser, page, pageErrors };
}
