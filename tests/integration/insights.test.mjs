// GET /api/insights (issue 12) against a history worked by hand. A frozen market without a
// spread; the player's six fills go through the real order path, then are dated in market time
// (the frozen feed stamps them all with its one instant); end-of-day valuations are planted for
// 2005-01-03 (D1) to 2005-01-11 (D7), each with the prices recorded beside it.
//
//   fills   D1 15:00 buy 10 AAPL @ 100, buy 20 MSFT @ 50   D2 buy 10 AAPL @ 120 (20 at 110)
//           D4 sell 20 AAPL @ 105 (realized -100: the first round trip, a loss, 3 days)
//           D5 buy 10 AAPL @ 90     D7 sell 10 AAPL @ 99 (+90: the reopened trip, a win, 4 days)
//   day     D1       D2       D3       D4      D5      D6       D7
//   AAPL    100      120      110      105     92      95       99
//   MSFT    50       55       52       51      53      54       56
//   SPX     1000     1010     1005     995     1002    1008     1015
//   equity  100,000  100,300  100,040  99,920  99,980  100,030  100,110
// (cash + holdings at those prices: e.g. D2 96,800 + 20 x 120 + 20 x 55.)
//
// all:  from the opening (the $100,000 grant at the first valuation, D1): return +0.11%; six
//       daily returns: volatility 0.030290, Sharpe 1.537181, Sortino 2.515324, beta 0.202839,
//       correlation 0.849451 (worked in Python from the rows above, as the unit tests' formulas
//       say); drawdown from D2's 100,300 to D4's 99,920: 0.3789%, not regained. Contributions:
//       MSFT 1,120 - 1,000 = +120, AAPL 3,090 sold - 3,100 bought = -10 (add up to +110).
//       Trades: 6 fills, 7,190 traded over an average equity of 100,047.50: turnover 0.071866;
//       two round trips, one won, held 3.5 days on average.
// week: from D2's close (100,300) over D3..D7: -0.1894%; five daily returns (the minimum):
//       Sharpe -4.073357. AAPL held 20 at 120 at the start: -2,400 - 900 + 3,090 = -210; MSFT
//       1,120 - 1,100 = +20 (add up to -190).
// day:  from D6's close: +0.08%, one daily return (no statistics), the win closed that day.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Client, signUp } from "../support/accounts.mjs";
import { accountNow, frozenMarket, placeOrder, setPrice } from "../support/trading.mjs";

const DAYS = ["2005-01-03", "2005-01-04", "2005-01-05", "2005-01-06", "2005-01-07", "2005-01-10", "2005-01-11"];
const PRICES = {
  AAPL: [100, 120, 110, 105, 92, 95, 99],
  MSFT: [50, 55, 52, 51, 53, 54, 56],
  SPX: [1000, 1010, 1005, 995, 1002, 1008, 1015],
};
const EQUITY = [100_000, 100_300, 100_040, 99_920, 99_980, 100_030, 100_110];

const near = (actual, expected, label) =>
  assert.ok(actual !== null && Math.abs(actual - expected) <= 2e-6, `${label}: ${actual} vs ${expected}`);

