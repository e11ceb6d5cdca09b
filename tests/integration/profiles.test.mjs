// Public profiles (issue 11): GET /api/users/{tag} and /api/users/{tag}/equity publish a
// player's returns and ranks, allocation (weights only), equity curve in market time and fills
// older than MARKETSIM_PROFILE_TRADE_DELAY, only while the player's switch is on. A frozen
// market with hand-computed figures: the player buys at the house's ask (price + $0.01):
//   1000 AAPL at 40.01, 1000 AMZN at 20.01, 400 MSFT at 25.01 → $70,024 spent, $29,976 cash;
//   valued at 40, 20, 25: AAPL $40,000, AMZN $20,000, MSFT $10,000, equity $99,976.
//   Weights (tenths of a percent, largest remainder): cash 299.83 → 300, the stocks 700:
//   AAPL 40.0, AMZN 20.0, MSFT 10.0, cash 30.0; sectors Technology 50.0, Consumer
//   Discretionary 20.0.
// Planted snapshots in market time (as in leaderboard.test.mjs): 2005-01-07 16:00 $102,000,
// 01-09 23:00 $101,000, 01-10 15:00 $99,990 → day -1% (from 101,000), week/month/all -0.01%
// (from the $100,000 grant).
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Client, signUp } from "../support/accounts.mjs";
import { suiteStack } from "../support/stack.mjs";
import { frozenMarket, placeOrder } from "../support/trading.mjs";
import { waitFor } from "../support/util.mjs";

const DELAY_MS = 8_000;

// Every key and every value in a JSON document, however deep.
function walk(value, visit, key = null) {
  visit(key, value);
  if (Array.isArray(value)) value.forEach((v) => walk(v, visit));
  else if (value && typeof value === "object") for (const [k, v] of Object.entries(value)) walk(v, visit, k);
}

