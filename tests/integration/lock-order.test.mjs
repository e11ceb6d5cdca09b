// Orders and the minute's snapshots never deadlock. The equity snapshot inserts rows that
// reference accounts and instruments (taking FOR KEY SHARE locks on them, accounts first), while
// an order locks its instrument and then its accounts: with FOR UPDATE the two waited on each
// other until PostgreSQL's deadlock_timeout (1 s) broke the cycle, once a minute under the bench's
// mixed load. Here snapshots run every 100 ms while 16 players trade two symbols as fast as
// they can, and PostgreSQL's own deadlock counter must not move.
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import { makeApiKey, playerMaker } from "../support/accounts.mjs";
import { frozenMarket } from "../support/trading.mjs";

const PLAYERS = 16;
const SECONDS = 8;

describe("lock order", { timeout: 180_000 }, () => {
  const market = frozenMarket({
    env: { MARKETSIM_TRUSTED_PROXIES: "127.0.0.1", MARKETSIM_EQUITY_SNAPSHOT: "100ms", MARKETSIM_API_RATE: "100000" },
    prices: { AAPL: "100", MSFT: "50" },
  });
  let pg;
  let server;
  before(() => ({ pg, server } = market));
  const player = playerMaker(market, "10.41");

  const deadlocks = async () =>
    Number((await pg.psql("select deadlocks from pg_stat_database where datname = current_database()"))[0].deadlocks);
  const snapshots = async () => Number((await pg.psql("select count(*) as n from equity_snapshots"))[0].n);

  test("16 players trading while snapshots run every 100 ms: no deadlock, every order answered", async () => {
    const keys = [];
    for (let i = 0; i < PLAYERS; i += 1) keys.push(await makeApiKey(await player(), `lock-order-${i}`));
    const deadlocksBefore = await deadlocks();
    const snapshotsBefore = await snapshots();
    const statuses = {};
    const until = Date.now() + SECONDS * 1000;
    await Promise.all(
      keys.map(async (key, i) => {
        for (let n = 0; Date.now() < until; n += 1) {
          const order = { symbol: (i + n) % 2 ? "AAPL" : "MSFT", qty: 1, side: n % 2 ? "sell" : "buy", type: "market", time_in_force: "day" };
          const r = await fetch(`${server.url}/v2/orders`, {
            method: "POST",
            headers: { ...key.headers, "Content-Type": "application/json" },
            body: JSON.stringify(order),
          });
          await r.arrayBuffer();
          statuses[r.status] = (statuses[r.status] ?? 0) + 1;
        }
      }),
    );
    const placed = Object.values(statuses).reduce((a, b) => a + b, 0);
    assert.ok(placed >= PLAYERS * 10, `only ${placed} orders in ${SECONDS} s: ${JSON.stringify(statuses)}`);
    // A sell before any buy has nothing to sell (403/422): every other answer must be a fill.
    for (const status of Object.keys(statuses))
      assert.ok(["200", "403", "422"].includes(status), `unexpected answers: ${JSON.stringify(statuses)}`);
    assert.ok(statuses["200"] >= placed / 2, JSON.stringify(statuses));
    assert.ok((await snapshots()) - snapshotsBefore >= PLAYERS * 10, "the snapshots did not run alongside");
    assert.equal(await deadlocks(), deadlocksBefore, "PostgreSQL detected a deadlock");
  });
});
