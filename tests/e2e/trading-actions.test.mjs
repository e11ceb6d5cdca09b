// Trading actions in a real browser (issue 12): a player makes a stop-loss and a recurring buy
// in the editor (its preview draws the stop where it is), backtests the draft over stored
// ticks, and then sees both fire on ticks with entries in their logs. Then a rebalance (two
// targets, the cash left over shown as they are typed) and a condition rule (the preview draws
// a fixed level and says what it watches otherwise), listed in words and stored as typed; and
// the stock page's daily chart draws the chosen model's forecast band, labelled, and hides it.
// Its own PostgreSQL and a frozen market whose prices the test moves (the test hook), so the
// firings are the test's.

import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { signUp } from "../support/accounts.mjs";
import { openBrowser } from "../support/browser.mjs";
import { STEP_TIMEOUT_MS, screenshot, submitSignIn } from "../support/e2e.mjs";
import { startPostgres } from "../support/pg.mjs";
import { startServer } from "../support/server.mjs";
import { placeOrder, setPrice } from "../support/trading.mjs";
import { REPO_ROOT, waitFor } from "../support/util.mjs";

describe("trading actions in a browser", { timeout: 300_000 }, () => {
  let pg;
  let server;
  let browser;
  let page;
  let pageErrors = [];
  let player;

  before(async () => {
    pg = await startPostgres();
    server = await startServer({
      pg,
      env: { MARKETSIM_TICK_INTERVAL: "1h", MARKETSIM_WEB_ROOT: join(REPO_ROOT, "web", "out") },
    });
    await setPrice(server, "AAPL", "100");
    await setPrice(server, "MSFT", "40");
    ({ browser, page, pageErrors } = await openBrowser({ stepTimeoutMs: STEP_TIMEOUT_MS }));
  });

  after(async () => {
    await browser?.close();
    if (server?.running) assert.equal(await server.stop("SIGTERM"), 0);
    await pg?.stop();
  });

  const ruleCard = (name) => page.getByTestId("rule").filter({ hasText: name });

  test("make a stop-loss and a recurring buy, previewed and backtested", async () => {
    player = await signUp(server, pg);
    const bought = await placeOrder(player, { symbol: "AAPL", qty: "10", side: "buy", type: "market", time_in_force: "day" });
    assert.equal(bought.json.status, "filled", bought.body);
    // Stored ticks of AAPL in the 30 days before the market's time now: 100, 94, 99.
    const now = Date.parse((await player.get("/api/stocks/AAPL")).json.updated_at);
    const day = 86_400_000;
    const rows = [100, 94, 99].map((p, i) => `(${8_000_000_000 + i}, 'AAPL', '${new Date(now - (3 - i) * day).toISOString()}', ${p}, 1)`);
    await pg.psql(`insert into price_history (seq, symbol, ts, price, volume) values ${rows.join(", ")}`);

    await page.goto(`${server.url}/signin/`);
    await submitSignIn(page, player.identity.email, player.identity.password);
    await page.waitForURL((u) => !u.pathname.startsWith("/signin"));
    await page.getByTestId("nav-actions").click();
    await page.waitForURL((u) => u.pathname.startsWith("/actions"));

    await page.getByTestId("rule-kind-stop_loss").click();
    await page.getByTestId("rule-name").fill("AAPL floor");
    await page.getByTestId("rule-symbol").fill("AAPL");
    await page.getByTestId("rule-price").fill("95");
    // The preview draws the stop where it fires.
    await waitFor(async () => ((await page.getByTestId("rule-preview").getAttribute("data-lines")) ?? "").includes("stop:95.00"), {
      message: "the stop on the preview",
    });
    await page.getByTestId("rule-draft-backtest").click();
    const result = page.getByTestId("backtest-result");
    await result.waitFor();
    // The window's prices drawn, with the firings marked on them.
    await result.getByTestId("backtest-chart").waitFor();
    assert.ok(Number(await result.getByTestId("backtest-chart").getAttribute("data-points")) >= 3);
    // The planted fall through 95 is the first firing (the server's own ticks of today may add
    // more); the page shows the server's figures for the same draft.
    const fired = result.getByTestId("backtest-firing");
    assert.match((await fired.first().textContent()) ?? "", /94\.00.*sell.*10/, await result.textContent());
    const same = await player.post("/api/rules/backtest", { rule: { kind: "stop_loss", symbol: "AAPL", price: "95" } });
    assert.equal(same.status, 200, same.body);
    assert.equal(await fired.count(), same.json.firings.length);
    assert.equal(same.json.firings[0].price, "94.00");
    const pnl = Number(same.json.pnl).toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
    assert.equal(await result.getByTestId("backtest-pnl").textContent(), pnl);
    await page.getByTestId("rule-save").click();
    await ruleCard("AAPL floor").waitFor();

    await page.getByTestId("rule-kind-recurring_buy").click();
    await page.getByTestId("rule-name").fill("MSFT every day");
    await page.getByTestId("rule-symbol").fill("MSFT");
    await page.getByTestId("rule-every").fill("1");
    await page.getByTestId("rule-amount").fill("100");
    await page.getByTestId("rule-save").click();
    await ruleCard("MSFT every day").waitFor();
    assert.equal(await page.getByTestId("rule").count(), 2);
    await screenshot(page, "trading-actions-made");
  });

  test("both fire on ticks, with entries in their logs", async () => {
    // The engine reads new rules within a second: move the prices until each has fired.
    const stop = ruleCard("AAPL floor");
    await stop.getByTestId("rule-log-toggle").click();
    await waitFor(
      async () => {
        await setPrice(server, "AAPL", "97");
        await setPrice(server, "AAPL", "94");
        return (await stop.locator('[data-outcome="placed"]').count()) > 0;
      },
      { timeout: 30_000, interval: 1500, message: "the stop-loss's order in its log" },
    );
    assert.match((await stop.getByTestId("rule-firing").last().textContent()) ?? "", /94\.00.*sell 10.*order placed/);
    const held = await player.get("/v2/positions/AAPL");
    assert.equal(held.status, 404, "the stop-loss sold the position");

    const plan = ruleCard("MSFT every day");
    await plan.getByTestId("rule-log-toggle").click();
    await waitFor(
      async () => {
        await setPrice(server, "MSFT", "40");
        return (await plan.locator('[data-outcome="placed"]').count()) > 0;
      },
      { timeout: 30_000, interval: 1500, message: "the recurring buy's order in its log" },
    );
    assert.match((await plan.getByTestId("rule-firing").last().textContent()) ?? "", /buy 2.*order placed/);
    assert.match((await plan.getByTestId("rule-last").textContent()) ?? "", /order placed/);
    await screenshot(page, "trading-actions-fired");
    assert.deepEqual(pageErrors, []);
  });

  test("make a rebalance and a condition rule, listed in words", async () => {
    await page.getByTestId("rule-kind-rebalance").click();
    await page.getByTestId("rule-name").fill("Core sleeve");
    // A rebalance names its symbols in its targets, not in the symbol field.
    assert.equal(await page.getByTestId("rule-symbol").count(), 0);
    await page.getByTestId("rule-target-symbol-0").fill("AAPL");
    await page.getByTestId("rule-target-percent-0").fill("40");
    await page.getByTestId("rule-target-add").click();
    await page.getByTestId("rule-target-symbol-1").fill("MSFT");
    await page.getByTestId("rule-target-percent-1").fill("80");
    // Over 100%: the editor says so, and the server's message for the field is shown.
    assert.match((await page.getByTestId("rule-target-cash").textContent()) ?? "", /20% over 100%/);
    await page.getByTestId("rule-save").click();
    assert.match((await page.getByTestId("rule-error").textContent()) ?? "", /targets/);
    await page.getByTestId("rule-target-percent-1").fill("30");
    assert.match((await page.getByTestId("rule-target-cash").textContent()) ?? "", /^Cash 30%/);
    await page.getByTestId("rule-every").fill("5");
    await page.getByTestId("rule-drift").fill("5");
    assert.match((await page.getByTestId("rule-watches").textContent()) ?? "", /AAPL, MSFT/);
    await page.getByTestId("rule-save").click();
    const sleeve = ruleCard("Core sleeve");
    await sleeve.waitFor();
    assert.equal(
      await sleeve.getByTestId("rule-summary").textContent(),
      "Rebalance AAPL 40% · MSFT 30% · cash 30%, every 5 market days or on a 5-point drift",
    );

    await page.getByTestId("rule-kind-condition").click();
    await page.getByTestId("rule-name").fill("AAPL momentum");
    await page.getByTestId("rule-symbol").fill("AAPL");
    // A fixed level is drawn on the preview; an average is said in words, with nothing drawn.
    await page.getByTestId("rule-when").selectOption("price_above");
    await page.getByTestId("rule-price").fill("120");
    const preview = page.getByTestId("rule-preview");
    await waitFor(async () => (await preview.getAttribute("data-lines")) === "above:120.00", { message: "the level on the preview" });
    await page.getByTestId("rule-when").selectOption("ma_cross_above");
    assert.equal(await page.getByTestId("rule-price").count(), 0, "the price input goes with its condition");
    await page.getByTestId("rule-ma-days").fill("20");
    await waitFor(async () => (await preview.getAttribute("data-lines")) === "", { message: "no level on the preview" });
    assert.match((await page.getByTestId("rule-watches").textContent()) ?? "", /AAPL against its 20-day average/);
    await page.getByTestId("rule-side").selectOption("buy");
    await page.getByTestId("rule-size").selectOption("qty");
    await page.getByTestId("rule-qty").fill("1");
    await page.getByTestId("rule-order-type").selectOption("market");
    assert.equal(await page.getByTestId("rule-limit-price").count(), 0, "a limit only for a limit order");
    await page.getByTestId("rule-cooldown").fill("60");
    await page.getByTestId("rule-save").click();
    const momentum = ruleCard("AAPL momentum");
    await momentum.waitFor();
    assert.equal(
      await momentum.getByTestId("rule-summary").textContent(),
      "When AAPL crosses above its 20-day average, buy 1 share at market, at most once every 60 min",
    );
    assert.equal(await page.getByTestId("rule").count(), 4);

    // Stored as the editor sent them (a condition keeps only the level its `when` uses).
    const stored = (await player.get("/api/rules")).json.rules;
    const rebalance = stored.find((r) => r.name === "Core sleeve");
    assert.equal(rebalance.kind, "rebalance");
    assert.equal(rebalance.symbol, "AAPL");
    const { targets, every_days, drift_percent } = rebalance.definition;
    assert.deepEqual({ targets, every_days, drift_percent }, { targets: { AAPL: "40.00", MSFT: "30.00" }, every_days: 5, drift_percent: "5.00" });
    const condition = stored.find((r) => r.name === "AAPL momentum");
    assert.equal(condition.kind, "condition");
    const { price, percent, ...used } = condition.definition;
    assert.equal(price ?? percent, undefined, JSON.stringify(condition.definition));
    assert.deepEqual(used, {
      symbol: "AAPL",
      when: "ma_cross_above",
      ma_days: 20,
      side: "buy",
      qty: "1",
      amount: null,
      order_type: "market",
      limit_price: null,
      cooldown_minutes: 60,
    });

    // The rebalance trades on a tick; its log names each leg's symbol.
    await sleeve.getByTestId("rule-log-toggle").click();
    await waitFor(
      async () => {
        await setPrice(server, "AAPL", "100");
        await setPrice(server, "MSFT", "40");
        return (await sleeve.getByTestId("rule-firing").count()) > 0;
      },
      { timeout: 30_000, interval: 1500, message: "the rebalance's firings in its log" },
    );
    const legs = (await sleeve.getByTestId("rule-firing").allTextContents()).join("\n");
    assert.match(legs, /(buy|sell|no trade)( \d+)? (AAPL|MSFT)/, legs);
    await screenshot(page, "trading-actions-rebalance-condition");
    assert.deepEqual(pageErrors, []);
  });

  test("the stock page's daily chart draws the forecast band, labelled, and hides it", async () => {
    const api = await waitFor(
      async () => {
        const r = (await player.get("/api/forecasts/SPX")).json;
        return r.basis?.step === "day" && r.models.length > 0 ? r : null;
      },
      { timeout: 20_000, message: "SPX's daily forecast" },
    );
    await page.goto(`${server.url}/stock/?symbol=SPX`);
    const band = page.getByTestId("price-chart-forecast");
    // Intraday views have no forecast on the chart.
    await page.getByTestId("interval-1m").click();
    await page.getByTestId("price-chart").locator("canvas").first().waitFor();
    assert.equal(await band.count(), 0);

    await page.getByTestId("interval-1d").click();
    await band.waitFor();
    const expected = (model) =>
      api.models
        .find((m) => m.model === model)
        .forecasts.filter((f) => [1, 5, 20].includes(f.horizon))
        .map((f) => `${f.horizon}:${f.lower.toFixed(2)}-${f.upper.toFixed(2)}`)
        .join(",");
    await waitFor(async () => (await band.getAttribute("data-band")) === expected("drift"), { message: "the drift model's band on the chart" });
    const drift = api.models.find((m) => m.model === "drift");
    const legend = (await band.textContent()) ?? "";
    assert.ok(legend.includes(`Forecast (${drift.title}): point and 95% band, 1, 5, 20 market days ahead`), legend);
    assert.equal(await band.getAttribute("data-shown"), "true");

    // The band is drawn: the right part of the chart (the legend sits on the left) changes when
    // it is hidden.
    const box = await page.getByTestId("price-chart").boundingBox();
    const right = { x: box.x + box.width * 0.55, y: box.y + 40, width: box.width * 0.45, height: box.height - 80 };
    const drawn = await page.screenshot({ clip: right });
    await page.getByTestId("price-chart-forecast-toggle").click();
    await waitFor(async () => (await band.getAttribute("data-shown")) === "false", { message: "the forecast hidden" });
    assert.match((await band.textContent()) ?? "", /Forecast hidden/);
    await waitFor(async () => !(await page.screenshot({ clip: right })).equals(drawn), { message: "the chart without the band" });
    await page.getByTestId("price-chart-forecast-toggle").click();
    await waitFor(async () => (await band.getAttribute("data-shown")) === "true", { message: "the forecast shown again" });

    // The model chosen in the forecast panel is the one drawn.
    await page.getByTestId("forecast-model-trend").click();
    await waitFor(async () => (await band.getAttribute("data-model")) === "trend", { message: "the trend model on the chart" });
    assert.equal(await band.getAttribute("data-band"), expected("trend"));
    await screenshot(page, "trading-actions-forecast-band");
    assert.deepEqual(pageErrors, []);
  });
});