describe("public profiles", { timeout: 300_000 }, () => {
  const stack = frozenMarket({
    env: { MARKETSIM_PROFILE_TRADE_DELAY: `${DELAY_MS / 1000}s`, MARKETSIM_EQUITY_SNAPSHOT: "1h" },
    prices: { AAPL: "40", AMZN: "20", MSFT: "25" },
  });
  const anyone = () => new Client(stack.url);
  let player;
  let account;

  async function buy(symbol, qty) {
    const r = await placeOrder(player, { symbol, qty: String(qty), side: "buy", type: "market", time_in_force: "day" });
    assert.equal(r.status, 200, r.body);
    assert.equal(r.json.status, "filled", r.body);
  }

  async function expectNoProfile(tag, why) {
    for (const path of [`/api/users/${tag}`, `/api/users/${tag}/equity?period=all`]) {
      const r = await anyone().get(path);
      assert.equal(r.status, 404, `${why}: ${path}: ${r.body}`);
      assert.equal(r.json.code, "not_found", why);
      assert.equal(r.json.user_tag, undefined);
    }
  }

  test("off by default: a 404 with a stable code, like a tag nobody has", async () => {
    player = await signUp(stack.server, stack.pg);
    assert.equal(player.user.public_profile, false);
    await buy("AAPL", 1000);
    await expectNoProfile(player.user.user_tag, "private");
    await expectNoProfile("nobody_here", "unknown");
    await expectNoProfile("NOT%20A%20TAG", "not a tag");
    const [row] = await stack.pg.psql(`select id from accounts where user_id = ${player.user.id}`);
    account = Number(row.id);
  });

  test("on: returns and ranks, allocation as weights, the curve, delayed fills", async () => {
    await buy("AMZN", 1000);
    await buy("MSFT", 400);
    const on = await player.patch("/api/account/profile", { public_profile: true, display_name: "Ada" });
    assert.equal(on.status, 200, on.body);
    let planted = 0;
    const rows = [
      ["2005-01-07 16:00", 102_000],
      ["2005-01-09 23:00", 101_000],
      ["2005-01-10 15:00", 99_990],
    ].map(
      ([at, dollars]) =>
        `(${account}, now() - interval '1 day' + interval '${++planted} seconds', ${dollars * 10_000}, '${at}+00')`,
    );
    await stack.pg.psql(`insert into equity_snapshots (account_id, at, equity_e4, market_at) values ${rows.join(", ")}`);

    const tag = player.user.user_tag;
    const r = await anyone().get(`/api/users/${tag}`);
    assert.equal(r.status, 200, r.body);
    const p = r.json;
    assert.equal(p.user_tag, tag);
    assert.equal(p.display_name, "Ada");
    assert.equal(p.bot, false);
    assert.equal(p.strategy, undefined);
    assert.equal(p.as_of, "2005-01-10T15:00:00Z");
    assert.equal(p.equity, "99990.00");
    assert.deepEqual(p.returns, {
      day: { return: "-0.010000", rank: 1, of: 1 },
      week: { return: "-0.000100", rank: 1, of: 1 },
      month: { return: "-0.000100", rank: 1, of: 1 },
      all: { return: "-0.000100", rank: 1, of: 1 },
    });
    // The leaderboard says the same.
    const board = (await anyone().get("/api/leaderboard?period=day")).json;
    assert.equal(board.entries[0].user_tag, tag);
    assert.equal(board.entries[0].return, p.returns.day.return);

    assert.deepEqual(p.allocation, {
      cash_weight: "30.0",
      stocks: [
        { symbol: "AAPL", name: "Apple Inc.", sector: "Technology", weight: "40.0" },
        { symbol: "AMZN", name: "Amazon.com, Inc.", sector: "Consumer Discretionary", weight: "20.0" },
        { symbol: "MSFT", name: "Microsoft Corporation", sector: "Technology", weight: "10.0" },
      ],
      sectors: [
        { sector: "Technology", weight: "50.0" },
        { sector: "Consumer Discretionary", weight: "20.0" },
      ],
    });
    assert.equal(p.trade_delay_seconds, DELAY_MS / 1000);

    // The equity curve in market time, each snapshot its own point.
    const all = await anyone().get(`/api/users/${tag}/equity?period=all`);
    assert.equal(all.status, 200, all.body);
    assert.equal(all.json.period, "all");
    assert.equal(all.json.as_of, "2005-01-10T15:00:00Z");
    assert.equal(all.json.start_equity, "100000.00");
    assert.equal(all.json.return, "-0.000100");
    assert.deepEqual(all.json.points, [
      { market_at: "2005-01-07T16:00:00Z", equity: "102000.00" },
      { market_at: "2005-01-09T23:00:00Z", equity: "101000.00" },
      { market_at: "2005-01-10T15:00:00Z", equity: "99990.00" },
    ]);
    const day = (await anyone().get(`/api/users/${tag}/equity?period=day`)).json;
    assert.equal(day.start_equity, "101000.00");
    assert.deepEqual(day.points, [{ market_at: "2005-01-10T15:00:00Z", equity: "99990.00" }]);
    const bad = await anyone().get(`/api/users/${tag}/equity?period=year`);
    assert.equal(bad.status, 400, bad.body);
    assert.equal(bad.json.code, "bad_request");

    // Fills are shown once they are DELAY_MS old: the three buys, newest first, with no size.
    const shown = await waitFor(
      async () => {
        const t = (await anyone().get(`/api/users/${tag}`)).json.trades;
        return t.length === 3 && t;
      },
      { timeout: 60_000, interval: 500, message: "the three fills, once the delay passed" },
    );
    assert.deepEqual(
      shown.map((t) => [t.symbol, t.side, t.price]),
      [["MSFT", "buy", "25.01"], ["AMZN", "buy", "20.01"], ["AAPL", "buy", "40.01"]],
    );
    assert.ok(shown.every((t) => Object.keys(t).sort().join() === "price,side,symbol,time"), JSON.stringify(shown));

    // A new fill is not shown until it is as old as the delay: the one before it is.
    await buy("AMZN", 1);
    const fresh = (await anyone().get(`/api/users/${tag}`)).json.trades;
    assert.equal(fresh.length, 3, JSON.stringify(fresh));
    assert.deepEqual(fresh[0], shown[0]);
    await waitFor(
      async () => {
        const t = (await anyone().get(`/api/users/${tag}`)).json.trades;
        return t.length === 4 && t[0].symbol === "AMZN";
      },
      { timeout: 60_000, interval: 500, message: "the new fill, once the delay passed" },
    );
  });

  test("no share count, cost or amount of cash anywhere in what is published", async () => {
    const tag = player.user.user_tag;
    const docs = [
      (await anyone().get(`/api/users/${tag}`)).json,
      (await anyone().get(`/api/users/${tag}/equity?period=all`)).json,
    ];
    // What the player really holds, as the API would write it.
    const positions = (await player.get("/v2/positions")).json;
    const cash = (await player.get("/v2/account")).json.cash;
    const secrets = new Set([cash, ...positions.flatMap((q) => [q.qty, q.cost_basis, q.market_value])]);
    assert.ok(secrets.has("1000") && secrets.has("400"), JSON.stringify([...secrets]));
    for (const doc of docs)
      walk(doc, (key, value) => {
        if (key !== null) assert.doesNotMatch(key, /qty|quantit|share|cost|cash$|amount|value|position|basis/i, key);
        if (typeof value === "string" || typeof value === "number")
          assert.ok(!secrets.has(String(value)), `${key}: ${value} is what the player holds`);
      });
  });

  test("switching off takes it all down at the next request", async () => {
    const tag = player.user.user_tag;
    const named = (text) => text.includes(`"user_tag":"${tag}"`);
    // Both answers are cached now...
    assert.equal((await anyone().get(`/api/users/${tag}`)).status, 200);
    assert.equal((await anyone().get(`/api/users/${tag}/equity?period=all`)).status, 200);
    // ...so are the leaderboard's standings (kept 5 s), naming the player...
    const board = await anyone().get("/api/leaderboard?period=all");
    assert.ok(named(board.body), board.body);
    // ...and the home feed (built every hour here, and again within a second of a change to an
    // account: the switch turned on earlier is one).
    await waitFor(async () => named((await anyone().get("/api/feed")).body), {
      timeout: 10_000,
      message: "the home feed names the player who opted in",
    });
    const off = await player.patch("/api/account/profile", { public_profile: false });
    assert.equal(off.status, 200, off.body);
    // ...and still the very next requests are 404s, for anyone, the owner included.
    await expectNoProfile(tag, "switched off");
    const own = await player.get(`/api/users/${tag}`);
    assert.equal(own.status, 404, own.body);
    // The kept standings no longer name the player, and the feed stops within moments.
    const after = await anyone().get("/api/leaderboard?period=all");
    assert.equal(after.status, 200);
    assert.ok(!named(after.body), after.body);
    assert.ok(after.json.entries.some((e) => e.name === `Player #${account}`), after.body);
    await waitFor(async () => !named((await anyone().get("/api/feed")).body), {
      timeout: 10_000,
      message: "the home feed takes the name down",
    });
  });

  test("a player who never traded: all cash, no trades, no returns yet", async () => {
    const fresh = await signUp(stack.server, stack.pg);
    assert.equal((await fresh.patch("/api/account/profile", { public_profile: true })).status, 200);
    const p = (await anyone().get(`/api/users/${fresh.user.user_tag}`)).json;
    assert.deepEqual(p.allocation, { cash_weight: "100.0", stocks: [], sectors: [] });
    assert.deepEqual(p.trades, []);
    assert.equal(p.returns.all.return, null);
    assert.equal(p.returns.all.rank, null);
    const curve = (await anyone().get(`/api/users/${fresh.user.user_tag}/equity`)).json;
    assert.deepEqual(curve.points, []);
    assert.equal(curve.start_equity, null);
  });
});

describe("public profiles: bots", { timeout: 300_000 }, () => {
  const stack = suiteStack({ env: { MARKETSIM_BOTS: "2", MARKETSIM_BOT_THINK: "200ms", MARKETSIM_TICK_INTERVAL: "100ms" } });

  test("a bot's profile is public and names its strategy", async () => {
    const r = await waitFor(
      async () => {
        const a = await new Client(stack.url).get("/api/users/bot_01");
        return a.status === 200 && a;
      },
      { timeout: 30_000, message: "bot_01's profile" },
    );
    const p = r.json;
    assert.equal(p.bot, true);
    assert.match(p.strategy, /^(market_maker|momentum|mean_reversion|noise|index_holder)$/);
    assert.ok(p.strategy_title.length > 0, r.body);
    assert.match(p.strategy_description, /\.$/);
    const [{ bot_strategy }] = await stack.pg.psql("select bot_strategy from users where user_tag = 'bot_01'");
    assert.equal(p.strategy, bot_strategy);
    assert.ok(p.allocation && Array.isArray(p.trades), r.body);
  });
});
