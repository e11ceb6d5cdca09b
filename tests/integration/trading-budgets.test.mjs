// A player's budgets, each hit from many parallel clients at once (a check made before slow work
// and recorded after it would let everything in flight through): open orders per account,
// watchlists per player and symbols per watchlist, API keys per player, /v2 requests a minute
// with a session cookie. And the tick scan: far-away orders, however many, never keep another
// player's crossed stop waiting. Small budgets in the environment keep the test quick; the
// market is frozen (one feed step an hour) and prices come from the test hook.
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import { Client, makeApiKey, playerMaker } from "../support/accounts.mjs";
import { accountNow, e4, frozenMarket, orderNow, placeOrder, setPrice, waitForStatus } from "../support/trading.mjs";
import { waitFor } from "../support/util.mjs";

const OPEN_ORDERS = 10;
const WATCHLISTS = 3;
const WATCHLIST_SIZE = 5;
const API_KEYS = 3;
const SESSION_RATE = 300;

describe("trading budgets", { timeout: 300_000 }, () => {
  const market = frozenMarket({
    env: {
      MARKETSIM_TRUSTED_PROXIES: "127.0.0.1",
      MARKETSIM_MAX_OPEN_ORDERS: String(OPEN_ORDERS),
      MARKETSIM_MAX_WATCHLISTS: String(WATCHLISTS),
      MARKETSIM_WATCHLIST_SIZE: String(WATCHLIST_SIZE),
      MARKETSIM_MAX_API_KEYS: String(API_KEYS),
      MARKETSIM_SESSION_RATE: String(SESSION_RATE),
    },
    prices: { AAPL: "100", MSFT: "50", IBM: "80" },
  });
  let pg;
  let server;
  before(() => ({ pg, server } = market));

  const player = playerMaker(market, "10.3");
  const accountId = async (c) => {
    const [{ id }] = await pg.psql(`select id from accounts where uuid = '${(await accountNow(c)).id}'`);
    return Number(id);
  };
  const openCount = async (account) =>
    Number((await pg.psql(`select count(*) as n from orders where account_id = ${account} and status in ('new', 'partially_filled')`))[0].n);
  const tally = (responses) => {
    const out = {};
    for (const r of responses) {
      const key = r.status === 200 || r.status === 201 || r.status === 204 ? String(r.status) : `${r.status} ${r.json?.code}`;
      out[key] = (out[key] ?? 0) + 1;
    }
    return out;
  };

  test("the open-order cap holds under 50 parallel orders from one account, across symbols", async () => {
    const c = await player();
    const account = await accountId(c);
    const symbols = ["AAPL", "MSFT", "IBM"];
    const far = { AAPL: "60", MSFT: "30", IBM: "40" };
    const rs = await Promise.all(
      Array.from({ length: 50 }, (_, i) => {
        const symbol = symbols[i % 3];
        return placeOrder(c, { symbol, qty: 1, side: "buy", type: "limit", limit_price: far[symbol], time_in_force: "gtc" });
      }),
    );
    assert.deepEqual(tally(rs), { 200: OPEN_ORDERS, "403 too_many_open_orders": 50 - OPEN_ORDERS }, JSON.stringify(tally(rs)));
    const refused = rs.find((r) => r.status === 403);
    assert.match(refused.json.message, /open orders/);
    assert.equal(await openCount(account), OPEN_ORDERS);
    assert.equal(Number((await pg.psql(`select count(*) as n from orders where account_id = ${account}`))[0].n), OPEN_ORDERS, "nothing stored for a refused order");
    // What the open orders hold back is exactly the accepted ones.
    const [{ reserved }] = await pg.psql(`select reserved_e4 as reserved from accounts where id = ${account}`);
    const expected = rs.filter((r) => r.status === 200).reduce((sum, r) => sum + e4(r.json.limit_price), 0n);
    assert.equal(BigInt(reserved), expected);

    // At the cap: a replace swaps one open order for another; an order that fills at once is
    // never open, so neither is refused.
    const first = rs.find((r) => r.status === 200).json;
    const repl = await c.patch(`/v2/orders/${first.id}`, { limit_price: String(Number(first.limit_price) - 1) });
    assert.equal(repl.status, 200, repl.body);
    const market = await placeOrder(c, { symbol: "MSFT", qty: 1, side: "buy", type: "market", time_in_force: "day" });
    assert.equal(market.status, 200, market.body);
    assert.equal(market.json.status, "filled");
    const marketable = await placeOrder(c, { symbol: "MSFT", qty: 1, side: "buy", type: "limit", limit_price: "51", time_in_force: "gtc" });
    assert.equal(marketable.status, 200, marketable.body);
    assert.equal(marketable.json.status, "filled");
    const resting = await placeOrder(c, { symbol: "MSFT", qty: 1, side: "buy", type: "limit", limit_price: "30", time_in_force: "day" });
    assert.equal(resting.status, 403, resting.body);
    assert.equal(resting.json.code, "too_many_open_orders");
    assert.equal(await openCount(account), OPEN_ORDERS);
    // Canceling one makes room for one.
    assert.equal((await c.del(`/v2/orders/${repl.json.id}`)).status, 204);
    const again = await placeOrder(c, { symbol: "MSFT", qty: 1, side: "buy", type: "limit", limit_price: "30", time_in_force: "day" });
    assert.equal(again.status, 200, again.body);
    assert.equal((await c.del("/v2/orders")).status, 207);
  });

  test("a crossed stop fills on the next tick however many far-away trailing stops wait", async () => {
    await setPrice(server, "MSFT", "50");
    // One player at the cap with 1-share trailing buy stops far above the market (the cap is
    // the test above's; this one is about the scan)...
    const hog = await player();
    const hogAccount = await accountId(hog);
    const rs = await Promise.all(
      Array.from({ length: OPEN_ORDERS }, () =>
        placeOrder(hog, { symbol: "MSFT", qty: 1, side: "buy", type: "trailing_stop", trail_price: "40", time_in_force: "gtc" }),
      ),
    );
    for (const r of rs) assert.equal(r.status, 200, r.body);
    const sample = rs[0].json;
    // ... and as many more as 600 players at this cap would have (copies of one of them, made in
    // SQL for speed; they hold nothing back, so they are never canceled or triggered here).
    const cols = (await pg.psql(
      "select column_name as c from information_schema.columns where table_name = 'orders' and column_name not in ('id', 'seq') order by ordinal_position",
    )).map((r) => r.c);
    const values = cols.map((c) => (c === "client_order_id" ? "'far-' || g" : c === "reserve_price_e4" ? "0" : c));
    await pg.psql(
      `insert into orders (${cols.join(", ")}) select ${values.join(", ")} from orders, generate_series(1, 6000) as g where id = '${sample.id}'`,
    );
    assert.equal(await openCount(hogAccount), OPEN_ORDERS + 6000);

    // Another player's stop, placed after all of them.
    const other = await player();
    const own = await placeOrder(other, { symbol: "MSFT", qty: 10, side: "buy", type: "market", time_in_force: "day" });
    assert.equal(own.json.status, "filled", own.body);
    const stop = await placeOrder(other, { symbol: "MSFT", qty: 10, side: "sell", type: "stop", stop_price: "45", time_in_force: "gtc" });
    assert.equal(stop.json.status, "new", stop.body);

    // New lows move every trailing buy's water mark (one statement per symbol) without
    // triggering any; the second one crosses the stop, which fills on that tick.
    await setPrice(server, "MSFT", "49");
    await waitFor(async () => e4((await orderNow(hog, sample.id)).hwm ?? "0") === e4("49"), { message: "the trails to follow 49" });
    assert.equal((await orderNow(other, stop.json.id)).status, "new");
    await setPrice(server, "MSFT", "44.9");
    const filled = await waitForStatus(other, stop.json.id, "filled", 30_000);
    assert.equal(e4(filled.filled_avg_price), e4("44.89"), "sold to the house at the bid");
    assert.equal(e4(sample.stop_price), e4("90"), "a trailing stop shows its stop level from the start");
    const [moved] = await pg.psql(
      `select count(*) filter (where hwm_e4 = 449000) as at_low, count(*) filter (where trail_stop_e4 = 849000) as at_stop, count(*) as n from orders where account_id = ${hogAccount} and status = 'new'`,
    );
    assert.equal(Number(moved.n), OPEN_ORDERS + 6000, "none of the far stops triggered");
    assert.equal(Number(moved.at_low), OPEN_ORDERS + 6000, "every water mark followed the low");
    assert.equal(Number(moved.at_stop), OPEN_ORDERS + 6000, "and every stop level with it");
    assert.equal(e4((await orderNow(hog, sample.id)).stop_price), e4("84.9"));
    await pg.psql(`update orders set status = 'canceled', canceled_at = now() where account_id = ${hogAccount} and client_order_id like 'far-%'`);
    assert.equal((await hog.del("/v2/orders")).status, 207);
    await setPrice(server, "MSFT", "50");
  });

  test("watchlists per player and symbols per watchlist hold under parallel requests", async () => {
    const c = await player();
    const lists = await Promise.all(Array.from({ length: 20 }, (_, i) => c.post("/v2/watchlists", { name: `list ${i}` })));
    assert.deepEqual(tally(lists), { 200: WATCHLISTS, "403 too_many_watchlists": 20 - WATCHLISTS });
    assert.equal((await c.get("/v2/watchlists")).json.length, WATCHLISTS);
    const id = lists.find((r) => r.status === 200).json.id;
    const symbols = (await c.get("/v2/assets")).json.map((a) => a.symbol).slice(0, 20);
    assert.ok(symbols.length > WATCHLIST_SIZE + 1, `only ${symbols.length} symbols`);
    const adds = await Promise.all(symbols.map((symbol) => c.post(`/v2/watchlists/${id}`, { symbol })));
    assert.deepEqual(tally(adds), { 200: WATCHLIST_SIZE, "403 watchlist_full": symbols.length - WATCHLIST_SIZE });
    const full = (await c.get(`/v2/watchlists/${id}`)).json;
    assert.equal(full.assets.length, WATCHLIST_SIZE);
    // Adding one already there is no growth; a whole list too long is refused, nothing changes.
    const again = await c.post(`/v2/watchlists/${id}`, { symbol: full.assets[0].symbol });
    assert.equal(again.status, 200, again.body);
    const tooLong = await c.send("PUT", `/v2/watchlists/${id}`, { body: { symbols: symbols.slice(0, WATCHLIST_SIZE + 1) } });
    assert.equal(tooLong.status, 403, tooLong.body);
    assert.equal(tooLong.json.code, "watchlist_full");
    assert.deepEqual((await c.get(`/v2/watchlists/${id}`)).json.assets.map((a) => a.symbol), full.assets.map((a) => a.symbol));
    // Deleting one makes room; a new one with too many symbols is still refused.
    assert.equal((await c.del(`/v2/watchlists/${id}`)).status, 204);
    const crowded = await c.post("/v2/watchlists", { name: "crowded", symbols: symbols.slice(0, WATCHLIST_SIZE + 1) });
    assert.equal(crowded.status, 403, crowded.body);
    assert.equal(crowded.json.code, "watchlist_full");
    const fits = await c.post("/v2/watchlists", { name: "fits", symbols: symbols.slice(0, WATCHLIST_SIZE) });
    assert.equal(fits.status, 200, fits.body);
  });

  test("API keys per player hold under parallel creates", async () => {
    const c = await player();
    const made = await Promise.all(Array.from({ length: 12 }, (_, i) => c.post("/api/account/keys", { name: `bot ${i}` })));
    assert.deepEqual(tally(made), { 201: API_KEYS, "403 too_many_api_keys": 12 - API_KEYS });
    assert.equal((await c.get("/api/account/keys")).json.keys.length, API_KEYS);
    const id = made.find((r) => r.status === 201).json.id;
    assert.equal((await c.del(`/api/account/keys/${id}`)).status, 204);
    assert.equal((await c.post("/api/account/keys", { name: "again" })).status, 201, "a revoked key frees its place");
  });

  test("/v2 with a session cookie has a per-player budget a minute, like an API key's", async () => {
    const c = await player();
    const key = await makeApiKey(c, "bot");
    const rs = await Promise.all(Array.from({ length: SESSION_RATE + 30 }, () => c.get("/v2/account")));
    assert.deepEqual(tally(rs), { 200: SESSION_RATE, "429 rate_limited": 30 });
    const ok = rs.find((r) => r.status === 200);
    assert.equal(ok.headers["x-ratelimit-limit"], String(SESSION_RATE));
    assert.match(ok.headers["x-ratelimit-remaining"], /^\d+$/);
    const limited = rs.find((r) => r.status === 429);
    assert.equal(limited.headers["x-ratelimit-remaining"], "0");
    assert.ok(Number(limited.headers["retry-after"]) >= 1, "Retry-After");
    assert.ok(Number(limited.headers["x-ratelimit-reset"]) * 1000 > Date.now() - 5_000, "X-RateLimit-Reset is when the window ends");
    // Per player: the same player signed in elsewhere shares it; another player does not, nor
    // does the player's API key (a budget of its own), nor the player's non-/v2 routes.
    assert.equal((await c.get("/v2/orders")).status, 429);
    const elsewhere = new Client(server.url, { address: c.address });
    await elsewhere.me();
    assert.equal((await elsewhere.login(c.identity.email, c.identity.password)).status, 200);
    assert.equal((await elsewhere.get("/v2/positions")).status, 429);
    assert.equal((await (await player()).get("/v2/account")).status, 200);
    assert.equal((await c.get("/v2/account", { headers: key.headers })).status, 200);
    assert.equal((await c.get("/api/auth/me")).status, 200);
  });
});
