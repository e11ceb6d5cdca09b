// What a visitor sees on the market pages, in a real browser (Debian's chromium driven by
// playwright-core) against an already running marketsim: MARKETSIM_URL is its base URL, and
// screenshots go to MARKETSIM_ARTIFACTS when that is set. The harness starts server and DB.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { openBrowser } from "../support/browser.mjs";
import { BASE_URL, STEP_TIMEOUT_MS, e2eDescribe, screenshot } from "../support/e2e.mjs";

const PRICE_CHANGE_TIMEOUT_MS = 30_000;

// Prices of every card that is trading, keyed by symbol.
async function readPrices(page) {
  return page.$$eval('[data-testid^="price-"]', (elements) =>
    Object.fromEntries(
      elements
        .map((el) => [el.getAttribute("data-testid").slice("price-".length), el.textContent.trim()])
        .filter(([, text]) => /\d/.test(text)),
    ),
  );
}

e2eDescribe("market pages in a browser", {}, () => {
  let browser;
  let page;
  let pageErrors = [];

  before(async () => {
    ({ browser, page, pageErrors } = await openBrowser({ stepTimeoutMs: STEP_TIMEOUT_MS }));
  }, { timeout: 30_000 });

  after(async () => {
    await browser?.close();
  });

  test("the home page shows stock cards", { timeout: 40_000 }, async () => {
    const response = await page.goto(`${BASE_URL}/`, { waitUntil: "domcontentloaded" });
    assert.ok(response, "no response for the home page");
    assert.equal(response.status(), 200, "home page status");
    await page.waitForSelector('[data-testid^="stock-card-"]');
    const cards = await page.locator('[data-testid^="stock-card-"]').count();
    assert.ok(cards > 0, "expected at least one stock card");
    const prices = await readPrices(page);
    assert.ok(Object.keys(prices).length > 0, "expected at least one card with a price");
  });

  test("the stream badge says live", { timeout: 30_000 }, async () => {
    const badge = page.getByTestId("stream-status");
    await badge.waitFor();
    await page.waitForFunction(
      () => document.querySelector('[data-testid="stream-status"]')?.textContent?.trim() === "live",
      undefined,
      { timeout: STEP_TIMEOUT_MS },
    );
    assert.equal((await badge.textContent())?.trim(), "live");
  });

  test("a card's price changes without a reload", { timeout: PRICE_CHANGE_TIMEOUT_MS + 10_000 }, async () => {
    // A reload would clear this marker; it must survive the price change.
    await page.evaluate(() => {
      window.__marketsimNoReload = true;
    });
    const before = await readPrices(page);
    assert.ok(Object.keys(before).length > 0, "no priced cards to watch");
    await page.waitForFunction(
      (initial) => {
        for (const el of document.querySelectorAll('[data-testid^="price-"]')) {
          const symbol = el.getAttribute("data-testid").slice("price-".length);
          const text = el.textContent.trim();
          if (symbol in initial && /\d/.test(text) && text !== initial[symbol]) return true;
        }
        return false;
      },
      before,
      { timeout: PRICE_CHANGE_TIMEOUT_MS, polling: 250 },
    );
    const afterPrices = await readPrices(page);
    const changed = Object.keys(before).filter((s) => afterPrices[s] && afterPrices[s] !== before[s]);
    assert.ok(changed.length > 0, "expected a price to change");
    assert.equal(await page.evaluate(() => window.__marketsimNoReload), true, "the page reloaded");
    await screenshot(page, "home");
  });

  test("clicking a card opens the stock page with a chart and the day range", { timeout: 45_000 }, async () => {
    const prices = await readPrices(page);
    const symbol = Object.keys(prices)[0];
    assert.ok(symbol, "no priced card to click");
    await page.getByTestId(`stock-card-${symbol}`).click();
    await page.waitForURL((url) => url.pathname.replace(/\/+$/, "") === "/stock" && url.searchParams.get("symbol") === symbol);

    const canvas = page.locator('[data-testid="price-chart"] canvas').first();
    await canvas.waitFor({ state: "visible" });
    const box = await canvas.boundingBox();
    assert.ok(box && box.width > 50 && box.height > 50, `chart canvas too small: ${JSON.stringify(box)}`);

    const range = page.getByTestId("day-range");
    await page.waitForFunction(
      () => /\d.*–.*\d/.test(document.querySelector('[data-testid="day-range"]')?.textContent ?? ""),
      undefined,
      { timeout: STEP_TIMEOUT_MS },
    );
    const text = (await range.textContent())?.trim() ?? "";
    const [low, high] = text.split("–").map((s) => Number(s.replace(/[^\d.]/g, "")));
    assert.ok(Number.isFinite(low) && Number.isFinite(high) && low <= high, `bad day range "${text}"`);
    // Give the chart a moment to paint its candles before the picture.
    await page.waitForTimeout(500);
    await screenshot(page, "stock");
  });

  test("no uncaught errors in the page", () => {
    assert.deepEqual(pageErrors, []);
  });
});
