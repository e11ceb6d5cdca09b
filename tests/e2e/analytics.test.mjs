// Analytics in a real browser (Debian's chromium driven by playwright-core) against an already
// running marketsim at MARKETSIM_URL (as e2e-run.mjs starts it: a replayed market day every
// 30 s, equity recorded every 3 s). A player registered through the API buys AAPL and MSFT,
// sells the AAPL back to none and buys it again (a closed and a reopened round trip), then waits
// for enough market days that every risk figure has a value; signed in through /signin/, the
// player opens Analytics from the sidebar and every figure on the page is the one the page's
// own GET /api/insights answered (the market moves on: the answer is read from the response
// the page received, not asked again). Then the allocation by sector and the week.
// Screenshots go to MARKETSIM_ARTIFACTS when that is set.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { openBrowser } from "../support/browser.mjs";
import { BASE_URL, STAMP, STEP_TIMEOUT_MS, e2eDescribe, screenshot, signedInPlayer, submitSignIn } from "../support/e2e.mjs";
import { waitFor } from "../support/util.mjs";

const PLAYER = {
  email: `e2e_n${STAMP}@example.com`,
  password: `e2e-${STAMP}-Ins1ght!`,
  tag: `e2e_n${STAMP}`.slice(0, 20),
  name: `E2E Analytics ${STAMP}`,
};

// The page's formatting (components/InsightsView.tsx), to compare the text shown.
function percentText(value, signed = true) {
  if (value === null) return "—";
  const text = `${Math.abs(value * 100).toFixed(2)}%`;
  if (!signed || text === "0.00%") return text;
  return `${value < 0 ? "−" : "+"}${text}`;
}
const ratioText = (v) => (v === null ? "—" : v < 0 ? `−${Math.abs(v).toFixed(2)}` : v.toFixed(2));
const daysText = (v) => (v === null ? "—" : `${v.toFixed(1)} days`);
const cents = (text) => Math.round(Number(String(text).replace("−", "-").replace(/[^\d.-]/g, "")) * 100);

