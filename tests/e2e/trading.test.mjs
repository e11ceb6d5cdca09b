// Trading in a real browser (Debian's chromium driven by playwright-core) against an already
// running marketsim at MARKETSIM_URL: a player registered and verified through the API (the
// verification mail read from the outbox as the admin that MARKETSIM_E2E_ADMIN_EMAIL /
// MARKETSIM_E2E_ADMIN_PASSWORD name) signs in through /signin/, buys at market from the stock
// page's ticket, watches the header's cash follow without a reload, finds the holding in "Your
// stocks" (with its equity chart), places a resting limit buy and cancels it in Orders, then
// keeps the stock in a watchlist from its page and makes a second list on the Watchlist page.
// Every move between pages is a client-side navigation, checked by a marker on `window` that a
// reload would clear.
// Screenshots go to MARKETSIM_ARTIFACTS when that is set. The harness starts server and DB.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { openBrowser } from "../support/browser.mjs";
import { BASE_URL, STAMP, STEP_TIMEOUT_MS, e2eDescribe, registerPlayer, screenshot, signInAdmin, submitSignIn } from "../support/e2e.mjs";
import { waitFor } from "../support/util.mjs";

const SYMBOL = "AAPL";
const BUY_QTY = 3;
const LIMIT_QTY = 2;
// Far below any price the replay reaches: the order rests until canceled.
const LIMIT_PRICE = "1.00";
const STARTING_CASH = "100,000.00";

const PLAYER = {
  email: `e2e_t${STAMP}@example.com`,
  password: `e2e-${STAMP}-Tr4de!pass`,
  tag: `e2e_t${STAMP}`.slice(0, 20),
  name: `E2E Trader ${STAMP}`,
};

// "98,765.43" → 98765.43
function money(text) {
  const value = Number((text ?? "").replace(/[^\d.-]/g, ""));
  assert.ok(Number.isFinite(value) && /\d/.test(text ?? ""), `not an amount: "${text}"`);
  return value;
}

async function testIdText(scope, testId) {
  return (await scope.getByTestId(testId).first().textContent())?.trim() ?? "";
}

// Waits until the element with `testId` shows text that `accept` takes; returns that text.
async function waitForText(page, testId, accept, what) {
  let last = null;
  return waitFor(
    async () => {
      last = ((await page.getByTestId(testId).first().textContent({ timeout: 1_000 })) ?? "").trim();
      return accept(last) ? last : null;
    },
    { timeout: STEP_TIMEOUT_MS, interval: 100, message: what },
  ).catch((error) => {
    throw new Error(`${error.message}; ${testId} shows "${last}"`);
  });
}

async function markNoReload(page) {
  await page.evaluate(() => {
    window.__marketsimNoReload = true;
  });
}

async function assertNoReload(page) {
  assert.equal(await page.evaluate(() => window.__marketsimNoReload), true, "the page reloaded");
}

function onPath(pathname) {
  return (url) => url.pathname.replace(/\/+$/, "") === pathname;
}

