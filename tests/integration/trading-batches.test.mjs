// Group commit on a real PostgreSQL: orders of one symbol that arrive together run in one
// transaction (db::order_batches), each under its own savepoint, and each is answered only after
// that transaction committed. A psql session holds the symbol's row lock so that a whole crowd
// of orders is waiting when the lock is released, which makes the batch deterministic:
// - the crowd commits in one transaction (its rows share submitted_at, which is now(): the
//   transaction's start; xmin cannot tell, each order's savepoint has an xid of its own), and
//   orders of several symbols waiting together share one too;
// - an order the database refuses inside a batch (a CHECK on fills, hit after the order's own
//   row was written) is rolled back alone and answered 422, while the others commit whole;
// - kill -9 in the middle of a batch (a trigger slows each fill so the batch is surely half
//   written) leaves none of it acknowledged and none of it half there: the batch's COMMIT
//   travels with its writes, so PostgreSQL, which already has them all, commits it whole (the
//   players' retries with the same client_order_id then get those orders), and the ledger
//   balances.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { signUp } from "../support/accounts.mjs";
import { startPostgres } from "../support/pg.mjs";
import { startServer } from "../support/server.mjs";
import { assertLedgerSound, ledgerState, orderNow, placeOrder, setPrice } from "../support/trading.mjs";
import { sleep } from "../support/util.mjs";

const SYMBOL = "IBM";

// Waits until `n` backends of the marketsim role are waiting for a lock.
async function waitForLockWaiters(pg, n, timeout = 20_000) {
  const until = Date.now() + timeout;
  for (;;) {
    const [{ waiting }] = await pg.psql(
      "select count(*) as waiting from pg_stat_activity where usename = 'marketsim' and wait_event_type = 'Lock'",
    );
    if (Number(waiting) >= n) return;
    if (Date.now() > until) throw new Error(`only ${waiting} backends wait for a lock`);
    await sleep(20);
  }
}

// Sends `bodies` (one per player, all at once) while the symbol's row is locked, waits until
// the first batch is stuck behind the lock and the others queued behind it, then releases it.
async function crowd(pg, players, bodies, { holdMs = 400, whileLocked } = {}) {
  const lock = pg.session();
  await lock.run(`begin; select 1 from instruments where symbol = '${SYMBOL}' for update`);
  const answers = bodies.map((body, i) => placeOrder(players[i % players.length], body).catch((err) => ({ status: 0, error: err })));
  await waitForLockWaiters(pg, 1);
  await sleep(holdMs); // the rest of the crowd reaches the server and queues behind that batch
  if (whileLocked) await whileLocked();
  await lock.run("commit");
  await lock.close();
  return Promise.all(answers);
}

