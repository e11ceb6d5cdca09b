// Forecasts that publish their own accuracy (issue 12). The evaluation the server serves is
// recomputed here, independently, in plain JavaScript from the same CSV files (and from daily
// closes this test writes into price_history), and must match to 1e-9; a live forecast at a
// replay date in the middle of the real series uses no price after the market time; the
// committed docs/forecasts.md holds exactly the table the server computes; bad input is a 4xx.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { before, describe, test } from "node:test";
import { accuracyTable, TABLE_BEGIN, TABLE_END } from "../../scripts/lib/forecast-table.mjs";
import { playerMaker } from "../support/accounts.mjs";
import { writeStoredCloses } from "../support/forecasts.mjs";
import { getJson } from "../support/http.mjs";
import { dataDir } from "../support/server.mjs";
import { suiteStack } from "../support/stack.mjs";
import { e4, placeOrder } from "../support/trading.mjs";
import { REPO_ROOT, waitFor } from "../support/util.mjs";

// ---- the reference: the models and the walk-forward, written from docs/forecasts.md ----------
const Z = 1.959963984540054;
const HORIZONS = [1, 5, 20];
const MODELS = ["drift", "ar1", "trend"];

function predict(model, x, h) {
  const n = x.length;
  if (model === "drift") {
    const m = n - 1;
    const mu = (x[n - 1] - x[0]) / m;
    let ss = 0;
    for (let i = 1; i < n; i++) {
      const d = x[i] - x[i - 1] - mu;
      ss += d * d;
    }
    const s2 = ss / (m - 1);
    return { point: x[n - 1] + h * mu, sd: Math.sqrt(s2 * (h + (h * h) / m)) };
  }
  if (model === "ar1") {
    const r = [];
    for (let i = 1; i < n; i++) r.push(x[i] - x[i - 1]);
    const m = r.length;
    const k = m - 1;
    let sx = 0;
    let sy = 0;
    for (let j = 1; j < m; j++) {
      sx += r[j - 1];
      sy += r[j];
    }
    const mx = sx / k;
    const my = sy / k;
    let sxx = 0;
    let sxy = 0;
    for (let j = 1; j < m; j++) {
      const dx = r[j - 1] - mx;
      sxx += dx * dx;
      sxy += dx * (r[j] - my);
    }
    const b = sxx > 0 ? sxy / sxx : 0;
    const a = my - b * mx;
    let sse = 0;
    for (let j = 1; j < m; j++) {
      const e = r[j] - a - b * r[j - 1];
      sse += e * e;
    }
    const s2 = sse / (k - 2);
    let prev = r[m - 1];
    let cum = 0;
    for (let j = 0; j < h; j++) {
      prev = a + b * prev;
      cum += prev;
    }
    let c = 0;
    let power = 1;
    let v = 0;
    let total = 0;
    for (let i = 0; i < h; i++) {
      c += power;
      power *= b;
      v += c * c;
      total += c;
    }
    return { point: x[n - 1] + cum, sd: Math.sqrt(s2 * (v + (total * total) / k)) };
  }
  const mi = (n - 1) / 2;
  let sy = 0;
  for (let i = 0; i < n; i++) sy += x[i];
  const my = sy / n;
  let sxx = 0;
  let sxy = 0;
  for (let i = 0; i < n; i++) {
    const dx = i - mi;
    sxx += dx * dx;
    sxy += dx * (x[i] - my);
  }
  const beta = sxy / sxx;
  const alpha = my - beta * mi;
  let sse = 0;
  for (let i = 0; i < n; i++) {
    const e = x[i] - alpha - beta * i;
    sse += e * e;
  }
  const s2 = sse / (n - 2);
  const x0 = n - 1 + h;
  const dx0 = x0 - mi;
  return { point: alpha + beta * x0, sd: Math.sqrt(s2 * (1 + 1 / n + (dx0 * dx0) / sxx)) };
}