e2eDescribe("analytics, in a browser", { adminFor: "the verification mail" }, () => {
  let browser;
  let page;
  let pageErrors = [];

  before(async () => {
    const player = await signedInPlayer(PLAYER);
    const order = async (symbol, side, qty) => {
      const r = await player.post("/v2/orders", { symbol, qty: String(qty), side, type: "market", time_in_force: "day" });
      assert.equal(r.status, 200, r.body);
    };
    await order("AAPL", "buy", 20);
    await order("MSFT", "buy", 30);
    await order("AAPL", "sell", 20);
    await order("AAPL", "buy", 10);
    // Five daily returns: six end-of-day valuations, about three replayed days' minutes.
    await waitFor(
      async () => {
        const r = await player.get("/api/insights?period=all");
        assert.equal(r.status, 200, r.body);
        return r.json.risk.daily_returns >= r.json.risk.min_daily_returns && r.json.risk.beta !== null;
      },
      { timeout: 300_000, interval: 2_000, message: "five daily returns" },
    );
    ({ browser, page, pageErrors } = await openBrowser({ stepTimeoutMs: STEP_TIMEOUT_MS }));
  }, { timeout: 360_000 });

  after(async () => {
    await browser?.close();
  });

  // Opens the period and returns the insights the page received for it.
  async function showPeriod(action, period) {
    const answer = page.waitForResponse((r) => r.url().includes(`/api/insights?period=${period}`) && r.status() === 200);
    await action();
    const data = await (await answer).json();
    await page.locator(`[data-testid="insights"][data-period="${period}"][data-loaded="true"]`).waitFor();
    return data;
  }

  async function shown(id) {
    const el = page.getByTestId(`insights-${id}`).first();
    return { value: await el.getAttribute("data-value"), text: (await el.textContent())?.replace(/^[▲▼]\s*/, "").trim() };
  }

  async function expectFigure(id, value, text) {
    const got = await shown(id);
    assert.equal(got.value, value === null ? "null" : String(value), `${id}: data-value`);
    assert.equal(got.text, text, `${id}: text`);
  }

  test("every figure of the API, on the page", { timeout: 120_000 }, async () => {
    await page.goto(`${BASE_URL}/signin/`, { waitUntil: "domcontentloaded" });
    await page.getByTestId("signin-email").waitFor();
    await submitSignIn(page, PLAYER.email, PLAYER.password);
    await page.waitForURL((url) => url.pathname === "/");
    // The sidebar's entry leads to the page, no longer to a "soon" page; the page's first (and,
    // within its minute, only) answer is the one every figure is compared with.
    const nav = page.getByTestId("nav-analytics");
    assert.equal(await nav.getAttribute("href"), "/analytics/");
    const data = await showPeriod(() => nav.click(), "all");
    await page.waitForURL((url) => url.pathname.startsWith("/analytics"));

    // Returns and P&L.
    await expectFigure("twr", data.returns.time_weighted, percentText(data.returns.time_weighted));
    await expectFigure("mwr", data.returns.money_weighted, percentText(data.returns.money_weighted));
    for (const [id, key] of [["realized", "realized"], ["unrealized", "unrealized"], ["realized-total", "realized_total"]]) {
      const got = await shown(id);
      assert.equal(got.value, data.pl[key], id);
      assert.equal(cents(got.text), cents(data.pl[key]), `${id}: text ${got.text}`);
    }
    // Risk, each with its sentence.
    const r = data.risk;
    assert.ok(r.volatility !== null && r.sharpe !== null && r.beta !== null && r.correlation !== null, JSON.stringify(r));
    await expectFigure("volatility", r.volatility, percentText(r.volatility, false));
    for (const k of ["sharpe", "sortino", "beta", "correlation"]) await expectFigure(k, r[k], ratioText(r[k]));
    await expectFigure("risk-drawdown", data.drawdown.max, percentText(-data.drawdown.max));
    const risk = page.getByTestId("insights-risk");
    for (const phrase of ["day to day", "each unit of swing", "days you lost money", "index moves 1%", "follow the index", "biggest drop"])
      assert.match((await risk.textContent()) ?? "", new RegExp(phrase), phrase);
    // Drawdown with its dates, when there was one.
    const dd = await page.getByTestId("insights-max-drawdown").getAttribute("data-value");
    assert.equal(dd, String(data.drawdown.max));
    if (data.drawdown.peak_at) assert.equal(await page.getByTestId("insights-drawdown-peak").getAttribute("data-value"), data.drawdown.peak_at);
    // Trading statistics: the AAPL round trip closed (sold back to none) and was reopened.
    assert.equal(data.trading.round_trips, 1);
    assert.equal(data.trading.fills, 4);
    await expectFigure("win-rate", data.trading.win_rate, percentText(data.trading.win_rate, false));
    await expectFigure("hold", data.trading.average_hold_days, daysText(data.trading.average_hold_days));
    await expectFigure("turnover", data.trading.turnover, `${data.trading.turnover.toFixed(2)}×`);
    // Contributions, one bar per holding, best and worst.
    const bars = page.getByTestId("insights-contribution");
    assert.equal(await bars.count(), data.contributions.length);
    assert.deepEqual(
      await bars.evaluateAll((els) => els.map((e) => [e.getAttribute("data-symbol"), e.getAttribute("data-value")])),
      data.contributions.map((c) => [c.symbol, c.pl]),
    );
    assert.equal(await page.getByTestId("insights-best").getAttribute("data-value"), data.best.symbol);
    assert.equal(await page.getByTestId("insights-worst").getAttribute("data-value"), data.worst.symbol);
    // The curve and the drawdown chart are drawn (lightweight-charts' canvases).
    assert.equal(await page.getByTestId("insights-curve-points").getAttribute("data-value"), String(data.curve.length));
    assert.ok(data.curve.length >= 6 && data.curve.every((p) => p.index !== null), "the index beside every point");
    assert.ok((await page.getByTestId("insights-curve-canvas").locator("canvas").count()) > 0);
    assert.ok((await page.getByTestId("insights-drawdown-canvas").locator("canvas").count()) > 0);
    // The allocation donut by holding: AAPL, MSFT and the cash.
    const legend = page.getByTestId("insights-allocation").locator("li");
    assert.deepEqual(
      (await legend.allTextContents()).map((t) => t.replace(/[\d.,$%\s]+$/g, "").replace(/\$.*$/, "").trim()),
      [...data.allocation.holdings.map((h) => h.symbol), "Cash"],
    );
    await screenshot(page, "analytics-all");

    // By sector: the sectors' names.
    await page.getByTestId("allocation-by-sector").click();
    await waitFor(async () => ((await legend.allTextContents()).join("|").includes(data.allocation.sectors[0].sector)), {
      timeout: STEP_TIMEOUT_MS,
      message: "the sectors in the legend",
    });
    assert.equal(await legend.count(), data.allocation.sectors.length + 1);

    // Another period: the week's figures.
    const week = await showPeriod(() => page.getByTestId("period-week").click(), "week");
    assert.equal(week.period, "week");
    await expectFigure("twr", week.returns.time_weighted, percentText(week.returns.time_weighted));
    await expectFigure("sharpe", week.risk.sharpe, ratioText(week.risk.sharpe));
    await screenshot(page, "analytics-week");
    assert.deepEqual(pageErrors, []);
  });
});
