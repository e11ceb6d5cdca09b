// Trading actions (issue 12): /api/rules against a frozen market whose prices the test moves.
// A stop-loss and a recurring buy fire on ticks through the order path, each firing in the
// rule's log with its order; an alert reaches the player's stream as a notification; a firing
// is placed once even when retried; the rule cap holds under a crowd; bad input is a 400 with a
// stable code; and a backtest over stored ticks gives the firings worked out by hand.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { Client, signUp } from "../support/accounts.mjs";
import { startPostgres } from "../support/pg.mjs";
import { startServer } from "../support/server.mjs";
import { openStream } from "../support/sse.mjs";
import { frozenMarket, placeOrder, setPrice } from "../support/trading.mjs";
import { waitFor } from "../support/util.mjs";

describe("trading actions", { timeout: 300_000 }, () => {
  const stack = frozenMarket({
    env: { MARKETSIM_MAX_RULES: "6" },
    prices: { AAPL: "100", MSFT: "50", AMZN: "20" },
  });
  let player;

  const rule = async (client, body) => {
    const r = await client.post("/api/rules", body);
    assert.equal(r.status, 201, r.body);
    return r.json;
  };
  const firingsOf = async (client, id) => {
    const r = await client.get(`/api/rules/${id}/firings`);
    assert.equal(r.status, 200, r.body);
    return r.json.firings;
  };
  // The leader's engine reads the rules again within a second of a change; a trailing exit on a
  // symbol nobody moves tells when it has: its high-water mark is saved once it saw a price.
  async function engineHasRead(client) {
    const canary = await rule(client, { name: "canary", kind: "trailing_exit", symbol: "AMZN", trail_percent: "50" });
    await waitFor(
      async () => {
        await setPrice(stack.server, "AMZN", "20");
        return (await client.get(`/api/rules/${canary.id}`)).json.high_water === "20.00";
      },
      { timeout: 15_000, interval: 300, message: "the engine read the rules" },
    );
    assert.equal((await client.del(`/api/rules/${canary.id}`)).status, 204);
  }

  test("a stop-loss sells the position once when the price falls through it", async () => {
    player = await signUp(stack.server, stack.pg);
    const bought = await placeOrder(player, { symbol: "AAPL", qty: "10", side: "buy", type: "market", time_in_force: "day" });
    assert.equal(bought.json.status, "filled", bought.body);
    const stop = await rule(player, { name: "AAPL floor", kind: "stop_loss", symbol: "AAPL", price: "95" });
    assert.equal(stop.kind, "stop_loss");
    assert.equal(stop.enabled, true);
    assert.deepEqual(stop.definition, { symbol: "AAPL", price: "95.00", qty: null });
    assert.deepEqual(stop.thresholds, [{ price: "95.00", direction: "down" }]);
    assert.equal(stop.last_fired_at, null);
    await engineHasRead(player);

    await setPrice(stack.server, "AAPL", "96"); // above: nothing
    await setPrice(stack.server, "AAPL", "94"); // through 95: sells 10
    await setPrice(stack.server, "AAPL", "93"); // still below: nothing more
    const [f] = await waitFor(async () => {
      const list = await firingsOf(player, stop.id);
      return list.length === 1 && list[0].outcome !== "pending" && list;
    }, { message: "the stop-loss's firing placed" });
    assert.equal(f.outcome, "placed", JSON.stringify(f));
    assert.equal(f.action, "sell");
    assert.equal(f.qty, "10");
    assert.equal(f.price, "94.00");
    assert.equal(f.client_order_id, `rule-${stop.id}-1`);
    const order = await player.get(`/v2/orders/${f.order_id}`);
    assert.equal(order.status, 200, order.body);
    assert.equal(order.json.client_order_id, f.client_order_id);
    assert.equal(order.json.side, "sell");
    assert.equal(order.json.status, "filled");
    const held = await player.get("/v2/positions/AAPL");
    assert.equal(held.status, 404, held.body);
    // Back above and down through it again: a new crossing, logged, with no shares to sell.
    await setPrice(stack.server, "AAPL", "97");
    await setPrice(stack.server, "AAPL", "90");
    const again = await waitFor(async () => {
      const list = await firingsOf(player, stop.id);
      return list.length === 2 && list;
    }, { message: "the second crossing's firing" });
    assert.equal(again[0].outcome, "refused");
    assert.equal(again[0].reason, "no shares held");
    assert.equal(again[0].order_id, null);
    const shown = (await player.get(`/api/rules/${stop.id}`)).json;
    assert.equal(shown.firings, 2);
    assert.equal(shown.last_outcome, "refused");
    assert.ok(shown.last_fired_at);
  });

  test("a recurring buy buys whole shares on the first tick of each due market day", async () => {
    const buyer = await signUp(stack.server, stack.pg);
    const plan = await rule(buyer, { name: "MSFT monthly", kind: "recurring_buy", symbol: "MSFT", every_days: 2, amount: "260" });
    await engineHasRead(buyer);
    // Market days 2005-03-01..03-04: buys on the 1st and the 3rd, 5 shares at $50 ($250 ≤ $260).
    for (const day of ["01", "02", "03", "04"]) {
      await setPrice(stack.server, "MSFT", "50", `2005-03-${day}T15:00:00Z`);
      await setPrice(stack.server, "MSFT", "50", `2005-03-${day}T16:00:00Z`);
    }
    const list = await waitFor(async () => {
      const l = await firingsOf(buyer, plan.id);
      return l.length === 2 && l.every((f) => f.outcome !== "pending") && l;
    }, { message: "two recurring buys" });
    assert.deepEqual(list.map((f) => [f.market_at, f.action, f.qty, f.outcome]), [
      ["2005-03-03T15:00:00Z", "buy", "5", "placed"],
      ["2005-03-01T15:00:00Z", "buy", "5", "placed"],
    ]);
    const held = await buyer.get("/v2/positions/MSFT");
    assert.equal(held.status, 200, held.body);
    assert.equal(held.json.qty, "10");
  });

  test("a condition buys at its limit when the price crosses its level", async () => {
    const dipper = await signUp(stack.server, stack.pg);
    await setPrice(stack.server, "MSFT", "50");
    const made = await rule(dipper, {
      name: "MSFT dip", kind: "condition", symbol: "MSFT", when: "price_below", price: "45",
      side: "buy", amount: "500", order_type: "limit", limit_price: "45", cooldown_minutes: 600,
    });
    assert.deepEqual(made.definition, {
      symbol: "MSFT", when: "price_below", price: "45.00", side: "buy", qty: null, amount: "500.00",
      order_type: "limit", limit_price: "45.00", cooldown_minutes: 600,
    });
    assert.deepEqual(made.thresholds, [{ price: "45.00", direction: "down" }]);
    await engineHasRead(dipper);
    await setPrice(stack.server, "MSFT", "44"); // through 45: $500 at the limit 45 is 11 shares
    const [f] = await waitFor(async () => {
      const list = await firingsOf(dipper, made.id);
      return list.length === 1 && list[0].outcome !== "pending" && list;
    }, { message: "the condition's firing placed" });
    await setPrice(stack.server, "MSFT", "46");
    await setPrice(stack.server, "MSFT", "44.5"); // crosses again, within the cooldown: nothing
    assert.equal(f.outcome, "placed", JSON.stringify(f));
    assert.deepEqual([f.action, f.symbol, f.qty, f.price, f.limit_price], ["buy", "MSFT", "11", "44.00", "45.00"]);
    const order = (await dipper.get(`/v2/orders/${f.order_id}`)).json;
    assert.deepEqual([order.type, Number(order.limit_price), order.status, Number(order.filled_qty)], ["limit", 45, "filled", 11]);
    await setPrice(stack.server, "MSFT", "50");
    assert.equal((await firingsOf(dipper, made.id)).length, 1);
  });

  test("a rebalance buys every target, then trades back to them when a weight drifts", async () => {
    const balancer = await signUp(stack.server, stack.pg);
    await setPrice(stack.server, "AAPL", "100");
    await setPrice(stack.server, "MSFT", "50");
    const made = await rule(balancer, { name: "core", kind: "rebalance", targets: { msft: "10", AAPL: "10" }, drift_percent: "5" });
    assert.equal(made.symbol, "AAPL"); // the first target
    assert.deepEqual(made.definition.targets, { AAPL: "10.00", MSFT: "10.00" });
    await engineHasRead(balancer);
    // All cash is 10 points off each target: $10,000 of each at the ask (price + 0.01).
    await setPrice(stack.server, "AAPL", "100");
    const first = await waitFor(async () => {
      const list = await firingsOf(balancer, made.id);
      return list.length === 2 && list.every((f) => f.outcome !== "pending") && list;
    }, { message: "the first rebalance" });
    assert.deepEqual(first.reverse().map((f) => [f.action, f.symbol, f.qty, f.outcome]), [
      ["buy", "AAPL", "99", "placed"],
      ["buy", "MSFT", "199", "placed"],
    ]);
    // Back within 5 points of the targets (a tick shows it), then AAPL doubles: about 18% of the
    // sleeve, 8 points off, a new crossing: sells AAPL, buys MSFT.
    await setPrice(stack.server, "AAPL", "100");
    await setPrice(stack.server, "AAPL", "200");
    const second = await waitFor(async () => {
      const list = await firingsOf(balancer, made.id);
      return list.length === 4 && list.every((f) => f.outcome !== "pending") && list.slice(0, 2).reverse();
    }, { message: "the rebalance on drift" });
    assert.deepEqual(second.map((f) => [f.action, f.symbol, f.outcome]), [["sell", "AAPL", "placed"], ["buy", "MSFT", "placed"]]);
    const account = (await balancer.get("/v2/account")).json;
    const aapl = (await balancer.get("/v2/positions/AAPL")).json;
    const weight = Number(aapl.market_value) / Number(account.equity);
    assert.ok(Math.abs(weight - 0.1) < 0.005, `AAPL at ${weight} of the equity`);
    assert.equal(Number(aapl.qty), 99 - Number(second[0].qty));
    await setPrice(stack.server, "AAPL", "201"); // back near target: no new crossing
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal((await firingsOf(balancer, made.id)).length, 4);
  });

  test("an alert is a notification on the player's stream, and no order", async () => {
    const watcher = await signUp(stack.server, stack.pg);
    const stream = await openStream(`${stack.url}/api/stream?symbols=AMZN`, { headers: { cookie: watcher.cookieHeader() } });
    try {
      const alert = await rule(watcher, { name: "AMZN up", kind: "price_alert", symbol: "AMZN", condition: "above", price: "25" });
      await engineHasRead(watcher);
      await setPrice(stack.server, "AMZN", "26");
      const events = await stream.waitFor((evs) => evs.some((e) => e.event === "notification"), { timeout: 10_000, message: "the notification" });
      const note = JSON.parse(events.find((e) => e.event === "notification").data);
      assert.equal(note.rule_id, alert.id);
      assert.equal(note.message, "AMZN rose to 25.00 or above: 26.00 now");
      const [f] = await firingsOf(watcher, alert.id);
      assert.equal(f.outcome, "alerted");
      assert.equal(f.order_id, null);
      await setPrice(stack.server, "AMZN", "20");
    } finally {
      stream.close();
    }
  });

  test("the log is append-only", async () => {
    const [{ id }] = await stack.pg.psql("select id from rule_firings where outcome <> 'pending' limit 1");
    for (const sql of [`update rule_firings set price_e4 = 1 where id = ${id}`, `update rule_firings set outcome = 'placed' where id = ${id}`, `delete from rule_firings where id = ${id}`]) {
      await assert.rejects(stack.pg.psql(sql), /append-only/, sql);
    }
  });

  test("bad definitions and other players' rules", async () => {
    const cases = [
      [{ kind: "stop_loss", symbol: "AAPL", price: "95" }, /name/],
      [{ name: "x", kind: "sideways", symbol: "AAPL" }, /kind/],
      [{ name: "x", kind: "stop_loss", symbol: "NOPE", price: "1" }, /symbol/],
      [{ name: "x", kind: "stop_loss", symbol: "SPX", price: "1" }, /symbol/],
      [{ name: "x", kind: "stop_loss", symbol: "AAPL", price: "500" }, /below the price now/],
      [{ name: "x", kind: "price_alert", symbol: "AAPL", condition: "above" }, /price/],
      [{ name: "x", kind: "recurring_buy", symbol: "AAPL", every_days: 0, amount: "5" }, /every_days/],
      [{ name: "x", kind: "trailing_exit", symbol: "AAPL", trail_percent: "5", extra: 1 }, /extra/],
      [{ name: "", kind: "trailing_exit", symbol: "AAPL", trail_percent: "5" }, /name/],
      [{ name: "x", kind: "rebalance", targets: { AAPL: "60", NOPE: "10" }, every_days: 1 }, /targets\.NOPE/],
      [{ name: "x", kind: "rebalance", targets: { AAPL: "60", MSFT: "50" }, every_days: 1 }, /100%/],
      [{ name: "x", kind: "rebalance", targets: { AAPL: "60", aapl: "10" }, every_days: 1 }, /twice/],
      [{ name: "x", kind: "condition", symbol: "AAPL", when: "ma_cross_above", ma_days: 300, side: "buy", qty: "1" }, /ma_days/],
      [{ name: "x", kind: "condition", symbol: "AAPL", when: "change_up", percent: "2", side: "buy" }, /qty/],
    ];
    for (const [body, why] of cases) {
      const r = await player.post("/api/rules", body);
      assert.equal(r.status, 400, `${JSON.stringify(body)}: ${r.body}`);
      assert.equal(r.json.code, "bad_request");
      assert.match(r.json.message, why, JSON.stringify(body));
    }
    const mine = (await player.get("/api/rules")).json.rules[0];
    const other = await signUp(stack.server, stack.pg);
    for (const [method, path] of [["get", `/api/rules/${mine.id}`], ["del", `/api/rules/${mine.id}`], ["get", `/api/rules/${mine.id}/firings`], ["post", `/api/rules/${mine.id}/pause`], ["get", "/api/rules/abc"]]) {
      const r = await other[method](path);
      assert.equal(r.status, 404, `${method} ${path}: ${r.body}`);
      assert.equal(r.json.code, "not_found");
    }
    const anonymous = await new Client(stack.url).get("/api/rules");
    assert.equal(anonymous.status, 401);
    const patched = await player.patch(`/api/rules/${mine.id}`, { price: "abc" });
    assert.equal(patched.status, 400, patched.body);
    const paused = await player.post(`/api/rules/${mine.id}/pause`);
    assert.equal(paused.json.enabled, false);
    const renamed = await player.patch(`/api/rules/${mine.id}`, { name: "renamed", price: "80" });
    assert.equal(renamed.status, 200, renamed.body);
    assert.equal(renamed.json.name, "renamed");
    assert.equal(renamed.json.definition.price, "80.00");
    assert.equal((await player.post(`/api/rules/${mine.id}/resume`)).json.enabled, true);
  });

  test("the rule cap holds when a crowd creates rules at once", async () => {
    const crowd = await signUp(stack.server, stack.pg);
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        crowd.post("/api/rules", { name: `r${i}`, kind: "price_alert", symbol: "AAPL", condition: "above", price: String(200 + i) }),
      ),
    );
    assert.equal(answers.filter((a) => a.status === 201).length, 6);
    const refused = answers.filter((a) => a.status !== 201);
    assert.ok(refused.every((a) => a.status === 403 && a.json.code === "too_many_rules"), JSON.stringify(refused.map((a) => a.body)));
    assert.equal((await crowd.get("/api/rules")).json.rules.length, 6);
  });

  test("a backtest evaluates the rule on every stored tick of the window", async () => {
    // Stored ticks of AMZN in a window of its own: 30, 31, 27, 26, 29, 25.5, 24 (2004-06-01..07).
    const prices = [30, 31, 27, 26, 29, 25.5, 24];
    const rows = prices.map((p, i) => `(${9_000_000_000 + i}, 'AMZN', '2004-06-0${i + 1}T15:00:00Z', ${p}, 1)`);
    await stack.pg.psql(`insert into price_history (seq, symbol, ts, price, volume) values ${rows.join(", ")}`);
    const window = { from: "2004-06-01T00:00:00Z", to: "2004-06-07T23:00:00Z" };
    // A draft stop at 28 over 10 shares assumed held: fires at 27 (sells 10), again at 25.5
    // after the climb to 29 (nothing left to sell).
    const stop = await player.post("/api/rules/backtest", { rule: { kind: "stop_loss", symbol: "AMZN", price: "28" }, qty: "10", ...window });
    assert.equal(stop.status, 200, stop.body);
    assert.deepEqual(stop.json.firings.map((f) => [f.market_at, f.action, f.qty, f.price]), [
      ["2004-06-03T15:00:00Z", "sell", "10", "27.00"],
      ["2004-06-06T15:00:00Z", "sell", null, "25.50"],
    ]);
    assert.equal(stop.json.firings[1].reason, "no shares held");
    assert.equal(stop.json.start_qty, "10");
    assert.equal(stop.json.end_qty, "0");
    // Sold at 27 rather than held to 24: $270 in cash against $240 of shares, so +$30.
    assert.equal(stop.json.cash, "270.00");
    assert.equal(stop.json.pnl, "30.00");
    // The window's prices for the chart (few enough to be all of them here).
    assert.deepEqual(stop.json.prices.map((p) => p.p), ["30.00", "31.00", "27.00", "26.00", "29.00", "25.50", "24.00"]);
    // A trailing exit of 10%: the high 31 gives 27.90, so it sells at 27; the mark starts again
    // at 27 and rises to 29 (26.10), so 25.50 fires again, with nothing left to sell.
    const trail = await player.post("/api/rules/backtest", { rule: { kind: "trailing_exit", symbol: "AMZN", trail_percent: "10" }, qty: "4", ...window });
    assert.deepEqual(trail.json.firings.map((f) => [f.market_at, f.qty]), [
      ["2004-06-03T15:00:00Z", "4"],
      ["2004-06-06T15:00:00Z", null],
    ]);
    const bad = await player.post("/api/rules/backtest", { rule: { kind: "stop_loss", symbol: "AMZN", price: "28" }, from: window.to, to: window.from });
    assert.equal(bad.status, 400, bad.body);
    const neither = await player.post("/api/rules/backtest", { from: window.from });
    assert.equal(neither.status, 400);
    assert.equal(neither.json.code, "bad_request");
  });
});

