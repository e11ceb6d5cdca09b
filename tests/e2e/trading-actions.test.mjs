// Trading actions in a real browser (issue 12): a player makes a stop-loss and a recurring buy
// in the editor (its preview draws the stop where it is), backtests the draft over stored
// ticks, and then sees both fire on ticks with entries in their logs. Its own PostgreSQL and a
// frozen market whose prices the test moves (the test hook), so the firings are the test's.

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
});
