// Trading under load and across failures, on a real PostgreSQL:
// - the bank test: 50 players trading concurrently from 32 clients (market and limit orders
//   that meet each other and the house, cancels) while the market ticks and 4 readers check
//   the ledger's invariants in single snapshots: every asset sums to zero, cash held equals
//   cash granted, no negative or over-reserved cash or shares;
// - open orders survive a restart and still react to prices afterwards;
// - kill -9 of the server in the middle of a burst of orders: after a restart every order that
//   got a 2xx is there as acknowledged, nothing is half-applied, the ledger balances.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { signUp } from "../support/accounts.mjs";
import { startPostgres } from "../support/pg.mjs";
import { startServer } from "../support/server.mjs";
import { assertLedgerSound, e4, ledgerState, orderNow, placeOrder, setPrice, waitForStatus } from "../support/trading.mjs";
import { sleep } from "../support/util.mjs";

// A deterministic pseudo-random sequence per client.
function rng(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe("trading durability", { timeout: 600_000 }, () => {
  let pg;
  before(async () => {
    pg = await startPostgres({ settings: { max_connections: "100" } });
  });
  after(async () => {
    await pg?.stop();
  });

  test("the bank test: 50 players, 32 clients, readers see the totals conserved at every read", async () => {
    // The market moves (100 ms ticks), so resting limits and stops also fill from ticks.
    const server = await startServer({ pg, env: { MARKETSIM_DB_POOL: "8", MARKETSIM_TRUSTED_PROXIES: "127.0.0.1" } });
    try {
      const players = [];
      for (let i = 0; i < 50; i += 1) players.push(await signUp(server, pg, undefined, { address: `10.1.${i}.1` }));
      const symbols = ["AAPL", "MSFT", "IBM", "AMZN"];
      const statuses = new Map();
      let stop = false;
      let reads = 0;
      const readers = Array.from({ length: 4 }, async () => {
        while (!stop) {
          assertLedgerSound(await ledgerState(pg), `read ${reads}`);
          reads += 1;
        }
      });
      const clients = Array.from({ length: 32 }, async (_, k) => {
        const next = rng(k + 1);
        const deadline = Date.now() + 15_000;
        while (Date.now() < deadline) {
          const p = players[Math.floor(next() * players.length)];
          const symbol = symbols[Math.floor(next() * symbols.length)];
          const roll = next();
          let r;
          if (roll < 0.35) {
            r = await placeOrder(p, { symbol, qty: 1 + Math.floor(next() * 20), side: "buy", type: "market", time_in_force: "day" });
          } else if (roll < 0.55) {
            const pos = await p.get(`/v2/positions/${symbol}`);
            const free = pos.status === 200 ? Number(pos.json.qty_available) : 0;
            if (free === 0) continue;
            r = await placeOrder(p, { symbol, qty: 1 + Math.floor(next() * free), side: "sell", type: "market", time_in_force: "ioc" });
          } else if (roll < 0.62) {
            // Player with player: a sell at the price itself rests inside the house's spread as
            // the best ask, and another player's market buy sent right behind it takes it (each
            // tick moves the price by far more than the spread, so orders that meet by chance
            // are rare: a tick between the two makes the house the better seller again; about one
            // pair in ten meets).
            const pos = await p.get(`/v2/positions/${symbol}`);
            if (pos.status !== 200 || Number(pos.json.qty_available) === 0) continue;
            const quote = await p.get(`/api/stocks/${symbol}`);
            const price = e4(quote.json.price);
            const text = `${price / 10000n}.${String(price % 10000n).padStart(4, "0")}`;
            const q = players[(players.indexOf(p) + 1) % players.length];
            const sell = placeOrder(p, { symbol, qty: 1, side: "sell", type: "limit", limit_price: text, time_in_force: "gtc" });
            await sleep(2);
            const buy = placeOrder(q, { symbol, qty: 1, side: "buy", type: "market", time_in_force: "day" });
            for (const answer of await Promise.all([sell, buy])) {
              assert.ok([200, 403].includes(answer.status), `order → ${answer.status} ${answer.body}`);
              statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
            }
            continue;
          } else if (roll < 0.9) {
            // Limits around the price: some rest, some meet other players' limits.
            const quote = await p.get(`/api/stocks/${symbol}`);
            const price = e4(quote.json.price);
            const side = next() < 0.5 ? "buy" : "sell";
            const offset = BigInt(Math.floor((next() - 0.5) * 200)) * 100n; // ± $1
            const limit = price + offset > 100n ? price + offset : price;
            const pos = side === "sell" ? await p.get(`/v2/positions/${symbol}`) : null;
            if (side === "sell" && (pos.status !== 200 || Number(pos.json.qty_available) === 0)) continue;
            const qty = side === "sell" ? 1 + Math.floor(next() * Number(pos.json.qty_available)) : 1 + Math.floor(next() * 10);
            const text = `${limit / 10000n}.${String(limit % 10000n).padStart(4, "0")}`;
            r = await placeOrder(p, { symbol, qty, side, type: "limit", limit_price: text, time_in_force: "gtc" });
          } else {
            const open = await p.get("/v2/orders?status=open&limit=5");
            if (open.json.length === 0) continue;
            r = await p.del(`/v2/orders/${open.json[0].id}`);
            assert.ok([204, 422].includes(r.status), `cancel → ${r.status} ${r.body}`);
            continue;
          }
          assert.ok([200, 403].includes(r.status), `order → ${r.status} ${r.body}`);
          statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
        }
      });
      await Promise.all(clients);
      stop = true;
      await Promise.all(readers);
      await sleep(500); // the last ticks' fills
      const end = await ledgerState(pg);
      assertLedgerSound(end, "at the end");
      assert.equal(end.granted, 50n * e4("100000"));
      const [{ fills }] = await pg.psql("select count(*) as fills from fills");
      const [{ both }] = await pg.psql("select count(*) as both from fills where buy_order is not null and sell_order is not null");
      console.log(`bank test: ${statuses.get(200) ?? 0} orders accepted, ${statuses.get(403) ?? 0} refused, ${fills} fills (${both} between players), ${reads} ledger reads`);
      assert.ok((statuses.get(200) ?? 0) > 200, "too few orders went through to test anything");
      // Trades between players are in the mix (the pairs above), but how many meet depends on
      // the ticks (2 to 17 in past runs, once 0), so it is reported, not asserted: matching
      // between players is asserted in trading-batches.test.mjs and trading.test.mjs.
      assert.ok(reads >= 20, `only ${reads} reads`);
    } finally {
      assert.equal(await server.stop("SIGTERM"), 0, server.tail(60));
    }
  });

  test("open orders survive a restart and still react to prices", async () => {
    let server = await startServer({ pg, env: { MARKETSIM_TICK_INTERVAL: "1h" } });
    const c = await signUp(server, pg);
    await setPrice(server, "IBM", "80");
    const r = await placeOrder(c, { symbol: "IBM", qty: 5, side: "buy", type: "limit", limit_price: "70", time_in_force: "gtc" });
    assert.equal(r.json.status, "new", r.body);
    assert.equal(await server.stop("SIGTERM"), 0, server.tail(60));
    server = await startServer({ pg, env: { MARKETSIM_TICK_INTERVAL: "1h" } });
    try {
      c.baseUrl = server.url;
      c.origin = server.url;
      const same = await orderNow(c, r.json.id);
      assert.equal(same.status, "new");
      assert.equal(e4((await c.get("/v2/account")).json.buying_power), e4("100000") - 5n * e4("70"));
      await setPrice(server, "IBM", "69");
      const filled = await waitForStatus(c, r.json.id, "filled");
      assert.equal(e4(filled.filled_avg_price), e4("70"));
    } finally {
      assert.equal(await server.stop("SIGTERM"), 0, server.tail(60));
    }
  });

  test("kill -9 during a burst of orders: every acknowledged order survives whole", async () => {
    let server = await startServer({ pg, env: { MARKETSIM_TICK_INTERVAL: "1h" } });
    const players = [];
    for (let i = 0; i < 8; i += 1) players.push(await signUp(server, pg));
    await setPrice(server, "MSFT", "50");
    const acknowledged = [];
    let failed = 0;
    let n = 0;
    const burst = players.map(async (p, k) => {
      for (let i = 0; i < 400; i += 1) {
        n += 1;
        const body = i % 3 === 2
          ? { symbol: "MSFT", qty: 1, side: "buy", type: "limit", limit_price: "1", time_in_force: "gtc", client_order_id: `burst-${k}-${i}` }
          : { symbol: "MSFT", qty: 1, side: "buy", type: "market", time_in_force: "day", client_order_id: `burst-${k}-${i}` };
        try {
          const r = await placeOrder(p, body);
          if (r.status === 200) acknowledged.push({ p, order: r.json });
          else failed += 1;
        } catch {
          return; // the server is gone
        }
      }
    });
    // Let the burst get going, then pull the plug.
    while (acknowledged.length < 60) await sleep(20);
    await server.stop("SIGKILL");
    await Promise.all(burst);
    console.log(`kill -9: ${acknowledged.length} orders acknowledged of ${n} sent before the kill (${failed} refused)`);
    server = await startServer({ pg, env: { MARKETSIM_TICK_INTERVAL: "1h" } });
    try {
      for (const { p } of acknowledged) {
        p.baseUrl = server.url;
        p.origin = server.url;
      }
      const rows = await pg.psql("select id::text as id, status, filled_qty from orders where client_order_id like 'burst-%'");
      const stored = new Map(rows.map((r) => [r.id, r]));
      for (const { order } of acknowledged) {
        const row = stored.get(order.id);
        assert.ok(row, `acknowledged order ${order.id} is gone`);
        assert.equal(row.status, order.status, `order ${order.id} changed status`);
        assert.equal(row.filled_qty, order.filled_qty);
      }
      // Whatever was in flight either committed whole or not at all.
      const [{ half }] = await pg.psql(`select count(*) as half from orders o where o.client_order_id like 'burst-%' and (
          (o.status = 'filled' and not exists (select 1 from fills f where f.buy_order = o.id))
          or (o.status = 'new' and o.reserve_price_e4 * o.qty <> o.reserve_price_e4 * (o.qty - o.filled_qty)))`);
      assert.equal(Number(half), 0, "a half-applied order");
      const [{ reserved_ok }] = await pg.psql(`select bool_and(a.reserved_e4 = coalesce((select sum(o.reserve_price_e4 * (o.qty - o.filled_qty))
          from orders o where o.account_id = a.id and o.status in ('new', 'partially_filled') and o.side = 'buy'), 0)) as reserved_ok
          from accounts a where a.kind = 'player'`);
      assert.equal(reserved_ok, "t", "reservations differ from the open orders");
      assertLedgerSound(await ledgerState(pg), "after kill -9");
      // And the server still trades.
      const again = await placeOrder(players[0], { symbol: "MSFT", qty: 1, side: "buy", type: "market", time_in_force: "day" });
      assert.equal(again.status, 200, again.body);
    } finally {
      assert.equal(await server.stop("SIGTERM"), 0, server.tail(60));
    }
  });
});