describe("trading actions: backtests under a crowd", { timeout: 300_000 }, () => {
  const stack = frozenMarket({ prices: { AAPL: "100", AMZN: "20" } });

  test("one player runs at most 2 at once; the rest are 429 and others are not held up", async () => {
    // 200,001 stored ticks of AMZN a minute apart from 2003-01-01: one more than a window may walk.
    await stack.pg.psql(
      `insert into price_history (seq, symbol, ts, price, volume) select 8000000000 + i, 'AMZN', timestamptz '2003-01-01T00:00:00Z' + i * interval '1 minute', 20 + (i % 97) / 10.0, 1 from generate_series(0, 200000) i`,
    );
    const crowd = await signUp(stack.server, stack.pg);
    const other = await signUp(stack.server, stack.pg);
    const draft = { rule: { kind: "trailing_exit", symbol: "AMZN", trail_percent: "3" }, qty: "10" };
    const whole = await crowd.post("/api/rules/backtest", { ...draft, from: "2003-01-01T00:00:00Z", to: "2003-06-01T00:00:00Z" });
    assert.equal(whole.status, 400, whole.body);
    assert.equal(whole.json.code, "invalid_range");
    assert.match(whole.json.message, /200000 stored ticks/);
    // 150,000 ticks each: long enough walks to overlap.
    const window = { from: "2003-01-01T00:00:00Z", to: "2003-04-14T04:00:00Z" };
    const answers = await Promise.all([
      ...Array.from({ length: 12 }, () => crowd.post("/api/rules/backtest", { ...draft, ...window })),
      (async () => {
        await new Promise((r) => setTimeout(r, 50));
        return other.post("/api/rules/backtest", { ...draft, ...window });
      })(),
    ]);
    const mine = answers.slice(0, 12);
    const ran = mine.filter((a) => a.status === 200);
    const refused = mine.filter((a) => a.status === 429);
    assert.equal(ran.length + refused.length, 12, JSON.stringify(mine.map((a) => a.status)));
    assert.ok(ran.length >= 1 && ran.length <= 6, `${ran.length} ran`);
    assert.ok(refused.length >= 6, `${refused.length} refused`);
    assert.ok(refused.every((a) => a.json.code === "too_many_requests"), refused[0]?.body);
    assert.equal(answers[12].status, 200, answers[12].body); // another player's is not counted
    // The same figures for every one that ran, and the gate is free again afterwards.
    assert.ok(ran.every((a) => a.json.pnl === ran[0].json.pnl && a.json.firings.length === ran[0].json.firings.length));
    assert.ok(ran[0].json.firings.length > 0);
    const after = await crowd.post("/api/rules/backtest", { ...draft, ...window });
    assert.equal(after.status, 200, after.body);
  });
});