function evaluate(prices, window, model, h) {
  const x = prices.map(Math.log);
  if (prices.length < window + h) return null;
  let abs = 0;
  let sq = 0;
  let nabs = 0;
  let nsq = 0;
  let covered = 0;
  let ups = 0;
  let cases = 0;
  let hits = 0;
  let origins = 0;
  for (let t = window - 1; t + h < prices.length; t++) {
    const p = predict(model, x.slice(t + 1 - window, t + 1), h);
    const actual = prices[t + h];
    const e = Math.exp(p.point) - actual;
    const naive = prices[t] - actual;
    abs += Math.abs(e);
    sq += e * e;
    nabs += Math.abs(naive);
    nsq += naive * naive;
    const reach = Z * p.sd;
    if (x[t + h] >= p.point - reach && x[t + h] <= p.point + reach) covered++;
    const predicted = p.point - x[t];
    const moved = actual - prices[t];
    if (predicted !== 0 && moved !== 0) {
      cases++;
      if (predicted > 0 === moved > 0) hits++;
      if (moved > 0) ups++;
    }
    origins++;
  }
  const mae = abs / origins;
  const rmse = Math.sqrt(sq / origins);
  const naive_mae = nabs / origins;
  const naive_rmse = Math.sqrt(nsq / origins);
  return {
    origins,
    mae,
    rmse,
    naive_mae,
    naive_rmse,
    mae_ratio: mae / naive_mae,
    rmse_ratio: rmse / naive_rmse,
    direction_cases: cases,
    direction_hits: hits,
    hit_rate: cases ? hits / cases : null,
    up_rate: cases ? ups / cases : 0,
    coverage: covered / origins,
  };
}

// ---- the CSV, read here on its own ------------------------------------------------------------
const MONTHS = { Jan: 1, Feb: 2, Mar: 3, Apr: 4, May: 5, Jun: 6, Jul: 7, Aug: 8, Sep: 9, Oct: 10, Nov: 11, Dec: 12 };
const iso = (y, m, d) => `${y}-${String(m).padStart(2, "0")}-${String(d).padStart(2, "0")}`;

function sp500() {
  const lines = readFileSync(join(dataDir(), "sp500-2000.csv"), "utf8").trim().split("\n").slice(1);
  return lines.map((l) => {
    const f = l.split(",");
    return { date: f[0], price: Number(f[4]) };
  });
}

function monthly() {
  const lines = readFileSync(join(dataDir(), "stocks.csv"), "utf8").trim().split("\n").slice(1);
  const out = new Map();
  for (const l of lines) {
    const [symbol, date, price] = l.split(",");
    const [mon, d, y] = date.split(" ");
    if (!out.has(symbol)) out.set(symbol, []);
    out.get(symbol).push({ date: iso(Number(y), MONTHS[mon], Number(d)), price: Number(price) });
  }
  return out;
}

// Equal to 1e-9; counts exactly.
function assertClose(actual, expected, what) {
  if (expected === null) return assert.equal(actual, null, what);
  assert.equal(typeof actual, "number", `${what}: ${actual}`);
  assert.ok(Math.abs(actual - expected) <= 1e-9, `${what}: server ${actual}, reference ${expected}`);
}

function assertScore(row, ref, what) {
  assert.ok(ref, `${what}: the reference has no origin`);
  for (const k of ["origins", "direction_cases", "direction_hits"]) assert.equal(row[k], ref[k], `${what} ${k}`);
  for (const k of ["mae", "rmse", "naive_mae", "naive_rmse", "mae_ratio", "rmse_ratio", "hit_rate", "up_rate", "coverage"])
    assertClose(row[k], ref[k], `${what} ${k}`);
  assert.equal(row.beats_baseline, ref.mae_ratio < 1, `${what} beats_baseline`);
}

const REPLAY_START = "2007-06-15"; // the middle of the S&P series (2000-2020)

