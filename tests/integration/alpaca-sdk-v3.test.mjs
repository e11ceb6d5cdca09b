// The Alpaca SDK 3.x (@alpacahq/alpaca-trade-api 3.1.3, installed as alpaca-trade-api-v3), which
// most existing bots are written against, driven against marketsim exactly as such a bot would
// be pointed at it: configuration only (`baseUrl` and `dataBaseUrl` set to the server, `keyId`,
// `secretKey`, `paper`), with no middleware, interceptor or patch. 3.x joins `baseUrl` + "/v2" +
// the endpoint for trading, and `dataBaseUrl` + "/v2/stocks/…" for market data, so both options
// take the bare origin. The market is frozen (one feed step an hour, prices set by the test
// hook), so every figure is exact. The requests are recorded from Node's own HTTP client
// (diagnostics_channel, which the SDK's axios ends in), and a failing call names the request the
// SDK made and the answer it got (axios keeps both on its error). Covered through SDK calls only:
// account, market and limit orders (with client_order_id), open orders, lookups by id and by
// client id, replace, cancel (twice: 422), a refused order (403), positions, closing one, fill
// activities (and their activity_types filter), portfolio history, clock, assets, watchlists,
// bars, snapshots, and the ledger's invariants after each test.
import assert from "node:assert/strict";
import diagnostics from "node:diagnostics_channel";
import { after, before, describe, test } from "node:test";
import Alpaca from "alpaca-trade-api-v3";
import { makeApiKey, signUp } from "../support/accounts.mjs";
import { e4, frozenMarket } from "../support/trading.mjs";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

// Every request Node's HTTP client sends with an Alpaca key header, per key:
// { method, path, headers, status }. Only observed, never altered.
const wires = new Map();
const pending = new WeakMap();
function onRequest({ request }) {
  const key = request.getHeader("apca-api-key-id");
  if (!key || !wires.has(key)) return;
  const x = { method: request.method, path: request.path, headers: { ...request.getHeaders() }, status: undefined };
  wires.get(key).push(x);
  pending.set(request, x);
}
function onResponse({ request, response }) {
  const x = pending.get(request);
  if (x) x.status = response.statusCode;
}

// A failing SDK call, as precisely as it can be told: the axios error's request and answer
// (trading calls), the SDK's message (data calls wrap the error in "code: …, message: …"), and
// the last request seen on the wire.
function describeFailure(err, wire) {
  const lines = [];
  if (err?.config) {
    const c = err.config;
    lines.push(`  sent ${String(c.method).toUpperCase()} ${c.url} params ${JSON.stringify(c.params ?? {})} body ${c.data ?? "(none)"}`);
  }
  if (err?.response) lines.push(`  -> ${err.response.status} ${JSON.stringify(err.response.data).slice(0, 600)}`);
  const x = wire.at(-1);
  if (x) lines.push(`  last on the wire: ${x.method} ${x.path} -> ${x.status}`);
  return lines.join("\n");
}