describe("trading actions: a firing retried by the next leader", { timeout: 300_000 }, () => {
  const env = { MARKETSIM_TICK_INTERVAL: "1h" };
  let pg;
  let server;
  before(async () => {
    pg = await startPostgres();
    server = await startServer({ pg, env });
    await setPrice(server, "AAPL", "100");
  });
  after(async () => {
    if (server?.running) assert.equal(await server.stop("SIGTERM"), 0);
    await pg?.stop();
  });

  test("places its order once, under the firing's client_order_id", async () => {
    // The leader stopped after recording a firing and placing its order, before recording the
    // outcome: the next leader places it again under the same client_order_id and finds it.
    const holder = await signUp(server, pg);
    await placeOrder(holder, { symbol: "AAPL", qty: "3", side: "buy", type: "market", time_in_force: "day" });
    const made = await holder.post("/api/rules", { name: "retry", kind: "stop_loss", symbol: "AAPL", price: "50" });
    assert.equal(made.status, 201, made.body);
    const id = made.json.id;
    const cid = `rule-${id}-1`;
    const sold = await placeOrder(holder, { symbol: "AAPL", qty: "3", side: "sell", type: "market", time_in_force: "day", client_order_id: cid });
    assert.equal(sold.json.status, "filled", sold.body);
    await pg.psql(
      `insert into rule_firings (rule_id, seq, price_e4, action, qty, client_order_id, outcome, symbol) values (${id}, 1, 490000, 'sell', 3, '${cid}', 'pending', 'AAPL')`,
    );
    assert.equal(await server.stop("SIGTERM"), 0);
    server = await startServer({ pg, env });
    holder.baseUrl = server.url;
    holder.origin = server.url;
    const f = await waitFor(async () => {
      const r = await holder.get(`/api/rules/${id}/firings`);
      assert.equal(r.status, 200, r.body);
      return r.json.firings[0]?.outcome !== "pending" && r.json.firings[0];
    }, { timeout: 20_000, message: "the pending firing answered" });
    assert.equal(f.outcome, "placed", JSON.stringify(f));
    assert.equal(f.order_id, sold.json.id);
    const [{ n }] = await pg.psql(`select count(*) as n from orders where client_order_id = '${cid}'`);
    assert.equal(Number(n), 1);
  });
});