describe("forecasts", { timeout: 300_000 }, () => {
  // One feed step an hour: the market day stays put while the tests run.
  const stack = suiteStack({ env: { MARKETSIM_TICK_INTERVAL: "1h", MARKETSIM_REPLAY_START: REPLAY_START, MARKETSIM_TRUSTED_PROXIES: "127.0.0.1" } });
  const newPlayer = playerMaker(stack, "10.12");
  let invented; // a simulated company: its forecasts come from the stored history
  let storedCloses; // [{date, price}] written before the market day
  let marketDate;

  before(async () => {
    const stocks = (await getJson(`${stack.url}/api/stocks`)).json.stocks;
    invented = stocks.find((s) => s.kind === "simulated").symbol;
    // The first feed step sets the market time.
    marketDate = await waitFor(
      async () => {
        const d = (await getJson(`${stack.url}/api/forecasts/SPX`)).json.market_date;
        return d >= REPLAY_START ? d : null;
      },
      { timeout: 20_000, message: "the market time" },
    );
    storedCloses = await writeStoredCloses(stack.pg, invented, marketDate);
  });

  test("the catalog evaluation matches a JavaScript reference over the same CSV to 1e-9", async () => {
    const r = await getJson(`${stack.url}/api/forecasts/accuracy?series=catalog`);
    assert.equal(r.status, 200, r.body);
    assert.equal(r.json.stored, undefined);
    const rows = r.json.catalog.rows;
    const series = [{ name: "sp500", symbol: "SPX", step: "day", window: 250, data: sp500() }];
    for (const [symbol, data] of monthly()) series.push({ name: symbol, symbol, step: "month", window: 36, data });
    assert.equal(rows.length, series.length * MODELS.length * HORIZONS.length);
    let compared = 0;
    for (const s of series)
      for (const model of MODELS)
        for (const h of HORIZONS) {
          const row = rows.find((x) => x.series === s.name && x.model === model && x.horizon === h);
          const what = `${s.name} ${model} h=${h}`;
          assert.ok(row, `${what}: no row`);
          assert.equal(row.step, s.step);
          assert.equal(row.window, s.window);
          assert.equal(row.points, s.data.length);
          assert.equal(row.first_date, s.data[0].date);
          assert.equal(row.last_date, s.data.at(-1).date);
          assertScore(row, evaluate(s.data.map((d) => d.price), s.window, model, h), what);
          compared++;
        }
    assert.equal(compared, 54);
    // The band's coverage on the real S&P 500 series is reported (here, and in docs/forecasts.md).
    for (const row of rows.filter((x) => x.series === "sp500"))
      console.log(`sp500 ${row.model} h=${row.horizon}: coverage ${(row.coverage * 100).toFixed(2)}%, MAE/naive ${row.mae_ratio.toFixed(4)}`);
  });

  test("docs/forecasts.md holds exactly the table the server computes", async () => {
    const r = await getJson(`${stack.url}/api/forecasts/accuracy?series=catalog`);
    const doc = readFileSync(join(REPO_ROOT, "docs", "forecasts.md"), "utf8");
    const begin = doc.indexOf(TABLE_BEGIN);
    const end = doc.indexOf(TABLE_END);
    assert.ok(begin >= 0 && end > begin, "docs/forecasts.md has no table markers");
    const committed = doc.slice(begin + TABLE_BEGIN.length, end).trim();
    assert.equal(committed, accuracyTable(r.json.catalog.rows).trim(), "regenerate it: node scripts/forecasts-doc.mjs");
  });

  test("a live forecast mid-series uses no price after the market time", async () => {
    const r = await getJson(`${stack.url}/api/forecasts/SPX`);
    assert.equal(r.status, 200, r.body);
    const f = r.json;
    assert.ok(f.market_date >= REPLAY_START && f.market_date < "2008-01-01", `market date ${f.market_date}`);
    assert.equal(f.basis.series, "sp500");
    assert.equal(f.basis.step, "day");
    assert.equal(f.basis.cut_before, f.market_date);
    assert.equal(f.basis.origin_date, f.market_date);
    assert.equal(f.basis.origin_is_current_price, true);
    const spx = (await getJson(`${stack.url}/api/stocks/SPX`)).json;
    assert.equal(f.basis.origin_price, Number(e4(spx.price)) / 10000);
    // The reference: the CSV's closes strictly before the market day, then the current price.
    const all = sp500();
    const past = all.filter((d) => d.date < f.market_date).map((d) => d.price);
    assert.ok(past.length > 1500 && past.length < all.length - 3000, "not mid-series");
    const window = [...past, f.basis.origin_price].slice(-250);
    assert.equal(f.basis.prices_used, 250);
    assert.equal(f.basis.first_date, all.filter((d) => d.date < f.market_date).at(-249).date);
    // With tomorrow's close in the window (what a look-ahead would see), the figures differ.
    const next = all.find((d) => d.date >= f.market_date);
    const peeking = [...past, next.price, f.basis.origin_price].slice(-250);
    assert.equal(f.models.length, 3);
    for (const m of f.models) {
      assert.equal(m.forecasts.length, 3);
      for (const fc of m.forecasts) {
        const ref = predict(m.model, window.map(Math.log), fc.horizon);
        const what = `${m.model} h=${fc.horizon}`;
        assertClose(fc.log_point, ref.point, `${what} log_point`);
        assertClose(fc.log_sd, ref.sd, `${what} log_sd`);
        assertClose(fc.point / Math.exp(ref.point), 1, `${what} point`);
        assertClose(fc.lower / Math.exp(ref.point - Z * ref.sd), 1, `${what} lower`);
        assertClose(fc.upper / Math.exp(ref.point + Z * ref.sd), 1, `${what} upper`);
        assert.ok(fc.lower < fc.point && fc.point < fc.upper, what);
        const peek = predict(m.model, peeking.map(Math.log), fc.horizon);
        assert.ok(Math.abs(peek.point - fc.log_point) > 1e-9, `${what}: the check cannot tell a look-ahead`);
      }
      // Beside each forecast, the model's measured accuracy on the series, and its verdict.
      assert.equal(m.accuracy_series, "sp500");
      assert.equal(m.accuracy.length, 3);
      const beats = m.accuracy.every((a) => a.beats_baseline);
      assert.equal(m.beats_baseline, beats);
      assert.match(m.verdict, beats ? /^beat the no-change baseline/ : /^did not beat the naive no-change baseline/);
    }
    // A monthly stock: steps are months, and the same cut.
    const msft = (await getJson(`${stack.url}/api/forecasts/MSFT?model=drift&horizon=5`)).json;
    assert.equal(msft.basis.step, "month");
    assert.equal(msft.basis.series, "MSFT");
    assert.equal(msft.models.length, 1);
    assert.equal(msft.models[0].forecasts.length, 1);
    assert.equal(msft.models[0].forecasts[0].step, "month");
    const months = monthly().get("MSFT").filter((d) => d.date < msft.market_date).map((d) => d.price);
    const ref = predict("drift", [...months, msft.basis.origin_price].slice(-36).map(Math.log), 5);
    assertClose(msft.models[0].forecasts[0].log_point, ref.point, "MSFT drift h=5");
  });

  test("the stored history is evaluated the same way, without the days after the market time", async () => {
    const r = await getJson(`${stack.url}/api/forecasts/accuracy?series=stored`);
    assert.equal(r.status, 200, r.body);
    assert.equal(r.json.catalog, undefined);
    const rows = r.json.stored.rows.filter((x) => x.series === `stored:${invented}`);
    const prices = storedCloses.map((d) => d.price);
    let compared = 0;
    for (const model of MODELS)
      for (const h of HORIZONS) {
        const row = rows.find((x) => x.model === model && x.horizon === h);
        assert.ok(row, `stored ${model} h=${h}: no row`);
        assert.equal(row.points, prices.length, "a day after the market time was read");
        assert.equal(row.last_date, storedCloses.at(-1).date);
        assertScore(row, evaluate(prices, 20, model, h), `stored ${model} h=${h}`);
        compared++;
      }
    assert.equal(compared, 9);
    // The invented company's live forecast: those closes, then its current price.
    const f = (await getJson(`${stack.url}/api/forecasts/${invented}`)).json;
    assert.equal(f.basis.series, `stored:${invented}`);
    assert.equal(f.basis.source, "price_history");
    const window = [...prices, f.basis.origin_price].slice(-20).map(Math.log);
    for (const m of f.models)
      for (const fc of m.forecasts) assertClose(fc.log_point, predict(m.model, window, fc.horizon).point, `${invented} ${m.model}`);
  });

  test("the portfolio's projected equity, from the player's holdings", async () => {
    const player = await newPlayer();
    const cashOnly = await player.get("/api/forecasts/portfolio");
    assert.equal(cashOnly.status, 200, cashOnly.body);
    assert.equal(cashOnly.json.equity, "100000.00");
    for (const fc of cashOnly.json.forecasts) {
      assert.equal(fc.point, 100000);
      assert.equal(fc.change, 0);
      assert.equal(fc.change_upper, 0);
    }
    const order = await placeOrder(player, { symbol: invented, qty: "10", side: "buy", type: "market", time_in_force: "day" });
    assert.equal(order.status, 200, order.body);
    const r = await player.get("/api/forecasts/portfolio");
    assert.equal(r.status, 200, r.body);
    const p = r.json;
    assert.deepEqual(p.holdings, [{ symbol: invented, qty: "10" }]);
    const cash = Number(e4(p.cash)) / 10000;
    const equity = Number(e4(p.equity)) / 10000;
    const account = (await player.get("/v2/account")).json;
    assert.equal(p.equity, account.equity);
    // The equity as if the 10 shares had been held: cash plus 10 × each stored close, then now.
    const series = [...storedCloses.map((d) => cash + 10 * d.price), equity];
    const window = series.slice(-20).map(Math.log);
    assert.equal(p.prices_used, 20);
    assert.equal(p.forecasts.length, 3);
    for (const fc of p.forecasts) {
      const ref = predict("drift", window, fc.horizon);
      assertClose(fc.point / Math.exp(ref.point), 1, `portfolio h=${fc.horizon}`);
      assertClose(fc.change, Math.exp(ref.point) / equity - 1, `portfolio change h=${fc.horizon}`);
      assert.ok(fc.change_lower < fc.change && fc.change < fc.change_upper);
    }
    const measured = storedCloses.map((d) => cash + 10 * d.price);
    for (const a of p.accuracy) assertScore(a, evaluate(measured, 20, "drift", a.horizon), `portfolio accuracy h=${a.horizon}`);
    assert.equal(p.accuracy.length, 3);
  });

  test("bad input is a 4xx with a stable code", async () => {
    const unknown = await getJson(`${stack.url}/api/forecasts/NOPE`);
    assert.equal(unknown.status, 404);
    assert.equal(unknown.json.code, "not_found");
    for (const q of ["model=arima", "horizon=3", "horizon=abc", "horizon=-1"]) {
      const r = await getJson(`${stack.url}/api/forecasts/SPX?${q}`);
      assert.equal(r.status, 400, q);
      assert.equal(r.json.code, "bad_request", q);
    }
    const series = await getJson(`${stack.url}/api/forecasts/accuracy?series=future`);
    assert.equal(series.status, 400);
    const anonymous = await getJson(`${stack.url}/api/forecasts/portfolio`);
    assert.equal(anonymous.status, 401);
    const player = await newPlayer();
    const bad = await player.get("/api/forecasts/portfolio?horizon=7");
    assert.equal(bad.status, 400);
  });
});
