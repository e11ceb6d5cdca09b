// The official Alpaca SDK (@alpacahq/alpaca-trade-api, the 4.x rewrite) driven against marketsim
// with an API key, to prove wire compatibility from the client's side: only SDK calls trade, on a
// frozen market (one feed step an hour, prices set by the test hook) so every figure is exact.
// The SDK's facade has no base-URL option any more (3.x's `baseUrl`/`dataBaseUrl` are gone and
// silently ignored; the trading host is https://paper-api.alpaca.markets and the generated paths
// already start with /v2), so the client is pointed at marketsim the way the SDK documents for
// proxies: a `pre` middleware that swaps the origin and keeps method, path, query, headers and
// body as the SDK built them. The same middleware records every exchange, so a failure names the
// exact request the SDK sent and the answer it got. Covered: account, market and limit orders
// (with client_order_id), listing, lookup by id and by client id, replace, cancel (and cancel of
// a canceled order), positions, closing a position, a refused order, the SDK models' required
// fields, and the ledger's invariants.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Alpaca, ApiError, NotFoundError, PermissionError, ValidationError, trading } from "@alpacahq/alpaca-trade-api";
import { makeApiKey, signUp } from "../support/accounts.mjs";
import { e4, frozenMarket } from "../support/trading.mjs";

const ALPACA_PAPER = "https://paper-api.alpaca.markets";
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

// A middleware that sends the SDK's requests to `base` instead of Alpaca's paper host and keeps
// a record of each exchange in `wire`: { method, path, headers, body, status, answer }.
function toMarketsim(base, wire) {
  return {
    async pre({ url, init }) {
      const u = new URL(url);
      assert.equal(u.origin, ALPACA_PAPER, `the SDK addressed ${url}`);
      const headers = Object.fromEntries(new Headers(init.headers).entries());
      wire.push({ method: init.method, path: u.pathname + u.search, headers, body: init.body ?? null });
      return { url: base + u.pathname + u.search, init };
    },
    async post({ response }) {
      const last = wire.at(-1);
      last.status = response.status;
      last.answer = await response.clone().text();
    },
  };
}

// What the SDK sent and got in the last exchange, for failure messages.
function lastExchange(wire) {
  const x = wire.at(-1);
  if (!x) return "(no request was sent)";
  const h = { ...x.headers };
  for (const k of Object.keys(h)) if (/secret/i.test(k)) h[k] = "<secret>";
  return `${x.method} ${x.path}\n  headers ${JSON.stringify(h)}\n  body ${x.body}\n  -> ${x.status} ${String(x.answer).slice(0, 600)}`;
}