describe("insights: a player's analytics over periods of market time", { timeout: 300_000 }, () => {
  const stack = frozenMarket({
    env: { MARKETSIM_HALF_SPREAD: "0", MARKETSIM_EQUITY_SNAPSHOT: "1h" },
    prices: { AAPL: "100", MSFT: "50" },
  });
  let trader;
  let idle;

  async function accountOf(client) {
    await accountNow(client);
    const [row] = await stack.pg.psql(`select id from accounts where user_id = ${client.user.id}`);
    return Number(row.id);
  }

  async function trade(client, symbol, side, qty, price) {
    await setPrice(stack.server, symbol, price);
    const r = await placeOrder(client, { symbol, side, qty: String(qty), type: "market", time_in_force: "day" });
    assert.equal(r.status, 200, r.body);
    assert.equal(r.json.status, "filled", r.body);
  }

  async function insights(client, period) {
    const r = await client.get(`/api/insights${period ? `?period=${period}` : ""}`);
    assert.equal(r.status, 200, r.body);
    return r.json;
  }

  test("plant the history", async () => {
    trader = await signUp(stack.server, stack.pg);
    idle = await signUp(stack.server, stack.pg);
    const account = await accountOf(trader);
    const idleAccount = await accountOf(idle);
    await trade(trader, "AAPL", "buy", 10, "100");
    await trade(trader, "MSFT", "buy", 20, "50");
    await trade(trader, "AAPL", "buy", 10, "120");
    await trade(trader, "AAPL", "sell", 20, "105");
    await trade(trader, "AAPL", "buy", 10, "90");
    await trade(trader, "AAPL", "sell", 10, "99");
    await setPrice(stack.server, "MSFT", "56");
    const fills = await stack.pg.psql(
      `select id from fills where buy_account = ${account} or sell_account = ${account} order by id`,
    );
    assert.equal(fills.length, 6);
    const fillDays = [0, 0, 1, 3, 4, 6];
    for (const [i, { id }] of fills.entries())
      await stack.pg.psql(`update fills set market_at = '${DAYS[fillDays[i]]} 15:00+00' where id = ${id}`);

    // Each day's valuation of both players and the prices beside it, at one wall instant each,
    // after the grants (a grant is in the first valuation after it).
    const wallBase = Date.now() + 60_000;
    for (const [i, day] of DAYS.entries()) {
      const at = `'${new Date(wallBase + (i + 1) * 1000).toISOString()}'`;
      await stack.pg.psql(
        `insert into equity_snapshots (account_id, at, equity_e4, market_at) values
           (${account}, ${at}, ${EQUITY[i] * 10_000}, '${day} 21:00+00'),
           (${idleAccount}, ${at}, ${100_000 * 10_000}, '${day} 21:00+00')`,
      );
      const rows = Object.entries(PRICES).map(([symbol, p]) => `('${symbol}', ${at}, ${p[i] * 10_000})`);
      await stack.pg.psql(`insert into price_snapshots (symbol, at, price_e4) values ${rows.join(", ")}`);
    }
  });

  test("all: every figure from the opening", async () => {
    const all = await insights(trader, "all");
    assert.deepEqual(await insights(trader), all); // "all" is the default
    assert.equal(all.period, "all");
    assert.equal(all.as_of, "2005-01-11T21:00:00Z");
    assert.equal(all.period_start, null);
    assert.deepEqual(all.start, { time: "2005-01-03T21:00:00Z", equity: "100000.00", kind: "opening" });
    assert.deepEqual(all.end, { time: "2005-01-11T21:00:00Z", equity: "100110.00" });
    near(all.returns.time_weighted, 0.0011, "twr");
    near(all.returns.money_weighted, 0.0011, "mwr");
    assert.equal(all.returns.cash_flows, 0);
    assert.match(all.returns.money_weighted_basis, /equals the time-weighted/);

    assert.equal(all.risk.daily_returns, 6);
    near(all.risk.volatility, 0.03029, "volatility");
    near(all.risk.sharpe, 1.537181, "sharpe");
    near(all.risk.sortino, 2.515324, "sortino");
    near(all.risk.beta, 0.202839, "beta");
    near(all.risk.correlation, 0.849451, "correlation");

    near(all.drawdown.max, 380 / 100_300, "drawdown");
    assert.equal(all.drawdown.peak_at, "2005-01-04T21:00:00Z");
    assert.equal(all.drawdown.trough_at, "2005-01-06T21:00:00Z");
    assert.equal(all.drawdown.recovered_at, null);

    // The curve: the opening, then each day; the index rebased to the same $100,000.
    assert.deepEqual(
      all.curve.map((p) => [p.time.slice(0, 10), p.equity, p.index]),
      [
        ["2005-01-03", "100000.00", "100000.00"],
        ...DAYS.map((d, i) => [d, `${EQUITY[i]}.00`, `${PRICES.SPX[i] * 100}.00`]),
      ],
    );
    near(all.curve[4].drawdown, 380 / 100_300 * -1, "curve drawdown at D3");
    assert.equal(all.curve[2].drawdown, 0);

    assert.deepEqual(
      all.contributions.map((c) => [c.symbol, c.pl]),
      [["MSFT", "120.00"], ["AAPL", "-10.00"]],
    );
    near(all.contributions[0].contribution, 0.0012, "MSFT share");
    assert.equal(all.best.symbol, "MSFT");
    assert.equal(all.worst.symbol, "AAPL");

    assert.deepEqual(all.pl, { realized: "-10.00", unrealized: "120.00", realized_total: "-10.00" });
    assert.equal(all.trading.fills, 6);
    assert.equal(all.trading.traded_value, "7190.00");
    assert.equal(all.trading.round_trips, 2);
    assert.equal(all.trading.wins, 1);
    assert.equal(all.trading.win_rate, 0.5);
    near(all.trading.average_hold_days, 3.5, "hold");
    near(all.trading.turnover, 7190 / 100_047.5, "turnover");

    // Live: 98,990 cash and 20 MSFT at 56.
    assert.equal(all.allocation.equity, "100110.00");
    assert.equal(all.allocation.cash, "98990.00");
    assert.deepEqual(
      all.allocation.holdings.map((h) => [h.symbol, h.value]),
      [["MSFT", "1120.00"]],
    );
    assert.equal(all.allocation.holdings[0].weight + all.allocation.cash_weight, 1);
    assert.equal(all.allocation.sectors.length, 1);
    assert.equal(all.allocation.sectors[0].value, "1120.00");
  });

  test("week: from the close before it, a holding carried in", async () => {
    const week = await insights(trader, "week");
    assert.equal(week.period_start, "2005-01-05T00:00:00Z");
    assert.deepEqual(week.start, { time: "2005-01-04T21:00:00Z", equity: "100300.00", kind: "previous_close" });
    near(week.returns.time_weighted, 100_110 / 100_300 - 1, "twr");
    near(week.returns.money_weighted, 100_110 / 100_300 - 1, "mwr");
    assert.equal(week.risk.daily_returns, 5);
    near(week.risk.sharpe, -4.073357, "sharpe");
    near(week.risk.sortino, -4.701051, "sortino");
    near(week.risk.volatility, 0.023402, "volatility");
    near(week.risk.beta, 0.156607, "beta");
    near(week.risk.correlation, 0.843104, "correlation");
    assert.deepEqual(
      week.contributions.map((c) => [c.symbol, c.pl]),
      [["MSFT", "20.00"], ["AAPL", "-210.00"]],
    );
    assert.equal(week.pl.realized, "-10.00");
    assert.equal(week.trading.fills, 3);
    assert.equal(week.trading.traded_value, "3990.00");
    assert.equal(week.trading.win_rate, 0.5);
    near(week.trading.turnover, 0.039875, "turnover");
    assert.equal(week.curve[0].index, "100300.00");
    // 100,300 x 1015 / 1010, to the ten-thousandth.
    assert.equal(week.curve.at(-1).index, "100796.5347");
  });

  test("one day: a return, and no statistics from a single daily return", async () => {
    const day = await insights(trader, "day");
    assert.equal(day.start.equity, "100030.00");
    near(day.returns.time_weighted, 100_110 / 100_030 - 1, "twr");
    assert.equal(day.risk.daily_returns, 1);
    for (const k of ["volatility", "sharpe", "sortino", "beta", "correlation"]) {
      assert.equal(day.risk[k], null, k);
      assert.match(day.why_null[k], /needs 5 daily returns/, k);
    }
    assert.equal(day.trading.round_trips, 1);
    assert.equal(day.trading.win_rate, 1);
    // AAPL: 10 held at 95, sold at 99 (+40); MSFT: 20 from 54 to 56 (+40). Equal: by symbol.
    assert.deepEqual(
      day.contributions.map((c) => [c.symbol, c.pl]),
      [["AAPL", "40.00"], ["MSFT", "40.00"]],
    );
  });

  test("all cash, no trades: no risk, nothing to win or lose", async () => {
    const all = await insights(idle, "all");
    near(all.returns.time_weighted, 0, "twr");
    assert.equal(all.risk.volatility, 0);
    assert.equal(all.risk.sharpe, 0);
    assert.equal(all.risk.sortino, 0);
    assert.equal(all.risk.beta, 0);
    assert.equal(all.risk.correlation, null);
    assert.match(all.why_null.correlation, /did not move/);
    assert.equal(all.drawdown.max, 0);
    assert.equal(all.drawdown.peak_at, null);
    assert.deepEqual(all.contributions, []);
    assert.equal(all.best, null);
    assert.equal(all.trading.fills, 0);
    assert.equal(all.trading.win_rate, null);
    assert.equal(all.trading.average_hold_days, null);
    assert.equal(all.trading.turnover, 0);
    assert.deepEqual(all.pl, { realized: "0.00", unrealized: "0.00", realized_total: "0.00" });
    assert.equal(all.allocation.cash_weight, 1);
    assert.deepEqual(all.allocation.holdings, []);
  });

  test("a new player without a valuation yet: nulls that say why", async () => {
    const fresh = await signUp(stack.server, stack.pg);
    const r = await insights(fresh, "week");
    assert.equal(r.returns.time_weighted, null);
    assert.deepEqual(r.curve, []);
    assert.match(r.why_null.period, /no end-of-day valuation/);
    assert.equal(r.allocation.equity, "100000.00");
  });

  test("bad period: 400 bad_request; signed out: 401", async () => {
    for (const q of ["?period=year", "?period=", "?period=ALL"]) {
      const r = await trader.get(`/api/insights${q}`);
      assert.equal(r.status, 400, `${q}: ${r.body}`);
      assert.equal(r.json.code, "bad_request");
    }
    const anon = await new Client(stack.url).get("/api/insights");
    assert.equal(anon.status, 401, anon.body);
  });
});
