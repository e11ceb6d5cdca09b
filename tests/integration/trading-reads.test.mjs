// Reads bounded by their parameters: on a database with a few hundred thousand rows of tick
// history, fills, orders and equity snapshots (inserted directly), candles and bars without a
// start, a page of activities, a player's orders of one symbol and a year of portfolio history
// each read a small part of their table, measured by the blocks PostgreSQL touched
// (pg_stat_statements) against the table's size: a query that aggregates or sorts everything
// first touches it all. The 40 reads run in parallel while /readyz keeps answering 200 (its
// latency is printed, not judged).
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { Client, signUp } from "../support/accounts.mjs";
import { startPostgres } from "../support/pg.mjs";
import { runServerCommand, startServer } from "../support/server.mjs";
import { setPrice } from "../support/trading.mjs";

const HISTORY_ROWS = 300_000; // one tick a minute: about 208 days of AAPL
const FILLS = 100_000;
const ORDERS = 100_000;
const SNAPSHOTS = 200_000; // one every 10 seconds: about 23 days

describe("bounded reads", { timeout: 600_000 }, () => {
  let pg;
  let server;
  let c;
  let account;
  before(async () => {
    pg = await startPostgres({ settings: { shared_preload_libraries: "'pg_stat_statements'" } });
    await pg.psql("create extension pg_stat_statements");
    const migrated = await runServerCommand({ pg });
    assert.equal(migrated.code, 0, migrated.output);
    // History first: the server reads its sequence watermark at start.
    await pg.psql(`
      insert into instruments (symbol, name, sector, kind) values ('AAPL', 'Apple Inc.', 'Information Technology', 'stock')
        on conflict do nothing;
      insert into price_history (seq, symbol, ts, price, volume)
        select g, 'AAPL', timestamptz '2000-01-03 14:30:00+00' + g * interval '1 minute', 100 + (g % 100) / 100.0, 100
        from generate_series(1, ${HISTORY_ROWS}) as g;
      analyze price_history;`);
    server = await startServer({ pg, env: { MARKETSIM_TICK_INTERVAL: "1h", MARKETSIM_TRUSTED_PROXIES: "127.0.0.1" } });
    await setPrice(server, "AAPL", "100");
    c = await signUp(server, pg, undefined, { address: "10.4.0.1" });
    const a = await c.get("/v2/account");
    assert.equal(a.status, 200, a.body);
    account = Number((await pg.psql(`select id from accounts where uuid = '${a.json.id}'`))[0].id);
    const open = await c.post("/v2/orders", { symbol: "AAPL", qty: 1, side: "buy", type: "limit", limit_price: "50", time_in_force: "gtc" });
    assert.equal(open.status, 200, open.body);
    // A long trading past: closed orders, one order's many fills, equity every ten seconds.
    const fillCols = (await pg.psql("select column_name as c from information_schema.columns where table_name = 'fills'")).map((r) => r.c);
    const withAccounts = fillCols.includes("buy_account");
    await pg.psql(`
      insert into orders (account_id, client_order_id, fingerprint, symbol, side, type, time_in_force, qty, filled_qty,
                          filled_notional_e4, status, market_day, submitted_at, filled_at)
        select ${account}, 'past-' || g, 'x', 'AAPL', 'buy', 'market', 'day', 1, 1, 1000000, 'filled', date '2000-01-03',
               now() - (${ORDERS} - g + 10) * interval '1 minute', now() - (${ORDERS} - g + 10) * interval '1 minute'
        from generate_series(1, ${ORDERS}) as g;
      insert into orders (account_id, client_order_id, fingerprint, symbol, side, type, time_in_force, qty, filled_qty,
                          filled_notional_e4, status, market_day, submitted_at, filled_at)
        select ${account}, 'msft-' || g, 'x', 'MSFT', 'buy', 'market', 'day', 1, 1, 500000, 'filled', date '2000-01-03',
               now() - interval '1 year' - g * interval '1 minute', now() - interval '1 year'
        from generate_series(1, 3) as g;
      insert into orders (account_id, client_order_id, fingerprint, symbol, side, type, time_in_force, qty, filled_qty,
                          filled_notional_e4, limit_e4, status, market_day, submitted_at)
        values (${account}, 'big', 'x', 'AAPL', 'buy', 'limit', 'gtc', 1000000, ${FILLS}, ${FILLS * 1_000_000}, 1000000, 'canceled',
                date '2000-01-03', now() - interval '1 year');
      insert into fills (symbol, price_e4, qty, buy_order, at${withAccounts ? ", buy_account, buy_cum_qty" : ""})
        select 'AAPL', 1000000, 1, (select id from orders where client_order_id = 'big'),
               now() - (${FILLS} - g + 1) * interval '1 second'${withAccounts ? `, ${account}, g` : ""}
        from generate_series(1, ${FILLS}) as g;
      insert into equity_snapshots (account_id, at, equity_e4)
        select ${account}, now() - g * interval '10 seconds', 1000000000 + g from generate_series(1, ${SNAPSHOTS}) as g;
      analyze orders; analyze fills; analyze equity_snapshots;`);
  });
  after(async () => {
    if (server?.running) {
      const code = await server.stop("SIGTERM");
      assert.equal(code, 0, server.tail(120));
    }
    await pg?.stop();
  });

  test("40 parallel reads each touch a small part of their table while /readyz answers", async () => {
    const reads = [
      ...Array.from({ length: 10 }, () => ["candles", "/api/stocks/AAPL/candles?interval=1d&limit=5"]),
      ...Array.from({ length: 10 }, () => ["candles", "/v2/stocks/AAPL/bars?timeframe=1Day&limit=5"]),
      ...Array.from({ length: 10 }, () => ["activities", "/v2/account/activities?page_size=10"]),
      ...Array.from({ length: 5 }, () => ["orders", "/v2/orders?status=closed&symbols=MSFT"]),
      ...Array.from({ length: 5 }, () => ["history", "/v2/account/portfolio/history?period=1A&timeframe=1D"]),
    ];
    assert.equal(reads.length, 40);
    await pg.psql("select pg_stat_statements_reset()");
    const anon = new Client(server.url);
    let done = false;
    const ready = [];
    const probe = (async () => {
      while (!done) {
        const t0 = performance.now();
        const r = await anon.get("/readyz");
        ready.push({ status: r.status, ms: performance.now() - t0 });
      }
    })();
    const answers = await Promise.all(reads.map(([, path]) => c.get(path)));
    done = true;
    await probe;
    for (const [i, r] of answers.entries()) assert.equal(r.status, 200, `${reads[i][1]}: ${r.body}`);
    const lat = ready.map((x) => x.ms).sort((x, y) => x - y);
    console.log(`/readyz during the reads: ${ready.length} answers, p50 ${lat[lat.length >> 1]?.toFixed(1)} ms, max ${lat.at(-1)?.toFixed(1)} ms`);
    assert.ok(ready.length > 0);
    assert.deepEqual([...new Set(ready.map((x) => x.status))], [200]);

    // What they answered is right.
    const candles = answers[0].json.candles;
    assert.equal(candles.length, 5);
    const days = candles.map((x) => x.time);
    assert.deepEqual(days, [...new Set(days)].sort(), "five days, oldest first");
    assert.equal(answers[10].json.bars.length, 5);
    assert.equal(answers[20].json.length, 10);
    assert.equal(answers[20].json[0].cum_qty, String(FILLS), "the newest fill first, with its order's filled quantity");
    assert.deepEqual(answers[30].json.map((o) => o.client_order_id), ["msft-1", "msft-2", "msft-3"], "the year-old MSFT orders, newest first");
    assert.ok(answers[35].json.equity.length >= 23, `${answers[35].json.equity.length} daily points`);

    // The work each did, against the size of what it reads.
    const blocks = async (table) => Number((await pg.psql(`select pg_total_relation_size('${table}') / 8192 as b`))[0].b);
    const cost = async (pattern) => {
      const [r] = await pg.psql(
        `select coalesce(sum(calls), 0) as calls, coalesce(sum(shared_blks_hit + shared_blks_read), 0) as blocks from pg_stat_statements
         where query ilike '${pattern}' and query not ilike '%pg_stat_statements%' and query not ilike 'insert%'`,
      );
      return { calls: Number(r.calls), blocks: Number(r.blocks) };
    };
    const checks = [
      ["candles and bars", "%from price_history%", "price_history", 20],
      ["activities", "%f.price_e4, f.qty%", "fills", 10],
      ["orders of one symbol", "%order by o.submitted_at%", "orders", 5],
      ["portfolio history", "%from equity_snapshots%", "equity_snapshots", 5],
    ];
    const seen = [];
    for (const [what, pattern, table, reads] of checks) {
      const { calls, blocks: used } = await cost(pattern);
      const size = await blocks(table);
      seen.push({ what, calls, reads, perRead: used / reads, size });
      console.log(`${what}: ${calls} statements, ${(used / reads).toFixed(0)} blocks a read, ${table} is ${size} blocks`);
    }
    for (const { what, calls, reads, perRead, size } of seen) {
      assert.ok(calls >= reads, `${what}: ${calls} statements seen`);
      assert.ok(perRead < size * 0.2, `${what}: ${perRead.toFixed(0)} blocks a read of a ${size}-block table`);
    }
  });

  test("orders of several symbols are merged in time order and limited as one page", async () => {
    const newest = await c.get("/v2/orders?status=all&symbols=MSFT,AAPL&limit=5");
    assert.equal(newest.status, 200, newest.body);
    assert.deepEqual(
      newest.json.map((o) => o.symbol + ":" + o.status),
      ["AAPL:new", "AAPL:filled", "AAPL:filled", "AAPL:filled", "AAPL:filled"],
      "the open order, then the latest fills",
    );
    const oldest = await c.get("/v2/orders?status=all&symbols=AAPL,MSFT,MSFT&limit=4&direction=asc");
    assert.equal(oldest.status, 200, oldest.body);
    assert.deepEqual(oldest.json.map((o) => o.client_order_id), ["msft-3", "msft-2", "msft-1", "big"]);
    const many = Array.from({ length: 101 }, () => "AAPL").join(",");
    const tooMany = await c.get(`/v2/orders?status=all&symbols=${many}`);
    assert.equal(tooMany.status, 400, tooMany.body);
    assert.equal(tooMany.json.code, "bad_request");
  });
});