e2eDescribe("trading in a browser", { adminFor: "the verification mail" }, () => {
  let browser;
  let page;
  let pageErrors = [];
  // Console errors other than the expected "no position yet" 404 (GET /v2/positions/{symbol}).
  const consoleErrors = [];
  // GET /v2/account requests the page made: the header must move without them, from the stream.
  let accountFetches = 0;
  let fillPrice = null;
  let cashAfterBuy = null;
  let limitOrderId = null;

  before(async () => {
    await registerPlayer(await signInAdmin(), PLAYER);

    ({ browser, page, pageErrors } = await openBrowser({ stepTimeoutMs: STEP_TIMEOUT_MS }));
    page.on("console", (msg) => {
      if (msg.type() !== "error") return;
      const url = msg.location()?.url ?? "";
      const expected404 =
        /^Failed to load resource: .*\b404\b/.test(msg.text()) && /\/v2\/positions\/[A-Z.]+$/.test(url);
      if (!expected404) consoleErrors.push(`${msg.text()} (${url})`);
    });
    page.on("request", (request) => {
      if (new URL(request.url()).pathname === "/v2/account") accountFetches += 1;
    });
  }, { timeout: 60_000 });

  after(async () => {
    await browser?.close();
  });

  test("the player signs in and lands on the stock page with the starting cash", { timeout: 40_000 }, async () => {
    const next = `/stock/?symbol=${SYMBOL}`;
    const response = await page.goto(`${BASE_URL}/signin/?next=${encodeURIComponent(next)}`, {
      waitUntil: "domcontentloaded",
    });
    assert.equal(response?.status(), 200, "sign-in page status");
    await page.getByTestId("header-signin").waitFor();
    await submitSignIn(page, PLAYER.email, PLAYER.password);
    await page.waitForURL((url) => onPath("/stock")(url) && url.searchParams.get("symbol") === SYMBOL);
    await page.getByTestId("header-user").waitFor();
    assert.equal(await testIdText(page, "header-user"), PLAYER.name);
    await page.getByTestId("trade-ticket").waitFor();
    await waitForText(page, "header-cash", (t) => /\d/.test(t), "the header's cash");
    assert.equal(await testIdText(page, "header-cash"), STARTING_CASH);
    assert.equal(await testIdText(page, "header-equity"), STARTING_CASH);
    await waitForText(page, "trade-buying-power", (t) => /\d/.test(t), "the ticket's buying power");
    assert.equal(await testIdText(page, "trade-buying-power"), STARTING_CASH);
    assert.equal(await testIdText(page, "trade-held"), "0");
  });

  test("a market buy from the ticket fills and the header follows without a reload", { timeout: 60_000 }, async () => {
    await markNoReload(page);
    // The stock is trading: the ticket knows its price.
    await waitForText(page, "trade-price", (t) => /\d/.test(t), "a price on the ticket");
    const ticket = page.getByTestId("trade-ticket");
    assert.equal(await ticket.getByTestId("trade-type").inputValue(), "market");
    await ticket.getByTestId("trade-side-buy").click();
    await ticket.getByTestId("trade-qty").fill(String(BUY_QTY));
    await waitForText(page, "trade-estimate", (t) => /\d/.test(t), "the estimated cost");
    await ticket.getByTestId("trade-submit").click();

    const result = ticket.getByTestId("trade-result");
    await result.waitFor();
    const resultText = (await result.textContent())?.trim() ?? "";
    assert.equal(await result.getAttribute("data-status"), "filled", `the order did not fill: ${resultText}`);
    const bought = new RegExp(`Bought ${BUY_QTY} shares of ${SYMBOL} at ([\\d,]+\\.\\d+)\\. Filled\\.`).exec(resultText);
    assert.ok(bought, `unexpected confirmation: "${resultText}"`);
    fillPrice = money(bought[1]);
    assert.ok(fillPrice > 0, `fill price ${fillPrice}`);

    // The header's cash drops by what the shares cost, with no reload.
    const cashText = await waitForText(page, "header-cash", (t) => /\d/.test(t) && t !== "100,000.00", "the header's cash to drop");
    cashAfterBuy = money(cashText);
    const expectedCash = 100_000 - BUY_QTY * fillPrice;
    assert.ok(
      Math.abs(cashAfterBuy - expectedCash) < 0.006,
      `header cash ${cashText}, expected 100,000 − ${BUY_QTY} × ${fillPrice} = ${expectedCash.toFixed(4)}`,
    );
    // Equity is cash plus the shares at the price now: near where it was (the price moves).
    const equity = money(await testIdText(page, "header-equity"));
    assert.ok(equity > cashAfterBuy, `header equity ${equity} does not count the shares (cash ${cashAfterBuy})`);
    assert.ok(Math.abs(equity - 100_000) < 100_000 * 0.02, `header equity ${equity} is far from 100,000`);
    // The ticket follows too.
    await waitForText(page, "trade-held", (t) => t.startsWith(`${BUY_QTY} `), "the shares held on the ticket");
    assert.equal(await testIdText(page, "trade-held"), `${BUY_QTY} (${BUY_QTY} available)`);
    await assertNoReload(page);
    await screenshot(page, "trading-bought");
  });

  // docs/api.md: an `account` event comes "on every tick that moves the value of the player's
  // holdings", so the header's equity moves between trades without a refetch.
  test("the header's equity follows the price from the stream alone", { timeout: 30_000 }, async () => {
    // AAPL ticks every 200 ms and its price moves within a second or two.
    const fetchesBefore = accountFetches;
    const equityBefore = await testIdText(page, "header-equity");
    await waitFor(async () => (await testIdText(page, "header-equity")) !== equityBefore, {
      timeout: 10_000,
      interval: 200,
      message: `the header's equity to move from ${equityBefore}`,
    });
    assert.equal(money(await testIdText(page, "header-cash")), cashAfterBuy, "the cash moved without a trade");
    assert.equal(accountFetches, fetchesBefore, "the header refetched GET /v2/account instead of following the stream");
    await assertNoReload(page);
  });

  test("Your stocks shows the holding after a client-side move", { timeout: 40_000 }, async () => {
    await page.getByTestId("nav-stocks").click();
    await page.waitForURL(onPath("/portfolio"));
    const row = page.locator(`[data-testid="position-row"][data-symbol="${SYMBOL}"]`);
    await row.waitFor();
    assert.equal(await page.getByTestId("position-row").count(), 1, "expected exactly one holding");
    assert.equal(await testIdText(row, "position-qty"), String(BUY_QTY));
    const value = money(await testIdText(row, "position-value"));
    assert.ok(Math.abs(value - BUY_QTY * fillPrice) < BUY_QTY * fillPrice * 0.1, `position value ${value}`);
    // The equity chart has at least the point for now, whatever the period.
    const chart = page.getByTestId("equity-chart");
    await chart.waitFor();
    await waitFor(async () => Number(await chart.getAttribute("data-points")) >= 1, {
      timeout: STEP_TIMEOUT_MS,
      interval: 200,
      message: "a point on the equity chart",
    });
    await chart.getByTestId("period-all").click();
    await waitFor(
      async () => (await chart.getAttribute("data-period")) === "all" && Number(await chart.getAttribute("data-points")) >= 1,
      { timeout: STEP_TIMEOUT_MS, interval: 200, message: "the equity chart over all time" },
    );
    await chart.getByTestId("period-1D").click();
    await assertNoReload(page);
    await screenshot(page, "trading-portfolio");
  });

  test("a limit buy far below the price rests in the book", { timeout: 40_000 }, async () => {
    // Back to the stock page through the holding's link.
    await page.locator(`[data-testid="position-row"][data-symbol="${SYMBOL}"] a`).first().click();
    await page.waitForURL((url) => onPath("/stock")(url) && url.searchParams.get("symbol") === SYMBOL);
    const ticket = page.getByTestId("trade-ticket");
    await ticket.waitFor();
    await ticket.getByTestId("trade-type").selectOption("limit");
    // Good till canceled: the replayed day is short, and a day order would expire at its close.
    await ticket.getByTestId("trade-tif").selectOption("gtc");
    await ticket.getByTestId("trade-qty").fill(String(LIMIT_QTY));
    await ticket.getByTestId("trade-limit").fill(LIMIT_PRICE);
    await waitForText(page, "trade-buying-power", (t) => /\d/.test(t), "the ticket's buying power");
    const buyingPowerBefore = money(await testIdText(page, "trade-buying-power"));
    await ticket.getByTestId("trade-submit").click();

    const result = ticket.getByTestId("trade-result");
    await result.waitFor();
    const resultText = (await result.textContent())?.trim() ?? "";
    assert.equal(await result.getAttribute("data-status"), "new", `the order is not resting: ${resultText}`);
    assert.match(resultText, new RegExp(`buy ${LIMIT_QTY} shares of ${SYMBOL}, limit ${LIMIT_PRICE.replace(".", "\\.")}, gtc`));
    // The order reserves its cost out of the buying power; the cash stays.
    const reserved = LIMIT_QTY * Number(LIMIT_PRICE);
    await waitForText(
      page,
      "trade-buying-power",
      (t) => /\d/.test(t) && Math.abs(money(t) - (buyingPowerBefore - reserved)) < 0.006,
      "the buying power to drop by the reservation",
    );
    assert.equal(money(await testIdText(page, "header-cash")), cashAfterBuy);
    await assertNoReload(page);
    await screenshot(page, "trading-limit");
  });

  test("Orders lists the resting order and Cancel takes it out", { timeout: 40_000 }, async () => {
    await page.getByTestId("nav-orders").click();
    await page.waitForURL(onPath("/orders"));
    const open = page.getByTestId("orders-open");
    await open.waitFor();
    const rows = open.getByTestId("order-row");
    assert.equal(await rows.count(), 1, "expected exactly one open order");
    const row = rows.first();
    assert.equal(await row.getAttribute("data-status"), "new");
    limitOrderId = await row.getAttribute("data-order-id");
    assert.ok(limitOrderId, "the open order row has no id");
    const rowText = (await row.textContent()) ?? "";
    assert.match(rowText, new RegExp(SYMBOL));
    assert.match(rowText, new RegExp(`limit ${LIMIT_PRICE.replace(".", "\\.")}`));
    assert.equal(await testIdText(row, "order-status"), "open");
    await screenshot(page, "trading-orders-open");

    await row.getByTestId("order-cancel").click();
    await page.getByTestId("no-orders").waitFor();
    assert.equal(await page.locator(`[data-testid="order-row"][data-order-id="${limitOrderId}"]`).count(), 0);

    await page.getByTestId("orders-tab-closed").click();
    const closed = page.getByTestId("orders-closed");
    await closed.waitFor();
    const canceled = closed.locator(`[data-testid="order-row"][data-order-id="${limitOrderId}"]`);
    await canceled.waitFor();
    assert.equal(await canceled.getAttribute("data-status"), "canceled");
    assert.equal(await testIdText(canceled, "order-status"), "canceled");
    // The market buy is there too, filled.
    assert.equal(await closed.locator('[data-testid="order-row"][data-status="filled"]').count(), 1);
    // Canceling took nothing from the cash.
    assert.equal(money(await testIdText(page, "header-cash")), cashAfterBuy);
    await assertNoReload(page);
    await screenshot(page, "trading-orders-closed");
  });

  test("a watchlist: the stock from its page, then a second list on the Watchlist page", { timeout: 60_000 }, async () => {
    assert.equal(await page.getByTestId("nav-watchlist").getAttribute("href"), "/watchlist/");
    // Back to the stock page through the filled order's link (Orders is still on screen).
    await page.locator('[data-testid="order-row"][data-status="filled"] a').first().click();
    await page.waitForURL((url) => onPath("/stock")(url) && url.searchParams.get("symbol") === SYMBOL);
    await page.getByTestId("stock-watchlist-button").click();
    const menu = page.getByTestId("stock-watchlist-menu");
    await menu.waitFor();
    // A new player has no list: the menu offers the primary one, with this stock in it.
    await menu.getByTestId("stock-watchlist-create").click();
    await menu.locator('[data-testid="stock-watchlist-item"][data-name="Primary Watchlist"][aria-checked="true"]').waitFor();
    await screenshot(page, "trading-watchlist-menu");

    await menu.getByTestId("stock-watchlist-manage").click();
    await page.waitForURL(onPath("/watchlist"));
    await page.getByTestId("watchlist-page").waitFor();
    const row = page.locator(`[data-testid="watchlist-row"][data-symbol="${SYMBOL}"]`);
    await row.waitFor();
    assert.equal(await page.getByTestId("watchlist-row").count(), 1);
    await waitForText(page, "watchlist-price", (t) => /\d/.test(t), "a live price in the watchlist row");
    assert.equal(
      await row.getByTestId("watchlist-trade").getAttribute("href"),
      `/trade/?symbol=${SYMBOL}`,
      "the row's Trade link",
    );

    // A second list, made here, with the stock added from the picker.
    const create = page.getByTestId("watchlist-create");
    await create.getByTestId("watchlist-create-name").fill("Tech");
    await create.getByTestId("watchlist-create-submit").click();
    await page.locator('[data-testid="watchlist-tab"][data-name="Tech"][aria-selected="true"]').waitFor();
    await page.getByTestId("watchlist-empty").waitFor();
    const add = page.getByTestId("watchlist-add");
    await add.getByTestId("watchlist-add-symbol").selectOption(SYMBOL);
    await add.getByTestId("watchlist-add-submit").click();
    await row.waitFor();
    assert.equal(await page.getByTestId("watchlist-row").count(), 1);
    assert.equal(await page.getByTestId("watchlist-tab").count(), 2);
    await assertNoReload(page);
    await screenshot(page, "trading-watchlist");
  });

  test("no uncaught errors or console errors in the page", () => {
    assert.deepEqual(pageErrors, []);
    assert.deepEqual(consoleErrors, []);
  });
});