describe("the Alpaca SDK against marketsim", { timeout: 180_000 }, () => {
  const market = frozenMarket({ env: { MARKETSIM_API_RATE: "1000" }, prices: { AAPL: "100", MSFT: "50" } });

  // A signed-up player, an API key made through the browser session, and an SDK client with it.
  async function sdkClient() {
    const c = await signUp(market.server, market.pg);
    const key = await makeApiKey(c, "alpaca sdk");
    const wire = [];
    const alpaca = new Alpaca({
      keyId: key.key_id,
      secret: key.secret,
      paper: true,
      middleware: [toMarketsim(market.url, wire)],
      // SDK 4.0.2 never releases the 30 s per-attempt deadline timer of a call answered with
      // no body (deleteOrderByOrderID awaits the raw response and never calls value()), which
      // keeps the test process alive for 30 s after the last test: no client-side deadline.
      timeoutMs: 0,
    });
    // Runs one SDK call; on failure, names the request and answer.
    const call = async (label, fn) => {
      try {
        return await fn();
      } catch (err) {
        err.message = `${label}: ${err.message}\n${lastExchange(wire)}`;
        throw err;
      }
    };
    // Runs one SDK call that must be refused; returns the SDK's error.
    const refused = async (label, fn) => {
      let value;
      try {
        value = await fn();
      } catch (err) {
        assert.ok(err instanceof ApiError, `${label}: not an ApiError: ${err.stack}\n${lastExchange(wire)}`);
        return err;
      }
      assert.fail(`${label}: succeeded with ${JSON.stringify(value)}\n${lastExchange(wire)}`);
    };
    return { c, alpaca, wire, key, call, refused };
  }

  test("account, orders, replace, cancel and positions, through the SDK only", async () => {
    const { alpaca, wire, key, call, refused } = await sdkClient();
    const { account, orders, positions } = alpaca.trading;

    // Account: 100000 in cash, Alpaca's required fields present.
    const acct = await call("getAccount", () => account.getAccount());
    assert.ok(trading.instanceOfAccount(acct), JSON.stringify(acct));
    assert.match(acct.id, UUID);
    assert.equal(acct.status, "ACTIVE");
    assert.equal(acct.currency, "USD");
    assert.equal(e4(acct.cash), e4("100000"));
    assert.equal(e4(acct.buyingPower), e4("100000"));
    assert.equal(e4(acct.equity), e4("100000"));
    assert.equal(acct.tradingBlocked, false);
    // The key went in Alpaca's headers, nothing else identified the caller.
    assert.equal(wire[0].headers["apca-api-key-id"], key.key_id);
    assert.equal(wire[0].headers["apca-api-secret-key"], key.secret);
    assert.equal(wire[0].headers.cookie, undefined);
    assert.deepEqual([wire[0].method, wire[0].path, wire[0].status], ["GET", "/v2/account", 200]);

    // A market buy fills against the house at the ask.
    const buy = await call("orders.market", () => orders.market({ symbol: "AAPL", qty: 10, side: "buy" }));
    assert.equal(JSON.parse(wire.at(-1).body).time_in_force, "day");
    assert.ok(trading.instanceOfOrder(buy), JSON.stringify(buy));
    assert.match(buy.id, UUID);
    assert.equal(buy.symbol, "AAPL");
    assert.equal(buy.side, "buy");
    assert.equal(buy.type, "market");
    assert.equal(buy.orderType, "market");
    assert.equal(buy.timeInForce, "day");
    assert.equal(buy.assetClass, "us_equity");
    assert.equal(buy.status, "filled");
    assert.equal(buy.qty, "10");
    assert.equal(buy.filledQty, "10");
    assert.equal(e4(buy.filledAvgPrice), e4("100.01"));
    assert.ok(buy.submittedAt instanceof Date && !Number.isNaN(buy.submittedAt.getTime()));
    assert.ok(buy.filledAt instanceof Date && buy.filledAt >= buy.submittedAt);
    assert.ok(Math.abs(buy.submittedAt.getTime() - Date.now()) < 60_000, `submitted_at ${buy.submittedAt.toISOString()}`);
    assert.ok(typeof buy.clientOrderId === "string" && buy.clientOrderId.length > 0);

    // A limit buy below the market rests, with the client_order_id given.
    const cid = `sdk-${Date.now().toString(36)}`;
    const limit = await call("orders.limit", () =>
      orders.limit({ symbol: "MSFT", qty: 5, side: "buy", limitPrice: "45.5", timeInForce: "gtc", clientOrderId: cid }),
    );
    assert.deepEqual(JSON.parse(wire.at(-1).body), {
      client_order_id: cid,
      limit_price: "45.5",
      qty: "5",
      side: "buy",
      symbol: "MSFT",
      time_in_force: "gtc",
      type: "limit",
    });
    assert.equal(limit.status, "new");
    assert.equal(limit.clientOrderId, cid);
    assert.equal(limit.type, "limit");
    assert.equal(limit.timeInForce, "gtc");
    assert.equal(e4(limit.limitPrice), e4("45.5"));
    assert.equal(limit.filledQty, "0");
    assert.equal(limit.filledAvgPrice, undefined);
    assert.equal(limit.filledAt, undefined);

    // Open orders: the resting limit only (the market buy is filled).
    const open = await call("getAllOrders(open)", () => orders.getAllOrders({ status: "open", direction: "desc", limit: 50 }));
    assert.equal(wire.at(-1).path, "/v2/orders?status=open&limit=50&direction=desc");
    assert.deepEqual(open.map((o) => [o.id, o.status]), [[limit.id, "new"]]);
    const closed = await call("getAllOrders(closed)", () => orders.getAllOrders({ status: "closed", symbols: ["AAPL", "MSFT"] }));
    assert.deepEqual(closed.map((o) => [o.id, o.status]), [[buy.id, "filled"]]);

    // Lookups by id and by client_order_id.
    const byId = await call("getOrderByOrderID", () => orders.getOrderByOrderID({ orderId: limit.id }));
    assert.equal(byId.id, limit.id);
    assert.equal(byId.status, "new");
    assert.equal(byId.clientOrderId, cid);
    const byCid = await call("getOrderByClientOrderId", () => orders.getOrderByClientOrderId({ clientOrderId: cid }));
    assert.equal(wire.at(-1).path, `/v2/orders:by_client_order_id?client_order_id=${cid}`);
    assert.equal(byCid.id, limit.id);
    assert.equal(e4(byCid.limitPrice), e4("45.5"));

    // Cash reserved by the open buy: buying power = cash - 5 × 45.5.
    const held = await call("getAccount", () => account.getAccount());
    assert.equal(e4(held.cash), e4("100000") - 10n * e4("100.01"));
    assert.equal(e4(held.buyingPower), e4(held.cash) - 5n * e4("45.5"));

    // Replace: a new order that replaces the old one, which becomes `replaced`.
    const replaced = await call("patchOrderByOrderId", () =>
      orders.patchOrderByOrderId({ orderId: limit.id, patchOrderRequest: { qty: "8", limitPrice: "46" } }),
    );
    assert.deepEqual([wire.at(-1).method, wire.at(-1).path, JSON.parse(wire.at(-1).body)], ["PATCH", `/v2/orders/${limit.id}`, { qty: "8", limit_price: "46" }]);
    assert.notEqual(replaced.id, limit.id);
    assert.equal(replaced.replaces, limit.id);
    assert.equal(replaced.status, "new");
    assert.equal(replaced.qty, "8");
    assert.equal(e4(replaced.limitPrice), e4("46"));
    assert.equal(replaced.symbol, "MSFT");
    assert.equal(replaced.side, "buy");
    assert.equal(replaced.timeInForce, "gtc");
    const old = await call("getOrderByOrderID(old)", () => orders.getOrderByOrderID({ orderId: limit.id }));
    assert.equal(old.status, "replaced");
    assert.equal(old.replacedBy, replaced.id);
    assert.ok(old.replacedAt instanceof Date);
    const reserved = await call("getAccount", () => account.getAccount());
    assert.equal(e4(reserved.buyingPower), e4(reserved.cash) - 8n * e4("46"));

    // Cancel: 204 (the SDK resolves with nothing), then the order is canceled; canceling it
    // again is refused as Alpaca does (422).
    const none = await call("deleteOrderByOrderID", () => orders.deleteOrderByOrderID({ orderId: replaced.id }));
    assert.equal(none, undefined);
    assert.deepEqual([wire.at(-1).method, wire.at(-1).path, wire.at(-1).status], ["DELETE", `/v2/orders/${replaced.id}`, 204]);
    const canceled = await call("getOrderByOrderID(canceled)", () => orders.getOrderByOrderID({ orderId: replaced.id }));
    assert.equal(canceled.status, "canceled");
    assert.ok(canceled.canceledAt instanceof Date);
    const again = await refused("deleteOrderByOrderID(again)", () => orders.deleteOrderByOrderID({ orderId: replaced.id }));
    assert.ok(again instanceof ValidationError, `${again.name} ${again.status}`);
    assert.equal(again.status, 422);
    assert.deepEqual(await call("getAllOrders(open)", () => orders.getAllOrders({ status: "open" })), []);
    const freed = await call("getAccount", () => account.getAccount());
    assert.equal(e4(freed.buyingPower), e4(freed.cash));

    // Positions: 10 AAPL at 100.01, valued at 100.
    const all = await call("getAllOpenPositions", () => positions.getAllOpenPositions());
    assert.equal(all.length, 1);
    const [pos] = all;
    assert.equal(pos.symbol, "AAPL");
    assert.equal(pos.qty, "10");
    assert.equal(pos.qtyAvailable, "10");
    assert.equal(pos.side, "long");
    assert.equal(pos.assetClass, "us_equity");
    assert.match(pos.assetId, UUID);
    assert.equal(e4(pos.avgEntryPrice), e4("100.01"));
    assert.equal(e4(pos.costBasis), e4("1000.1"));
    assert.equal(e4(pos.marketValue), e4("1000"));
    assert.equal(e4(pos.currentPrice), e4("100"));
    assert.equal(e4(pos.unrealizedPl), -e4("0.1"));
    const one = await call("getOpenPosition", () => positions.getOpenPosition({ symbolOrAssetId: "AAPL" }));
    assert.equal(wire.at(-1).path, "/v2/positions/AAPL");
    assert.equal(one.qty, "10");
    assert.equal(one.assetId, pos.assetId);
    assert.equal(e4(one.costBasis), e4("1000.1"));

    // Closing the position sells it all at market, to the house at the bid.
    const close = await call("deleteOpenPosition", () => positions.deleteOpenPosition({ symbolOrAssetId: "AAPL" }));
    assert.deepEqual([wire.at(-1).method, wire.at(-1).path], ["DELETE", "/v2/positions/AAPL"]);
    assert.match(close.id, UUID);
    assert.equal(close.symbol, "AAPL");
    assert.equal(close.side, "sell");
    assert.equal(close.type, "market");
    assert.equal(close.qty, "10");
    const sold = await call("getOrderByOrderID(close)", () => orders.getOrderByOrderID({ orderId: close.id }));
    assert.equal(sold.status, "filled");
    assert.equal(sold.filledQty, "10");
    assert.equal(e4(sold.filledAvgPrice), e4("99.99"));
    assert.deepEqual(await call("getAllOpenPositions", () => positions.getAllOpenPositions()), []);
    const gone = await refused("getOpenPosition(closed)", () => positions.getOpenPosition({ symbolOrAssetId: "AAPL" }));
    assert.ok(gone instanceof NotFoundError, `${gone.name} ${gone.status}`);
    assert.equal(gone.status, 404);
    const last = await call("getAccount", () => account.getAccount());
    assert.equal(e4(last.cash), e4("100000") - 10n * e4("100.01") + 10n * e4("99.99"));
    assert.equal(e4(last.equity), e4(last.cash));

    // Every exchange was answered; only the two refusals above were not 2xx.
    assert.ok(wire.every((x) => typeof x.status === "number"));
    assert.deepEqual(wire.filter((x) => x.status >= 300).map((x) => x.status), [422, 404]);
  });

  test("a refused order surfaces as the SDK's typed error, and nothing is stored", async () => {
    const { alpaca, c } = await sdkClient();
    const before = Number((await market.pg.psql("select count(*) as n from orders"))[0].n);
    // 2000 × 100.01 exceeds the 100000 starting cash: Alpaca answers 403.
    let err;
    try {
      await alpaca.trading.orders.market({ symbol: "AAPL", qty: 2000, side: "buy" });
    } catch (e) {
      err = e;
    }
    assert.ok(err instanceof PermissionError, `${err?.name} ${err?.status} ${err?.message}`);
    assert.equal(err.status, 403);
    assert.match(err.message, /buying power/i);
    assert.equal(Number((await market.pg.psql("select count(*) as n from orders"))[0].n), before);
    assert.equal(e4((await c.get("/v2/account")).json.cash), e4("100000"));
  });

  test("answers carry every field the SDK's models require", async () => {
    const { alpaca, call } = await sdkClient();
    const order = await call("orders.market", () => alpaca.trading.orders.market({ symbol: "MSFT", qty: 2, side: "buy" }));
    assert.ok(trading.instanceOfOrder(order), JSON.stringify(order));
    const acct = await call("getAccount", () => alpaca.trading.account.getAccount());
    assert.ok(trading.instanceOfAccount(acct), JSON.stringify(acct));
    const pos = await call("getOpenPosition", () => alpaca.trading.positions.getOpenPosition({ symbolOrAssetId: "MSFT" }));
    const required = ["assetClass", "assetId", "assetMarginable", "avgEntryPrice", "changeToday", "costBasis", "currentPrice", "exchange",
      "lastdayPrice", "marketValue", "qty", "side", "symbol", "unrealizedIntradayPl", "unrealizedIntradayPlpc", "unrealizedPl", "unrealizedPlpc"];
    assert.deepEqual(required.filter((k) => pos[k] === undefined), [], "position fields missing (Alpaca's Position model requires them)");
    assert.ok(trading.instanceOfPosition(pos));
  });
});
