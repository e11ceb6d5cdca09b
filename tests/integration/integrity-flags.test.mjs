// Anti-collusion flags (issue 11), each with a planted case, on a real PostgreSQL: the leader's
// integrity scan (every 300 ms here) flags
// - wash trading: two players who trade only with each other, through the order path (one rests
//   a sell inside the house's prices, the other's market buy takes it), five times;
// - off-market fills: a player-to-player fill priced 50% above the market's price at its market
//   time (the fill's price is moved after the fact: the matcher itself never trades so far off);
// - shared addresses: three players signing in from one address (X-Forwarded-For, with
//   127.0.0.1 trusted as a proxy).
// A player who only trades with the house, from an address of their own, stays unflagged. The
// flags show on the leaderboard's entries and, with their evidence, to admins only.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Client, makeAdmin, signUp } from "../support/accounts.mjs";
import { suiteStack } from "../support/stack.mjs";
import { placeOrder, setPrice, waitForStatus } from "../support/trading.mjs";
import { sleep, waitFor } from "../support/util.mjs";

describe("integrity flags: planted collusion is flagged", { timeout: 300_000 }, () => {
  const stack = suiteStack({
    env: {
      MARKETSIM_TICK_INTERVAL: "1h",
      MARKETSIM_EQUITY_SNAPSHOT: "300ms",
      MARKETSIM_INTEGRITY_SCAN: "300ms",
      MARKETSIM_TRUSTED_PROXIES: "127.0.0.1",
    },
  });

  const accountOf = async (client) => {
    const [{ id }] = await stack.pg.psql(`select id from accounts where user_id = ${client.user.id}`);
    return Number(id);
  };
  const flagsOf = async (account) =>
    (await stack.pg.psql(`select kind from account_flags where account_id = ${account} order by kind`)).map((r) => r.kind);

  // `seller` rests a sell of one share at 100.00 (the house buys at 99.99, sells at 100.01), and
  // `buyer`'s market buy takes it before the house's ask.
  async function tradeBetween(seller, buyer) {
    const sell = await placeOrder(seller, { symbol: "IBM", qty: "1", side: "sell", type: "limit", limit_price: "100.00", time_in_force: "gtc" });
    assert.equal(sell.status, 200, sell.body);
    const buy = await placeOrder(buyer, { symbol: "IBM", qty: "1", side: "buy", type: "market", time_in_force: "day" });
    assert.equal(buy.status, 200, buy.body);
    const filled = await waitForStatus(buyer, buy.json.id, "filled");
    assert.equal(filled.filled_avg_price, "100.00", "the buyer met the seller, not the house");
    await waitForStatus(seller, sell.json.id, "filled");
  }

  test("each planted case is flagged, an honest player is not", async () => {
    await setPrice(stack.server, "IBM", "100.00");

    const washA = await signUp(stack.server, stack.pg, undefined, { address: "10.1.0.1" });
    const washB = await signUp(stack.server, stack.pg, undefined, { address: "10.1.0.2" });
    const offC = await signUp(stack.server, stack.pg, undefined, { address: "10.1.0.3" });
    const offD = await signUp(stack.server, stack.pg, undefined, { address: "10.1.0.4" });
    const honest = await signUp(stack.server, stack.pg, undefined, { address: "10.1.0.5" });
    const shared = [];
    for (let i = 0; i < 3; i++) shared.push(await signUp(stack.server, stack.pg, undefined, { address: "10.2.0.9" }));

    // Shares to sell, bought from the house; the honest player trades only with the house.
    for (const who of [washA, offC, honest]) {
      const r = await placeOrder(who, { symbol: "IBM", qty: "10", side: "buy", type: "market", time_in_force: "day" });
      assert.equal(r.status, 200, r.body);
      await waitForStatus(who, r.json.id, "filled");
    }
    for (let i = 0; i < 5; i++) await tradeBetween(washA, washB);
    // C and D trade once (too few for wash trading), and that fill is then priced off-market.
    await tradeBetween(offC, offD);
    const [fill] = await stack.pg.psql(
      `select id, market_at is not null as timed from fills where sell_account = ${await accountOf(offC)} and buy_account is not null`,
    );
    assert.equal(fill.timed, "t", "the fill carries the market's time");
    await stack.pg.psql(`update fills set price_e4 = 1500000 where id = ${fill.id}`);
    for (const who of [washB, offD, ...shared]) assert.equal((await who.get("/v2/account")).status, 200);
    // The market's price of record, which the test hook's price does not write: IBM at 100.00
    // since long before any fill (the market is frozen: no tick comes after this). Then two
    // scans' time, so the flags read below are those of this history.
    await stack.pg.psql("delete from price_history where symbol = 'IBM'");
    await stack.pg.psql(
      "insert into price_history (seq, symbol, ts, price, volume) values ((select coalesce(max(seq), 0) + 1000000 from price_history), 'IBM', '1990-01-02 15:00+00', 100.00, 1)",
    );
    await sleep(1000);

    const a = await accountOf(washA), b = await accountOf(washB);
    const c = await accountOf(offC), d = await accountOf(offD), h = await accountOf(honest);
    const s = await Promise.all(shared.map(accountOf));
    await waitFor(async () => (await flagsOf(a)).length > 0 && (await flagsOf(c)).length > 0 && (await flagsOf(s[2])).length > 0, {
      timeout: 20_000,
      message: "the scan's flags",
    });
    assert.deepEqual(await flagsOf(a), ["wash_trading"]);
    assert.deepEqual(await flagsOf(b), ["wash_trading"]);
    assert.deepEqual(await flagsOf(c), ["off_market"]);
    assert.deepEqual(await flagsOf(d), ["off_market"]);
    for (const x of s) assert.deepEqual(await flagsOf(x), ["shared_address"]);
    assert.deepEqual(await flagsOf(h), [], "an honest player flagged");

    // Admins see the evidence; nobody else sees the list.
    const admin = await makeAdmin(stack.server, stack.pg);
    const list = await admin.get("/api/admin/flags");
    assert.equal(list.status, 200, list.body);
    const washOfA = list.json.flags.find((f) => f.account_id === a && f.kind === "wash_trading");
    assert.deepEqual(washOfA.detail.counterparties, [{ account: b, fills: 5, share: 1 }]);
    assert.equal(washOfA.user_tag, washA.user.user_tag);
    const offOfC = list.json.flags.find((f) => f.account_id === c);
    assert.equal(offOfC.detail.fills, 1);
    assert.equal(offOfC.detail.worst_deviation, 0.5);
    const sharedOne = list.json.flags.find((f) => f.account_id === s[0]);
    assert.equal(sharedOne.detail.accounts, 3);
    assert.ok(!JSON.stringify(list.json).includes("10.2.0.9"), "the address itself is not shown");
    assert.equal((await washA.get("/api/admin/flags")).status, 403);
    assert.equal((await new Client(stack.url).get("/api/admin/flags")).status, 401);

    // The leaderboard's entries carry the flags' names.
    const board = await waitFor(
      async () => {
        const r = (await new Client(stack.url).get("/api/leaderboard?period=all&limit=100")).json;
        return r.total >= 8 && r;
      },
      { timeout: 20_000, message: "everyone on the board" },
    );
    const entry = (account) => board.entries.find((e) => e.name === `Player #${account}`);
    assert.deepEqual(entry(a).flags, ["wash_trading"]);
    assert.deepEqual(entry(c).flags, ["off_market"]);
    assert.deepEqual(entry(s[1]).flags, ["shared_address"]);
    assert.deepEqual(entry(h).flags, []);

    // A flag that no longer holds is dropped at the next scan.
    await stack.pg.psql(`update fills set price_e4 = 1000000 where id = ${fill.id}`);
    await waitFor(async () => (await flagsOf(c)).length === 0, { timeout: 20_000, message: "the off-market flag dropped" });
    assert.deepEqual(await flagsOf(a), ["wash_trading"]);
  });
});