describe("the Alpaca SDK 3.x against marketsim, configured only", { timeout: 180_000 }, () => {
  before(() => {
    diagnostics.subscribe("http.client.request.start", onRequest);
    diagnostics.subscribe("http.client.response.finish", onResponse);
  });
  after(() => {
    diagnostics.unsubscribe("http.client.request.start", onRequest);
    diagnostics.unsubscribe("http.client.response.finish", onResponse);
  });
  const market = frozenMarket({ env: { MARKETSIM_API_RATE: "1000" }, prices: { AAPL: "100", MSFT: "50", IBM: "80" } });
  let pg;
  let server;
  before(() => ({ pg, server } = market));

  // A signed-up player, an API key made through the browser session, and a 3.x client configured
  // with it the way a bot's config file would do it.
  async function sdkClient() {
    const c = await signUp(server, pg);
    const key = await makeApiKey(c, "alpaca sdk 3.x");
    const wire = [];
    wires.set(key.key_id, wire);
    const alpaca = new Alpaca({
      keyId: key.key_id,
      secretKey: key.secret,
      paper: true,
      baseUrl: server.url,
      dataBaseUrl: server.url,
    });
    // Runs one SDK call; on failure, names the request and answer.
    const call = async (label, fn) => {
      try {
        return await fn();
      } catch (err) {
        err.message = `${label}: ${err.message}\n${describeFailure(err, wire)}`;
        throw err;
      }
    };
    // Runs one SDK call that must be refused; returns the axios error.
    const refused = async (label, fn) => {
      let value;
      try {
        value = await fn();
      } catch (err) {
        assert.ok(err?.response, `${label}: no HTTP answer: ${err?.stack}\n${describeFailure(err, wire)}`);
        return err;
      }
      assert.fail(`${label}: succeeded with ${JSON.stringify(value)}\n${describeFailure(null, wire)}`);
    };
    const last = () => wire.at(-1);
    return { c, alpaca, wire, last, key, call, refused };
  }

  test("the configuration is honoured: the SDK addresses marketsim with the key, and nothing else", async () => {
    const { alpaca, wire, key, call } = await sdkClient();
    assert.equal(alpaca.configuration.baseUrl, server.url);
    assert.equal(alpaca.configuration.dataBaseUrl, server.url);
    assert.equal(alpaca.configuration.apiVersion, "v2");
    const acct = await call("getAccount", () => alpaca.getAccount());
    assert.match(acct.id, UUID);
    assert.equal(acct.status, "ACTIVE");
    assert.equal(acct.currency, "USD");
    assert.equal(e4(acct.cash), e4("100000"));
    assert.equal(e4(acct.buying_power), e4("100000"));
    assert.equal(e4(acct.equity), e4("100000"));
    assert.equal(acct.trading_blocked, false);
    assert.equal(wire.length, 1);
    assert.deepEqual([wire[0].method, wire[0].path, wire[0].status], ["GET", "/v2/account", 200]);
    assert.equal(wire[0].headers.host, new URL(server.url).host);
    assert.equal(wire[0].headers["apca-api-key-id"], key.key_id);
    assert.equal(wire[0].headers["apca-api-secret-key"], key.secret);
    assert.equal(wire[0].headers.cookie, undefined);
  });

  test("orders, replace, cancel, positions, activities and history, through the SDK only", async () => {
    const { alpaca, wire, last, call, refused } = await sdkClient();

    // A market buy fills against the house at the ask (price + 0.01), as a bot writes it.
    const buy = await call("createOrder(market)", () =>
      alpaca.createOrder({ symbol: "AAPL", qty: 10, side: "buy", type: "market", time_in_force: "day" }),
    );
    assert.deepEqual([last().method, last().path, last().status], ["POST", "/v2/orders", 200]);
    assert.match(buy.id, UUID);
    assert.equal(buy.symbol, "AAPL");
    assert.equal(buy.side, "buy");
    assert.equal(buy.type, "market");
    assert.equal(buy.time_in_force, "day");
    assert.equal(buy.asset_class, "us_equity");
    assert.equal(buy.status, "filled");
    assert.equal(buy.qty, "10");
    assert.equal(buy.filled_qty, "10");
    assert.equal(e4(buy.filled_avg_price), e4("100.01"));
    assert.ok(typeof buy.client_order_id === "string" && buy.client_order_id.length > 0);
    const filled = await call("getAccount", () => alpaca.getAccount());
    assert.equal(e4(filled.cash), e4("100000") - 10n * e4("100.01"));
    assert.equal(e4(filled.cash), e4("98999.9"));

    // A limit buy below the market rests, with the client_order_id given (numbers, as bots send).
    const cid = `v3-${Date.now().toString(36)}`;
    const limit = await call("createOrder(limit)", () =>
      alpaca.createOrder({ symbol: "MSFT", qty: 5, side: "buy", type: "limit", limit_price: 45.5, time_in_force: "gtc", client_order_id: cid }),
    );
    assert.equal(limit.status, "new");
    assert.equal(limit.client_order_id, cid);
    assert.equal(limit.type, "limit");
    assert.equal(limit.time_in_force, "gtc");
    assert.equal(e4(limit.limit_price), e4("45.5"));
    assert.equal(limit.filled_qty, "0");
    assert.equal(limit.filled_avg_price, null);

    // Open orders: the resting limit only (the market buy is filled).
    const open = await call("getOrders(open)", () => alpaca.getOrders({ status: "open" }));
    assert.equal(last().path, "/v2/orders?status=open");
    assert.deepEqual(open.map((o) => [o.id, o.status]), [[limit.id, "new"]]);
    const closed = await call("getOrders(closed)", () => alpaca.getOrders({ status: "closed", direction: "asc", limit: 10 }));
    assert.equal(last().path, "/v2/orders?status=closed&limit=10&direction=asc");
    assert.deepEqual(closed.map((o) => [o.id, o.status]), [[buy.id, "filled"]]);

    // Lookups by id and by client_order_id.
    const byId = await call("getOrder", () => alpaca.getOrder(limit.id));
    assert.equal(last().path, `/v2/orders/${limit.id}`);
    assert.equal(byId.id, limit.id);
    assert.equal(byId.status, "new");
    assert.equal(byId.client_order_id, cid);
    const byCid = await call("getOrderByClientId", () => alpaca.getOrderByClientId(cid));
    assert.equal(last().path, `/v2/orders:by_client_order_id?client_order_id=${cid}`);
    assert.equal(byCid.id, limit.id);
    assert.equal(e4(byCid.limit_price), e4("45.5"));

    // Cash reserved by the open buy: buying power = cash - 5 × 45.5.
    const held = await call("getAccount", () => alpaca.getAccount());
    assert.equal(e4(held.cash), e4("98999.9"));
    assert.equal(e4(held.buying_power), e4(held.cash) - 5n * e4("45.5"));

    // Replace: a new order that replaces the old one, which becomes `replaced`.
    const replaced = await call("replaceOrder", () => alpaca.replaceOrder(limit.id, { qty: 8, limit_price: 46 }));
    assert.deepEqual([last().method, last().path, last().status], ["PATCH", `/v2/orders/${limit.id}`, 200]);
    assert.notEqual(replaced.id, limit.id);
    assert.equal(replaced.replaces, limit.id);
    assert.equal(replaced.status, "new");
    assert.equal(replaced.qty, "8");
    assert.equal(e4(replaced.limit_price), e4("46"));
    assert.equal(replaced.symbol, "MSFT");
    assert.equal(replaced.side, "buy");
    assert.equal(replaced.time_in_force, "gtc");
    const old = await call("getOrder(old)", () => alpaca.getOrder(limit.id));
    assert.equal(old.status, "replaced");
    assert.equal(old.replaced_by, replaced.id);
    const reserved = await call("getAccount", () => alpaca.getAccount());
    assert.equal(e4(reserved.buying_power), e4(reserved.cash) - 8n * e4("46"));

    // Cancel: 204 (axios hands the SDK an empty body), then the order is canceled; canceling it
    // again is refused as Alpaca does (422). 3.x sends DELETE with an empty content-type header.
    const none = await call("cancelOrder", () => alpaca.cancelOrder(replaced.id));
    assert.equal(none, "");
    assert.deepEqual([last().method, last().path, last().status], ["DELETE", `/v2/orders/${replaced.id}`, 204]);
    assert.equal(last().headers["content-type"], "");
    const canceled = await call("getOrder(canceled)", () => alpaca.getOrder(replaced.id));
    assert.equal(canceled.status, "canceled");
    assert.ok(canceled.canceled_at);
    const again = await refused("cancelOrder(again)", () => alpaca.cancelOrder(replaced.id));
    assert.equal(again.response.status, 422, describeFailure(again, wire));
    assert.equal(typeof again.response.data.message, "string");
    assert.deepEqual(await call("getOrders(open)", () => alpaca.getOrders({ status: "open" })), []);
    const freed = await call("getAccount", () => alpaca.getAccount());
    assert.equal(e4(freed.buying_power), e4(freed.cash));

    // Positions: 10 AAPL at 100.01, valued at 100.
    const all = await call("getPositions", () => alpaca.getPositions());
    assert.equal(last().path, "/v2/positions");
    assert.equal(all.length, 1);
    const [pos] = all;
    assert.equal(pos.symbol, "AAPL");
    assert.equal(pos.qty, "10");
    assert.equal(pos.side, "long");
    assert.equal(pos.asset_class, "us_equity");
    assert.match(pos.asset_id, UUID);
    assert.equal(e4(pos.avg_entry_price), e4("100.01"));
    assert.equal(e4(pos.cost_basis), e4("1000.1"));
    assert.equal(e4(pos.market_value), e4("1000"));
    assert.equal(e4(pos.current_price), e4("100"));
    assert.equal(e4(pos.unrealized_pl), -e4("0.1"));
    const one = await call("getPosition", () => alpaca.getPosition("AAPL"));
    assert.equal(last().path, "/v2/positions/AAPL");
    assert.equal(one.qty, "10");
    assert.equal(one.asset_id, pos.asset_id);

    // Closing the position sells it all at market, to the house at the bid (price - 0.01).
    const close = await call("closePosition", () => alpaca.closePosition("AAPL"));
    assert.deepEqual([last().method, last().path, last().status], ["DELETE", "/v2/positions/AAPL", 200]);
    assert.match(close.id, UUID);
    assert.equal(close.symbol, "AAPL");
    assert.equal(close.side, "sell");
    assert.equal(close.type, "market");
    assert.equal(close.qty, "10");
    const sold = await call("getOrder(close)", () => alpaca.getOrder(close.id));
    assert.equal(sold.status, "filled");
    assert.equal(e4(sold.filled_avg_price), e4("99.99"));
    assert.deepEqual(await call("getPositions", () => alpaca.getPositions()), []);
    const gone = await refused("getPosition(closed)", () => alpaca.getPosition("AAPL"));
    assert.equal(gone.response.status, 404, describeFailure(gone, wire));
    const end = await call("getAccount", () => alpaca.getAccount());
    assert.equal(e4(end.cash), e4("100000") - 10n * e4("100.01") + 10n * e4("99.99"));
    assert.equal(e4(end.cash), e4("99999.8"));
    assert.equal(e4(end.equity), e4(end.cash));

    // Fill activities: the buy and the closing sell, newest first (Alpaca's default).
    const fills = await call("getAccountActivities(FILL)", () => alpaca.getAccountActivities({ activityTypes: "FILL" }));
    assert.equal(last().path, "/v2/account/activities?activity_types=FILL");
    assert.deepEqual(
      fills.map((a) => [a.activity_type, a.order_id, a.symbol, a.side, a.qty, a.price, a.type]),
      [
        ["FILL", close.id, "AAPL", "sell", "10", fills[0].price, "fill"],
        ["FILL", buy.id, "AAPL", "buy", "10", fills[1].price, "fill"],
      ],
    );
    assert.equal(e4(fills[0].price), e4("99.99"));
    assert.equal(e4(fills[1].price), e4("100.01"));

    // Portfolio history: parallel arrays, the last point the current equity.
    const hist = await call("getPortfolioHistory", () => alpaca.getPortfolioHistory({ period: "1D", timeframe: "1Min" }));
    assert.equal(last().path, "/v2/account/portfolio/history?period=1D&timeframe=1Min");
    const n = hist.timestamp.length;
    assert.ok(n >= 1);
    for (const k of ["equity", "profit_loss", "profit_loss_pct"]) assert.equal(hist[k].length, n, k);
    assert.equal(hist.timeframe, "1Min");
    assert.equal(hist.equity[n - 1], 99999.8);
    assert.equal(hist.profit_loss[n - 1], Math.round((99999.8 - hist.base_value) * 1e4) / 1e4);

    // Every exchange was answered; only the two refusals above were not 2xx.
    assert.ok(wire.every((x) => typeof x.status === "number"), JSON.stringify(wire.map((x) => [x.path, x.status])));
    assert.deepEqual(wire.filter((x) => x.status >= 300).map((x) => x.status), [422, 404]);
  });

  test("activity_types selects the activities: another type than FILL answers none", async () => {
    const { alpaca, last, call } = await sdkClient();
    const buy = await call("createOrder(market)", () =>
      alpaca.createOrder({ symbol: "IBM", qty: 1, side: "buy", type: "market", time_in_force: "day" }),
    );
    assert.equal(buy.status, "filled");
    const both = await call("getAccountActivities([FILL,DIV])", () => alpaca.getAccountActivities({ activityTypes: ["FILL", "DIV"] }));
    assert.equal(last().path, "/v2/account/activities?activity_types=FILL,DIV");
    assert.deepEqual(both.map((a) => [a.activity_type, a.order_id]), [["FILL", buy.id]]);
    const divs = await call("getAccountActivities(DIV)", () => alpaca.getAccountActivities({ activityTypes: "DIV" }));
    assert.equal(last().path, "/v2/account/activities?activity_types=DIV");
    assert.deepEqual(
      divs.map((a) => a.activity_type),
      [],
      "GET /v2/account/activities?activity_types=DIV answered with FILL activities: marketsim ignores the activity_types query parameter (Alpaca filters by it; only /v2/account/activities/{type} filters here)",
    );
  });

  test("a refused order is an HTTP error the bot can read, and nothing is stored", async () => {
    const { alpaca, c } = await sdkClient();
    const before = Number((await pg.psql("select count(*) as n from orders"))[0].n);
    // 2000 × 100.01 exceeds the 100000 starting cash: Alpaca answers 403.
    let err;
    try {
      await alpaca.createOrder({ symbol: "AAPL", qty: 2000, side: "buy", type: "market", time_in_force: "day" });
    } catch (e) {
      err = e;
    }
    assert.equal(err?.response?.status, 403, `${err?.message}`);
    assert.match(err.response.data.message, /buying power/i);
    assert.equal(Number((await pg.psql("select count(*) as n from orders"))[0].n), before);
    assert.equal(e4((await c.get("/v2/account")).json.cash), e4("100000"));
  });

  test("clock, assets and watchlists", async () => {
    const { alpaca, last, call, refused, wire } = await sdkClient();

    const clock = await call("getClock", () => alpaca.getClock());
    assert.equal(last().path, "/v2/clock");
    assert.equal(typeof clock.is_open, "boolean");
    for (const k of ["timestamp", "next_open", "next_close"]) assert.ok(!Number.isNaN(Date.parse(clock[k])), `${k}: ${clock[k]}`);
    assert.ok(Date.parse(clock.next_open) > Date.parse(clock.timestamp));
    assert.ok(Date.parse(clock.next_close) > Date.parse(clock.timestamp));

    const assets = await call("getAssets", () => alpaca.getAssets({ status: "active" }));
    assert.equal(last().path, "/v2/assets?status=active");
    const aapl = assets.find((a) => a.symbol === "AAPL");
    assert.ok(aapl, "AAPL is listed");
    assert.equal(aapl.class, "us_equity");
    assert.equal(aapl.tradable, true);
    assert.equal(aapl.status, "active");
    assert.equal(assets.find((a) => a.symbol === "SPX")?.tradable, false, "an index is not tradable");
    const one = await call("getAsset", () => alpaca.getAsset("AAPL"));
    assert.equal(last().path, "/v2/assets/AAPL");
    assert.equal(one.id, aapl.id);
    assert.equal(one.symbol, "AAPL");
    const nope = await refused("getAsset(NOPE)", () => alpaca.getAsset("NOPE"));
    assert.equal(nope.response.status, 404, describeFailure(nope, wire));

    assert.deepEqual(await call("getWatchlists", () => alpaca.getWatchlists()), []);
    const made = await call("addWatchlist", () => alpaca.addWatchlist("tech", ["AAPL", "MSFT"]));
    assert.deepEqual([last().method, last().path, last().status], ["POST", "/v2/watchlists", 200]);
    assert.equal(made.name, "tech");
    assert.deepEqual(made.assets.map((a) => a.symbol), ["AAPL", "MSFT"]);
    const empty = await call("addWatchlist(no symbols)", () => alpaca.addWatchlist("empty"));
    assert.deepEqual(empty.assets, []);
    const added = await call("addToWatchlist", () => alpaca.addToWatchlist(made.id, "IBM"));
    assert.deepEqual([last().method, last().path], ["POST", `/v2/watchlists/${made.id}`]);
    assert.deepEqual(added.assets.map((a) => a.symbol), ["AAPL", "MSFT", "IBM"]);
    const removed = await call("deleteFromWatchlist", () => alpaca.deleteFromWatchlist(made.id, "MSFT"));
    assert.deepEqual([last().method, last().path, last().status], ["DELETE", `/v2/watchlists/${made.id}/MSFT`, 200]);
    assert.deepEqual(removed.assets.map((a) => a.symbol), ["AAPL", "IBM"]);
    const lists = await call("getWatchlists", () => alpaca.getWatchlists());
    assert.deepEqual(lists.map((w) => [w.id, w.name]).sort(), [[made.id, "tech"], [empty.id, "empty"]].sort());
    const fetched = await call("getWatchlist", () => alpaca.getWatchlist(made.id));
    assert.deepEqual(fetched.assets.map((a) => a.symbol), ["AAPL", "IBM"]);
    for (const w of [made, empty]) {
      const del = await call("deleteWatchlist", () => alpaca.deleteWatchlist(w.id));
      assert.equal(del, "");
      assert.deepEqual([last().method, last().path, last().status], ["DELETE", `/v2/watchlists/${w.id}`, 204]);
    }
    assert.deepEqual(await call("getWatchlists", () => alpaca.getWatchlists()), []);
    const gone = await refused("getWatchlist(deleted)", () => alpaca.getWatchlist(made.id));
    assert.equal(gone.response.status, 404, describeFailure(gone, wire));
  });

  test("market data v2 at dataBaseUrl: bars, snapshot and snapshots", async () => {
    const { c, alpaca, last, call } = await sdkClient();

    // Bars through the SDK's paging iterator, against the same request made by hand. (Prices set
    // by the test hook move quotes, not the tick history, so these are the replay's own bars.)
    const tf = alpaca.newTimeframe(1, alpaca.timeframeUnit.MIN);
    assert.equal(tf, "1Min");
    const bars = await call("getBarsV2", async () => {
      const out = [];
      for await (const b of alpaca.getBarsV2("AAPL", { timeframe: tf, limit: 5 })) out.push(b);
      return out;
    });
    assert.deepEqual([last().method, last().path, last().status], ["GET", "/v2/stocks/AAPL/bars?timeframe=1Min&limit=5", 200]);
    const raw = await c.get("/v2/stocks/AAPL/bars?timeframe=1Min&limit=5");
    assert.equal(raw.status, 200, raw.body);
    assert.ok(raw.json.bars.length >= 1, "AAPL has the replay's first bar");
    const fields = (b) => [b.Timestamp, b.OpenPrice, b.HighPrice, b.LowPrice, b.ClosePrice, b.Volume];
    assert.deepEqual(bars.map(fields), raw.json.bars.map((b) => [b.t, b.o, b.h, b.l, b.c, b.v]));
    for (const b of bars) {
      assert.ok(!Number.isNaN(Date.parse(b.Timestamp)), b.Timestamp);
      assert.ok(b.LowPrice <= b.OpenPrice && b.OpenPrice <= b.HighPrice && b.LowPrice <= b.ClosePrice && b.ClosePrice <= b.HighPrice);
    }
    const daily = await call("getBarsV2(1Day)", async () => {
      const out = [];
      for await (const b of alpaca.getBarsV2("AAPL", { timeframe: alpaca.newTimeframe(1, alpaca.timeframeUnit.DAY) })) out.push(b);
      return out;
    });
    assert.equal(last().path, "/v2/stocks/AAPL/bars?timeframe=1Day");
    const rawDaily = await c.get("/v2/stocks/AAPL/bars?timeframe=1Day");
    assert.deepEqual(daily.map(fields), rawDaily.json.bars.map((b) => [b.t, b.o, b.h, b.l, b.c, b.v]));
    assert.ok(daily.length >= 1);

    // Bars of several symbols in one request: the SDK groups them by symbol.
    const multi = await call("getMultiBarsV2", () => alpaca.getMultiBarsV2(["AAPL", "MSFT"], { timeframe: tf }));
    assert.deepEqual([last().method, last().path, last().status], ["GET", "/v2/stocks/bars?timeframe=1Min&limit=10000&symbols=AAPL,MSFT", 200]);
    const rawMulti = await c.get("/v2/stocks/bars?timeframe=1Min&symbols=AAPL,MSFT");
    assert.deepEqual([...multi.keys()].sort(), ["AAPL", "MSFT"]);
    for (const sym of ["AAPL", "MSFT"]) {
      assert.ok(multi.get(sym).every((b) => b.Symbol === sym));
      assert.deepEqual(multi.get(sym).map(fields), rawMulti.json.bars[sym].map((b) => [b.t, b.o, b.h, b.l, b.c, b.v]));
    }

    // One snapshot: the last trade at the set price, the house's bid and ask around it.
    const snap = await call("getSnapshot", () => alpaca.getSnapshot("AAPL"));
    assert.deepEqual([last().method, last().path, last().status], ["GET", "/v2/stocks/AAPL/snapshot", 200]);
    assert.equal(snap.symbol, "AAPL");
    assert.equal(snap.LatestTrade.Price, 100);
    assert.equal(snap.LatestQuote.AskPrice, 100.01);
    assert.equal(snap.LatestQuote.BidPrice, 99.99);
    assert.equal(snap.DailyBar.ClosePrice, 100);
    assert.ok(!Number.isNaN(Date.parse(snap.LatestTrade.Timestamp)));

    // Several: the SDK turns the symbol-keyed object into a list.
    const snaps = await call("getSnapshots", () => alpaca.getSnapshots(["AAPL", "MSFT"]));
    assert.deepEqual([last().method, last().path, last().status], ["GET", "/v2/stocks/snapshots?symbols=AAPL,MSFT", 200]);
    assert.deepEqual(snaps.map((s) => s.symbol).sort(), ["AAPL", "MSFT"]);
    const msft = snaps.find((s) => s.symbol === "MSFT");
    assert.equal(msft.LatestTrade.Price, 50);
    assert.equal(msft.LatestQuote.AskPrice, 50.01);
    assert.equal(msft.LatestQuote.BidPrice, 49.99);
    assert.equal(snaps.find((s) => s.symbol === "AAPL").LatestQuote.AskPrice, 100.01);
  });
});
