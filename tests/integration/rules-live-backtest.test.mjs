// Trading actions (issue 12): the live engine and the backtest give the same firings on the same
// ticks. A replayed market runs fast (a market day every 2 s, a step every 100 ms) and stores
// every step; a player's rules of every single-symbol kind (crossings, a trailing mark, the
// day's change, moving-average crosses, a cooldown, a daily buy) are evaluated live by the
// leader's engine. Then each rule is backtested over the stored ticks from the tick it started
// watching on to a moment well behind the market, and its log up to that moment must be the
// backtest's firings exactly: the same market times, actions, quantities and prices.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { signUp } from "../support/accounts.mjs";
import { suiteStack } from "../support/stack.mjs";
import { placeOrder } from "../support/trading.mjs";
import { sleep, waitFor } from "../support/util.mjs";

describe("trading actions: live and backtest agree", { timeout: 240_000 }, () => {
  const stack = suiteStack({
    env: {
      MARKETSIM_TICK_INTERVAL: "100ms",
      MARKETSIM_REPLAY_DAY: "2s",
      MARKETSIM_FLUSH_INTERVAL: "1s",
      MARKETSIM_BOTS: "0",
    },
  });

  test("every rule's log is its backtest over the same stored ticks", async (t) => {
    const player = await signUp(stack.server, stack.pg);
    // Shares enough that no sell below runs out (a sell's qty is at most what is held, and the
    // other rules' trades move the live holding, not the backtest's).
    const bought = await placeOrder(player, { symbol: "AAPL", qty: "100", side: "buy", type: "market", time_in_force: "day" });
    assert.equal(bought.status, 200, bought.body);
    const price = Number((await player.get("/api/stocks/AAPL")).json.price);
    assert.ok(price > 0, "AAPL has a price");
    const level = (f) => (price * f).toFixed(2);
    const definitions = [
      { name: "move", kind: "price_alert", symbol: "AAPL", condition: "move", percent: "0.3" },
      { name: "above", kind: "price_alert", symbol: "AAPL", condition: "above", price: level(1.002) },
      { name: "take", kind: "take_profit", symbol: "AAPL", price: level(1.003), qty: "1" },
      { name: "trail", kind: "trailing_exit", symbol: "AAPL", trail_percent: "0.4", qty: "1" },
      { name: "daily", kind: "recurring_buy", symbol: "AAPL", every_days: 1, amount: String(Math.ceil(price)) },
      { name: "pop", kind: "condition", symbol: "AAPL", when: "change_up", percent: "0.2", side: "sell", qty: "1" },
      { name: "drop", kind: "condition", symbol: "AAPL", when: "change_down", percent: "0.2", side: "buy", amount: String(Math.ceil(price)) },
      { name: "ma up", kind: "condition", symbol: "AAPL", when: "ma_cross_above", ma_days: 2, side: "buy", qty: "1" },
      { name: "ma down", kind: "condition", symbol: "AAPL", when: "ma_cross_below", ma_days: 2, side: "sell", qty: "1", cooldown_minutes: 120 },
      { name: "dip", kind: "condition", symbol: "AAPL", when: "price_below", price: level(0.998), side: "buy", qty: "1", order_type: "limit" },
    ];
    const rules = [];
    for (const d of definitions) {
      const r = await player.post("/api/rules", d);
      assert.equal(r.status, 201, `${d.name}: ${r.body}`);
      rules.push(r.json);
    }
    // Each rule starts watching on a tick of AAPL once the engine has read it.
    const since = await waitFor(async () => {
      const list = (await player.get("/api/rules")).json.rules;
      return list.every((r) => r.watching_since) && new Map(list.map((r) => [r.id, r.watching_since]));
    }, { timeout: 20_000, interval: 250, message: "every rule watching" });

    // Six market days of steps.
    await sleep(12_000);
    const clock = await player.get("/v2/clock");
    assert.equal(clock.status, 200, clock.body);
    const until = new Date(clock.json.timestamp).toISOString();
    // The engine has acted on every step up to `until`, and the flusher stored them.
    await sleep(3_000);
    await waitFor(async () => {
      const [{ n }] = await stack.pg.psql(`select count(*) as n from price_history where symbol = 'AAPL' and ts > '${until}'`);
      return Number(n) > 0;
    }, { timeout: 10_000, message: "steps after the moment stored" });

    const row = (f) => [f.market_at, f.action, f.symbol, f.qty, f.price];
    let compared = 0;
    for (const r of rules) {
      const log = await player.get(`/api/rules/${r.id}/firings?limit=500`);
      assert.equal(log.status, 200, log.body);
      const live = log.json.firings.filter((f) => Date.parse(f.market_at) <= Date.parse(until)).reverse().map(row);
      const bt = await player.post("/api/rules/backtest", { rule_id: r.id, from: since.get(r.id), to: until, qty: "100" });
      assert.equal(bt.status, 200, bt.body);
      assert.deepEqual(live, bt.json.firings.map(row), `${r.name}: the live log and the backtest differ`);
      compared += live.length;
      t.diagnostic(`${r.name}: ${live.length} firings alike`);
    }
    // A comparison of empty logs would prove nothing: the walk crossed plenty.
    assert.ok(compared >= 15, `only ${compared} firings compared`);
  });
});