describe("trading: group commit", { timeout: 600_000 }, () => {
  let pg;
  let server;
  let players = [];
  before(async () => {
    pg = await startPostgres();
    // One pool connection: one batch at a time, so what waits behind a stuck batch is taken
    // together, whatever its symbols.
    server = await startServer({ pg, env: { MARKETSIM_TICK_INTERVAL: "1h", MARKETSIM_DB_POOL: "1" } });
    for (let i = 0; i < 12; i += 1) players.push(await signUp(server, pg));
    await setPrice(server, SYMBOL, "20");
    await setPrice(server, "MSFT", "30");
    await setPrice(server, "AAPL", "40");
  });
  after(async () => {
    if (server) assert.equal(await server.stop("SIGTERM"), 0, server.tail(60));
    await pg?.stop();
  });

  test("a crowd of orders on one symbol commits in one transaction, each answered after it", async () => {
    const bodies = Array.from({ length: 36 }, (_, i) => ({
      symbol: SYMBOL, qty: 1, side: "buy", type: "market", time_in_force: "day", client_order_id: `crowd-${i}`,
    }));
    const answers = await crowd(pg, players, bodies);
    for (const a of answers) assert.equal(a.status, 200, a.body);
    const groups = await pg.psql(
      "select submitted_at::text as tx, count(*)::int as n from orders where client_order_id like 'crowd-%' group by 1 order by 2 desc",
    );
    const total = groups.reduce((sum, g) => sum + Number(g.n), 0);
    assert.equal(total, 36);
    // The first batch (whatever had arrived when a pool thread took it) waited on the lock; the
    // rest queued behind it and rode together: a handful of transactions for 36 orders.
    assert.ok(groups.length <= 6 && Number(groups[0].n) >= 10, `batches: ${JSON.stringify(groups)}`);
    // Each answer is the order as committed: filled, with its fill.
    const [{ filled }] = await pg.psql(
      "select count(*) as filled from orders o where client_order_id like 'crowd-%' and status = 'filled' and exists (select 1 from fills f where f.buy_order = o.id)",
    );
    assert.equal(Number(filled), 36);
    assertLedgerSound(await ledgerState(pg), "after the crowd");
  });

  test("orders of several symbols that wait together share a transaction", async () => {
    const symbols = [SYMBOL, "MSFT", "AAPL"];
    const bodies = Array.from({ length: 30 }, (_, i) => ({
      symbol: symbols[i % 3], qty: 1, side: "buy", type: "market", time_in_force: "day", client_order_id: `multi-${i}`,
    }));
    const answers = await crowd(pg, players, bodies);
    for (const a of answers) assert.equal(a.status, 200, a.body);
    const groups = await pg.psql(
      "select submitted_at::text as tx, count(*)::int as n, count(distinct symbol)::int as symbols from orders where client_order_id like 'multi-%' group by 1 order by 2 desc",
    );
    assert.equal(groups.reduce((sum, g) => sum + Number(g.n), 0), 30);
    assert.ok(groups.some((g) => Number(g.symbols) >= 2), `no transaction held two symbols: ${JSON.stringify(groups)}`);
    assertLedgerSound(await ledgerState(pg), "after the multi-symbol crowd");
  });

  test("a batch across symbols sees each player's own position in every symbol", async () => {
    // The batch reads the submitters' positions in all its symbols with their accounts' lock and
    // moves from symbol to symbol on what it read: AAPL first (symbol order), then IBM, then
    // MSFT. Each player sells exactly what it holds of MSFT (allowed) and one share more than it
    // holds of AAPL (refused): wrong positions (another symbol's, none, or stale ones) would
    // turn one of them around.
    const sellers = players.slice(0, 6);
    for (const [i, p] of sellers.entries()) {
      for (const symbol of ["AAPL", "MSFT"]) {
        const r = await placeOrder(p, { symbol, qty: i + 1, side: "buy", type: "market", time_in_force: "day" });
        assert.equal(r.status, 200, r.body);
      }
    }
    const held = async (p, symbol) => Number((await (await p.get(`/v2/positions/${symbol}`)).json).qty);
    const holdings = [];
    for (const p of sellers) holdings.push({ aapl: await held(p, "AAPL"), msft: await held(p, "MSFT") });
    // Resting bids of another player in both symbols the batch sells, above the house's bids
    // (29.99 and 39.99): the batch reads both books in one statement, and only MSFT's is met.
    const bidder = players[11];
    const restingBid = async (symbol, limit) => {
      const r = await placeOrder(bidder, { symbol, qty: 1, side: "buy", type: "limit", limit_price: limit, time_in_force: "day" });
      assert.equal(r.status, 200, r.body);
      assert.equal(r.json.status, "new", r.body);
      return r.json.id;
    };
    const msftBid = await restingBid("MSFT", "30.00");
    const aaplBid = await restingBid("AAPL", "40.00");
    // An IBM buy first, stuck on IBM's lock: whatever the first batch does not take rides in
    // the next one, and each seller's IBM buy after its sells keeps IBM in that batch too.
    const orders = [{ p: sellers[0], body: { symbol: SYMBOL, qty: 1, side: "buy", type: "market", time_in_force: "day", client_order_id: "across-ibm-first" } }];
    for (const [i, h] of holdings.entries()) {
      orders.push({ p: sellers[i], body: { symbol: "MSFT", qty: h.msft, side: "sell", type: "market", time_in_force: "day", client_order_id: `across-msft-${i}` } });
      orders.push({ p: sellers[i], body: { symbol: "AAPL", qty: h.aapl + 1, side: "sell", type: "market", time_in_force: "day", client_order_id: `across-aapl-${i}` } });
      orders.push({ p: sellers[i], body: { symbol: SYMBOL, qty: 1, side: "buy", type: "market", time_in_force: "day", client_order_id: `across-ibm-${i}` } });
    }
    const answers = await crowd(pg, orders.map((o) => o.p), orders.map((o) => o.body), { holdMs: 600 });
    for (const [k, a] of answers.entries()) {
      const body = orders[k].body;
      if (body.symbol === "AAPL") {
        assert.equal(a.json?.code, "insufficient_qty", `${body.client_order_id}: ${a.status} ${a.body}`);
      } else {
        assert.equal(a.status, 200, `${body.client_order_id}: ${a.body}`);
        assert.equal(a.json.status, "filled", a.body);
      }
    }
    for (const p of sellers) {
      assert.equal((await p.get("/v2/positions/MSFT")).status, 404, "every MSFT share was sold");
    }
    for (const [i, p] of sellers.entries()) assert.equal(await held(p, "AAPL"), holdings[i].aapl);
    assert.equal((await orderNow(bidder, msftBid)).status, "filled", "the MSFT sells met the resting bid");
    assert.equal((await orderNow(bidder, aaplBid)).status, "new", "nothing sold AAPL");
    const [{ n }] = await pg.psql(`select count(*)::int as n from fills where buy_order = '${msftBid}' and price_e4 = 300000`);
    assert.equal(Number(n), 1);
    const groups = await pg.psql(
      "select submitted_at::text as tx, count(distinct symbol)::int as symbols from orders where client_order_id like 'across-%' group by 1",
    );
    assert.ok(groups.some((g) => Number(g.symbols) === 2), `no transaction held the IBM buys and the MSFT sells (the AAPL ones were refused, so not stored): ${JSON.stringify(groups)}`);
    assertLedgerSound(await ledgerState(pg), "after the batch across symbols");
  });

  test("a batch's orders meet the ones it rested before them, and each answer is the stored order", async () => {
    // IBM at 20: the house bids 19.99 and asks 20.01. Bids at 20.00 rest (they do not reach the
    // house's ask) and are better than the house's bid, so the sells that arrive after them in
    // the same batch must trade with them: the batch's view of the book must follow its own
    // orders. Every answer must also be the order as stored (the engine builds the row it
    // writes instead of reading it back).
    const buyers = players.slice(0, 4);
    const sellers = players.slice(4, 8);
    for (const p of sellers) {
      const r = await placeOrder(p, { symbol: SYMBOL, qty: 2, side: "buy", type: "market", time_in_force: "day" });
      assert.equal(r.status, 200, r.body);
    }
    const buys = buyers.map((_, i) => ({
      symbol: SYMBOL, qty: 2, side: "buy", type: "limit", limit_price: "20.00", time_in_force: "day", client_order_id: `rest-${i}`,
    }));
    const others = [
      ...sellers.map((_, i) => ({ symbol: SYMBOL, qty: 1, side: "sell", type: "limit", limit_price: "19.00", time_in_force: "day", client_order_id: `cross-${i}` })),
      { symbol: SYMBOL, qty: 10, side: "buy", type: "limit", limit_price: "19.00", time_in_force: "fok", client_order_id: "fok-0" },
      { symbol: SYMBOL, qty: 1, side: "sell", type: "stop", stop_price: "15.00", time_in_force: "gtc", client_order_id: "stop-0" },
    ];
    const owners = [...sellers, players[8], sellers[0]];
    // A first order is stuck on the symbol's lock, a batch of its own; the bids, then the sells,
    // queue behind it and run together, in that order.
    const lock = pg.session();
    await lock.run(`begin; select 1 from instruments where symbol = '${SYMBOL}' for update`);
    const blocker = { symbol: SYMBOL, qty: 1, side: "buy", type: "market", time_in_force: "day", client_order_id: "blocker-0" };
    const stuck = placeOrder(players[9], blocker);
    await waitForLockWaiters(pg, 1);
    const bidding = buys.map((body, i) => placeOrder(buyers[i], body));
    await sleep(300);
    const selling = others.map((body, i) => placeOrder(owners[i], body));
    await sleep(300);
    await lock.run("commit");
    await lock.close();
    const [blocked, first, second] = [await stuck, await Promise.all(bidding), await Promise.all(selling)];
    for (const a of [blocked, ...first, ...second]) assert.equal(a.status, 200, a.body);
    const groups = await pg.psql(
      "select submitted_at::text as tx, count(*)::int as n from orders where client_order_id like 'rest-%' or client_order_id like 'cross-%' group by 1 order by 2 desc",
    );
    assert.equal(Number(groups[0].n), 8, `the bids and sells did not share a batch: ${JSON.stringify(groups)}`);
    const p2p = await pg.psql(
      "select f.price_e4::text as price, (f.buy_account is not null) as player_bought from fills f join orders o on o.id = f.sell_order where o.client_order_id like 'cross-%'",
    );
    assert.equal(p2p.length, 4, JSON.stringify(p2p));
    for (const f of p2p) {
      assert.equal(f.player_bought, "t", `a sell went to the house past a better player bid: ${JSON.stringify(p2p)}`);
      assert.equal(f.price, "200000");
    }
    // Each answer is the stored order; the bids have traded since, so only what never changes.
    const changing = ["status", "filled_qty", "filled_avg_price", "filled_at", "updated_at"];
    const answered = [...first.map((a, i) => [buyers[i], a.json, true]), ...second.map((a, i) => [owners[i], a.json, false])];
    for (const [owner, answer, traded] of answered) {
      const stored = await orderNow(owner, answer.id);
      for (const [key, value] of Object.entries(answer)) {
        if (traded && changing.includes(key)) continue;
        assert.deepEqual(stored[key], value, `${answer.client_order_id}.${key}`);
      }
    }
    assert.equal(second[4].json.status, "canceled");
    assert.equal(second[5].json.status, "new");
    assertLedgerSound(await ledgerState(pg), "after the batch that met its own bids");
  });

  test("an order the database refuses inside a batch is rejected alone; the others commit", async () => {
    // qty 7 passes every check of the engine, writes its order row, and then its fill is refused
    // by this CHECK: its savepoint must take the order row back with it.
    await pg.psql("alter table fills add constraint test_refuse_seven check (qty <> 7)");
    try {
      const bodies = Array.from({ length: 30 }, (_, i) => ({
        symbol: SYMBOL, qty: i % 3 === 1 ? 7 : 1, side: "buy", type: "market", time_in_force: "day", client_order_id: `refuse-${i}`,
      }));
      const [{ before_entries }] = await pg.psql("select count(*) as before_entries from ledger");
      const answers = await crowd(pg, players, bodies);
      answers.forEach((a, i) => {
        if (bodies[i].qty === 7) {
          assert.equal(a.status, 422, `order ${i}: ${a.body}`);
          assert.equal(a.json.code, "unprocessable");
        } else {
          assert.equal(a.status, 200, `order ${i}: ${a.body}`);
          assert.equal(a.json.status, "filled");
        }
      });
      const rows = await pg.psql(
        "select submitted_at::text as tx, count(*)::int as n, min(seq) as first, max(seq) as last, bool_and(qty = 1) as ones from orders where client_order_id like 'refuse-%' group by 1",
      );
      assert.equal(rows.reduce((sum, r) => sum + Number(r.n), 0), 20, "only the 20 orders of one share are stored");
      assert.ok(rows.every((r) => r.ones === "t"));
      // A refused order took a number from the orders' sequence before its savepoint was rolled
      // back: a gap between committed orders of one transaction is a refused order that sat
      // between them.
      assert.ok(
        rows.some((r) => Number(r.last) - Number(r.first) + 1 > Number(r.n)),
        `no transaction held a refused order between committed ones: ${JSON.stringify(rows)}`,
      );
      const [{ after_entries }] = await pg.psql("select count(*) as after_entries from ledger");
      assert.equal(Number(after_entries) - Number(before_entries), 40, "two ledger rows per committed fill, none for the refused");
      assertLedgerSound(await ledgerState(pg), "after the refusals");
    } finally {
      await pg.psql("alter table fills drop constraint test_refuse_seven");
    }
  });

  test("the ledger applies a statement's transfers together and refuses what no balance allows", async () => {
    // The ledger's trigger nets each statement's transfers (migration 0007): two players swap
    // cash and shares in one statement; then transfers no balance allows are refused whole.
    const [a, b] = await pg.psql(
      "select a.id::text as id, a.cash_e4::text as cash, p.qty::text as shares from accounts a join positions p on p.account_id = a.id and p.symbol = 'IBM' where a.kind = 'player' and p.qty - p.reserved_qty >= 1 and a.cash_e4 - a.reserved_e4 >= 200000 order by a.id limit 2",
    );
    assert.ok(b, "two players holding IBM (the earlier tests bought it)");
    const fill = `insert into fills (symbol, price_e4, qty, buy_order, buy_account) values ('IBM', 200000, 1, (select id from orders where account_id = ${a.id} limit 1), ${a.id})`;
    const before = await ledgerState(pg);
    assertLedgerSound(before, "before the direct transfers");
    await pg.psql(`begin;
      ${fill};
      insert into ledger (kind, from_account, to_account, asset, amount, fill_id) values
        ('fill', ${a.id}, ${b.id}, 'USD', 200000, currval('fills_id_seq')),
        ('fill', ${b.id}, ${a.id}, 'IBM', 1, currval('fills_id_seq'));
      commit`).catch((err) => assert.fail(`a valid swap was refused: ${err.message}`));
    const [a2] = await pg.psql(`select cash_e4::text as cash, (select qty from positions where account_id = ${a.id} and symbol = 'IBM')::text as shares from accounts where id = ${a.id}`);
    assert.equal(BigInt(a2.cash), BigInt(a.cash) - 200000n);
    assert.equal(BigInt(a2.shares), BigInt(a.shares) + 1n);
    const refused = async (sql, label) => {
      await assert.rejects(pg.psql(`begin; ${fill}; ${sql}; commit`), /check constraint|violates/, label);
    };
    await refused(`insert into ledger (kind, from_account, to_account, asset, amount, fill_id) values ('fill', ${a.id}, ${b.id}, 'USD', ${BigInt(a2.cash) + 1n}, currval('fills_id_seq'))`, "more cash than the player has");
    const [{ symbol: never }] = await pg.psql(`select symbol from instruments where symbol not in (select symbol from positions where account_id = ${a.id}) order by symbol limit 1`);
    await refused(`insert into ledger (kind, from_account, to_account, asset, amount, fill_id) values ('fill', ${a.id}, ${b.id}, '${never}', 1, currval('fills_id_seq'))`, "shares of a symbol the player never held");
    await refused(`insert into ledger (kind, from_account, to_account, asset, amount, fill_id) values ('fill', ${a.id}, ${b.id}, 'IBM', ${BigInt(a2.shares) + 1n}, currval('fills_id_seq'))`, "more shares than the player holds");
    assertLedgerSound(await ledgerState(pg), "after the direct transfers");
  });

  test("kill -9 in the middle of a batch: none of it acknowledged, none of it half there", async () => {
    // Each fill takes 50 ms, so a batch of 30 orders is still being written 400 ms in.
    await pg.psql(`create function test_slow_fill() returns trigger language plpgsql as $$
      begin perform pg_sleep(0.05); return new; end $$;
      create trigger test_slow_fill before insert on fills for each row execute function test_slow_fill()`);
    try {
      const bodies = Array.from({ length: 30 }, (_, i) => ({
        symbol: SYMBOL, qty: 1, side: "buy", type: "market", time_in_force: "day", client_order_id: `midbatch-${i}`,
      }));
      const answers = bodies.map((body, i) => placeOrder(players[i % players.length], body).catch(() => ({ status: 0 })));
      // Wait until a batch is writing its fills (the slow trigger is running).
      const until = Date.now() + 20_000;
      for (;;) {
        const [{ sleeping }] = await pg.psql(
          "select count(*) as sleeping from pg_stat_activity where usename = 'marketsim' and wait_event = 'PgSleep'",
        );
        if (Number(sleeping) > 0) break;
        if (Date.now() > until) throw new Error("no batch started");
        await sleep(10);
      }
      await sleep(400); // several fills into the batch
      await server.stop("SIGKILL");
      const settled = await Promise.all(answers);
      const acknowledged = settled.filter((a) => a.status === 200).map((a) => a.json.id);
      // The dead server's backend rolls back when it finds its client gone.
      const until2 = Date.now() + 20_000;
      for (;;) {
        const [{ left }] = await pg.psql("select count(*) as left from pg_stat_activity where usename = 'marketsim'");
        if (Number(left) === 0) break;
        if (Date.now() > until2) throw new Error("the killed server's backends are still there");
        await sleep(50);
      }
      const stored = await pg.psql(
        "select o.id::text as id, o.status, (select count(*) from fills f where f.buy_order = o.id) as fills from orders o where client_order_id like 'midbatch-%'",
      );
      // Orders answered 200 before the kill were in an earlier, committed batch; the batch being
      // written is there whole (its COMMIT had reached PostgreSQL) or not at all, and none of it
      // was acknowledged.
      const ids = new Set(stored.map((o) => o.id));
      for (const id of acknowledged) assert.ok(ids.has(id), `acknowledged order ${id} is gone`);
      assert.ok(acknowledged.length < 30, "the kill came after every order was answered");
      console.log(`kill -9 mid-batch: ${acknowledged.length} acknowledged, ${stored.length} stored of 30`);
      for (const o of stored) {
        assert.equal(o.status, "filled");
        assert.equal(Number(o.fills), 1, `order ${o.id} is there without its fill`);
      }
      const [{ orphans }] = await pg.psql(
        "select count(*) as orphans from fills f where f.buy_order is not null and not exists (select 1 from orders o where o.id = f.buy_order)",
      );
      assert.equal(Number(orphans), 0);
      assertLedgerSound(await ledgerState(pg), "after kill -9 mid-batch");
    } finally {
      await pg.psql("drop trigger test_slow_fill on fills; drop function test_slow_fill()");
    }
    server = await startServer({ pg, env: { MARKETSIM_TICK_INTERVAL: "1h", MARKETSIM_DB_POOL: "1" } });
    for (const p of players) {
      p.baseUrl = server.url;
      p.origin = server.url;
    }
    await setPrice(server, SYMBOL, "20");
    const again = await placeOrder(players[0], { symbol: SYMBOL, qty: 1, side: "buy", type: "market", time_in_force: "day" });
    assert.equal(again.status, 200, again.body);
  });
});
