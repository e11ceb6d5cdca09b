// The stock page's market activity (issue 11, section 5) against a real PostgreSQL: the tape of
// a symbol's trades (GET /api/stocks/{symbol}/trades) with who took each trade and whether it was
// between players (bots marked) or with the house, in order; the live `trade` event on a stream
// filtered to the symbol, on another instance than the one that filled the order; the book's
// bots' share of each level; the top holders among players with a public profile (weights,
// never shares); and bad symbols and limits answered with stable codes. A frozen market: only
// the test moves prices, so every figure is exact.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { Client, signUp } from "../support/accounts.mjs";
import { startServer } from "../support/server.mjs";
import { openStream } from "../support/sse.mjs";
import { frozenMarket, placeOrder, setPrice } from "../support/trading.mjs";
import { waitFor } from "../support/util.mjs";

const MARKET_TIME = "2005-01-04T15:00:00Z";

describe("market activity: the tape, the book's bots and the top holders", { timeout: 300_000 }, () => {
  const market = frozenMarket({ prices: { AAPL: "100", MSFT: "50" } });
  const anyone = () => new Client(market.url);
  const people = {};

  async function tape(symbol, query = "") {
    const r = await anyone().get(`/api/stocks/${symbol}/trades${query}`);
    assert.equal(r.status, 200, r.body);
    return r.json.trades;
  }
  // The tape as soon as it has `n` trades (a fill is heard on LISTEN at its commit).
  const tapeOf = (symbol, n) =>
    waitFor(async () => {
      const trades = await tape(symbol);
      return trades.length >= n && trades;
    }, { message: `${n} trades of ${symbol} on the tape` });

  async function filled(client, order) {
    const r = await placeOrder(client, { time_in_force: "day", ...order });
    assert.equal(r.status, 200, r.body);
    return r.json;
  }

  before(async () => {
    for (const name of ["seller", "buyer", "bot", "hidden"]) people[name] = await signUp(market.server, market.pg);
    // A bot is a user with a strategy (migrations/0008); it trades through the same order path.
    await market.pg.psql(`update users set bot_strategy = 'market_maker' where id = ${people.bot.user.id}`);
  });

  test("a house fill and player-to-player fills appear on the tape with their marks, newest first", async () => {
    const { seller, buyer, bot } = people;
    await setPrice(market.server, "AAPL", "100", MARKET_TIME);
    // 1: the seller buys 10 from the house (at its ask, 100.01): the buyer took it.
    const first = await filled(seller, { symbol: "AAPL", qty: 10, side: "buy", type: "market" });
    assert.equal(first.status, "filled");
    await filled(bot, { symbol: "AAPL", qty: 5, side: "buy", type: "market" });
    // 3: the seller's limit sell at 100 rests (the house's bid is 99.99); the buyer's market buy
    // takes 4 of it before the house's 100.01.
    const resting = await filled(seller, { symbol: "AAPL", qty: 4, side: "sell", type: "limit", limit_price: "100" });
    assert.equal(resting.status, "new");
    const took = await filled(buyer, { symbol: "AAPL", qty: 4, side: "buy", type: "market" });
    assert.equal(took.status, "filled");
    // 4: the bot quotes 2 at 99.995; the buyer sells into it (a seller took it).
    const quote = await filled(bot, { symbol: "AAPL", qty: 2, side: "buy", type: "limit", limit_price: "99.995" });
    assert.equal(quote.status, "new");
    // The book shows the bot's level as the bots'.
    const book = await anyone().get("/api/stocks/AAPL/book");
    assert.equal(book.status, 200, book.body);
    assert.deepEqual(book.json.bids.map((l) => [l.price, l.qty, l.orders, l.bot_qty, l.bot_orders]), [["99.995", "2", 1, "2", 1]]);
    await filled(buyer, { symbol: "AAPL", qty: 2, side: "sell", type: "market" });
    // 5: the buyer sells 1 more to the house (its bid, 99.99).
    await filled(buyer, { symbol: "AAPL", qty: 1, side: "sell", type: "market" });

    const trades = await tapeOf("AAPL", 5);
    const marks = trades.map((t) => [t.price, t.qty, t.taker, t.buyer, t.seller, t.house]);
    assert.deepEqual(marks, [
      ["99.99", "1", "sell", "house", "player", true],
      ["99.995", "2", "sell", "bot", "player", false],
      ["100.00", "4", "buy", "player", "player", false],
      ["100.01", "5", "buy", "bot", "house", true],
      ["100.01", "10", "buy", "player", "house", true],
    ]);
    // In trading order (ids increase), each at the market's time, not the wall clock's.
    const ids = trades.map((t) => t.id);
    assert.deepEqual([...ids].sort((a, b) => b - a), ids);
    assert.ok(trades.every((t) => t.time === MARKET_TIME), JSON.stringify(trades));
    // Public: no order, account or player is named.
    assert.deepEqual(Object.keys(trades[0]).sort(), ["buyer", "house", "id", "price", "qty", "seller", "taker", "time"]);
    // The limit cuts from the newest; another symbol's tape is its own.
    assert.deepEqual((await tape("AAPL", "?limit=2")).map((t) => t.id), ids.slice(0, 2));
    assert.deepEqual(await tape("MSFT"), []);
    // What the tape says is what the fills table holds.
    const [row] = await market.pg.psql("select count(*) as n, count(*) filter (where buy_order is not null and sell_order is not null) as p2p from fills where symbol = 'AAPL'");
    assert.equal(Number(row.n), 5);
    assert.equal(Number(row.p2p), 2);
  });

  test("a resting limit the market crosses is a house fill the house took", async () => {
    const { hidden } = people;
    await setPrice(market.server, "MSFT", "50", MARKET_TIME);
    const order = await filled(hidden, { symbol: "MSFT", qty: 3, side: "buy", type: "limit", limit_price: "49" });
    assert.equal(order.status, "new");
    await setPrice(market.server, "MSFT", "48.5", "2005-01-04T15:05:00Z");
    const [t] = await tapeOf("MSFT", 1);
    assert.deepEqual([t.price, t.qty, t.taker, t.buyer, t.seller, t.house, t.time], ["49.00", "3", "sell", "player", "house", true, "2005-01-04T15:05:00Z"]);
  });

  describe("live, on another instance", () => {
    let other;
    before(async () => {
      // A second instance on the same database, as behind a load balancer.
      other = await startServer({ pg: market.pg, env: { MARKETSIM_TICK_INTERVAL: "1h", MARKETSIM_FLUSH_INTERVAL: "1h" } });
    });
    after(async () => {
      if (other?.running) assert.equal(await other.stop("SIGTERM"), 0);
    });

    test("a trade event arrives on a stream filtered to its symbol, naming the trade before it", async () => {
      const aapl = await openStream(`${other.url}/api/stream?symbols=AAPL`);
      const msft = await openStream(`${other.url}/api/stream?symbols=MSFT`);
      try {
        assert.equal(aapl.status, 200);
        assert.equal(msft.status, 200);
        const [newest] = await tape("AAPL");
        // Filled on the first instance, heard on the other through PostgreSQL.
        await filled(people.seller, { symbol: "AAPL", qty: 1, side: "sell", type: "market" });
        await aapl.waitForCount(1, { type: "trade" });
        const [event] = aapl.ofType("trade");
        assert.equal(event.id, undefined, "a trade takes no tick sequence number");
        assert.deepEqual(
          [event.json.symbol, event.json.price, event.json.qty, event.json.taker, event.json.buyer, event.json.seller, event.json.house],
          ["AAPL", "99.99", "1", "sell", "house", "player", true],
        );
        assert.equal(event.json.previous_id, newest.id);
        assert.equal(event.json.time, MARKET_TIME);
        // The other instance's tape has it too.
        const there = await new Client(other.url).get("/api/stocks/AAPL/trades?limit=1");
        assert.equal(there.status, 200, there.body);
        assert.equal(there.json.trades[0].id, event.json.id);
        // An MSFT trade after it reaches the MSFT stream, which never saw AAPL's (the
        // notifications come in commit order on one connection).
        await filled(people.hidden, { symbol: "MSFT", qty: 1, side: "sell", type: "market" });
        await msft.waitForCount(1, { type: "trade" });
        assert.deepEqual(msft.ofType("trade").map((e) => e.json.symbol), ["MSFT"]);
        assert.equal(aapl.ofType("trade").length, 1);
      } finally {
        aapl.close();
        msft.close();
      }
    });
  });

  test("top holders: only players with a public profile and bots, by weight, never shares", async () => {
    const { seller, buyer, bot, hidden } = people;
    const pub = await seller.patch("/api/account/profile", { public_profile: true, display_name: "Ada" });
    assert.equal(pub.status, 200, pub.body);
    // The hidden player holds the most AAPL but has no public profile.
    await filled(hidden, { symbol: "AAPL", qty: 50, side: "buy", type: "market" });
    const r = await anyone().get("/api/stocks/AAPL/holders");
    assert.equal(r.status, 200, r.body);
    const holders = r.json.holders;
    const botName = (await market.pg.psql(`select display_name from users where id = ${bot.user.id}`))[0].display_name;
    // The seller holds 10 - 4 - 1 = 5 AAPL, the bot 5 + 2 = 7, the buyer (private) 1.
    assert.deepEqual(holders.map((h) => [h.name, h.bot]), [[botName, true], ["Ada", false]]);
    assert.equal(holders[0].strategy, "market_maker");
    assert.equal(holders[1].user_tag, seller.user.user_tag);
    for (const h of holders) {
      assert.deepEqual(Object.keys(h).filter((k) => !["name", "user_tag", "bot", "strategy", "weight"].includes(k)), []);
      assert.match(h.weight, /^0\.\d{4}$/);
    }
    // Ada: 5 AAPL at 100 of her equity, exactly (cash from the database, prices the test set).
    const [{ cash }] = await market.pg.psql(`select a.cash_e4 as cash from accounts a where a.user_id = ${seller.user.id}`);
    const equityE4 = BigInt(cash) + 5n * 1_000_000n;
    const ppm = (5n * 1_000_000n * 2_000_000n / equityE4 + 1n) / 2n;
    assert.equal(holders[1].weight, `0.${String((ppm + 50n) / 100n).padStart(4, "0")}`);
    assert.ok(!holders.some((h) => h.user_tag === hidden.user.user_tag || h.user_tag === buyer.user.user_tag));
    assert.deepEqual((await anyone().get("/api/stocks/AAPL/holders?limit=1")).json.holders.map((h) => h.name), [botName]);
  });

  test("bad symbols and limits: 4xx with a stable code, for each", async () => {
    const c = anyone();
    for (const [path, status, code] of [
      ["/api/stocks/ZZZZ/trades", 404, "not_found"],
      ["/api/stocks/ZZZZ/holders", 404, "not_found"],
      ["/api/stocks/AAPL/trades?limit=0", 400, "bad_request"],
      ["/api/stocks/AAPL/trades?limit=101", 400, "bad_request"],
      ["/api/stocks/AAPL/trades?limit=ten", 400, "bad_request"],
      ["/api/stocks/AAPL/trades?limit=-5", 400, "bad_request"],
      ["/api/stocks/AAPL/holders?limit=51", 400, "bad_request"],
      ["/api/stocks/AAPL/holders?limit=1.5", 400, "bad_request"],
    ]) {
      const r = await c.get(path);
      assert.equal(r.status, status, `${path}: ${r.body}`);
      assert.equal(r.json.code, code, path);
    }
    // A lower-case symbol is the same stock.
    assert.equal((await c.get("/api/stocks/aapl/trades?limit=1")).status, 200);
  });
});
