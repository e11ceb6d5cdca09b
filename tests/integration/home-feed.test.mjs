// The home feed (issue 11): GET /api/feed and the stream's `feed` event, the sector routes.
// - every section is there for an anonymous visitor, and the sector routes answer (or 404);
// - a planted large fill appears anonymised ("Player #N", no tag), then named once the player
//   opts in; a fill below MARKETSIM_FEED_LARGE_TRADE does not appear;
// - a change reaches every stream as a `feed` event, a symbol-filtered one too, and a stream
//   resuming from before it gets the same event again;
// - in a cluster the follower's streams get the leader's event under the same id, and its
//   GET /api/feed answers that snapshot;
// - a crowd of readers costs no read while the snapshot is fresh, and one read when an
//   instance has none yet (pg_stat_statements counts the feed's fill query).
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { Client, signUp } from "../support/accounts.mjs";
import { startPostgres } from "../support/pg.mjs";
import { startServer } from "../support/server.mjs";
import { openStream } from "../support/sse.mjs";
import { suiteStack } from "../support/stack.mjs";
import { placeOrder, setPrice } from "../support/trading.mjs";
import { sleep, waitFor } from "../support/util.mjs";

const feedOf = async (url) => {
  const r = await new Client(url).get("/api/feed");
  assert.equal(r.status, 200, r.body);
  return r.json;
};

const accountId = async (pg, client) => {
  const [row] = await pg.psql(`select id from accounts where user_id = ${client.user.id}`);
  return Number(row.id);
};

describe("home feed: sections, notable trades and sectors", { timeout: 300_000 }, () => {
  // A frozen market (the test hook sets prices), the feed rebuilt every 300 ms, and a trade
  // notable from $1,000.
  const stack = suiteStack({
    env: {
      MARKETSIM_TICK_INTERVAL: "1h",
      MARKETSIM_FEED_INTERVAL: "300ms",
      MARKETSIM_FEED_LARGE_TRADE: "1000",
    },
  });

  test("every section, for someone who never signed in", async () => {
    await setPrice(stack.server, "AAPL", "40");
    const feed = await feedOf(stack.url);
    for (const w of ["session", "week", "month"]) {
      assert.ok(Array.isArray(feed.movers[w].gainers), `${w} gainers`);
      assert.ok(Array.isArray(feed.movers[w].losers), `${w} losers`);
    }
    assert.ok(feed.sectors.length >= 5, JSON.stringify(feed.sectors));
    assert.ok(!feed.sectors.some((s) => s.sector === "Index"), "the index is no sector");
    const tech = feed.sectors.find((s) => s.sector === "Technology");
    assert.ok(tech && tech.stocks >= 3, JSON.stringify(tech));
    assert.deepEqual(feed.trades, []);
    assert.ok(Array.isArray(feed.highlights));
    assert.deepEqual(feed.leaderboard, { total: 0, entries: [] });
    assert.deepEqual(feed.newest, []);
    assert.match(feed.as_of, /^20\d\d-/);
  });

  test("a large fill appears anonymised, then named once the player opts in", async () => {
    await setPrice(stack.server, "MSFT", "25");
    const small = await signUp(stack.server, stack.pg);
    const big = await signUp(stack.server, stack.pg);
    // $250 and $2,500 (at the house's ask, a cent more a share).
    assert.equal((await placeOrder(small, { symbol: "MSFT", qty: "10", side: "buy", type: "market", time_in_force: "day" })).status, 200);
    assert.equal((await placeOrder(big, { symbol: "MSFT", qty: "100", side: "buy", type: "market", time_in_force: "day" })).status, 200);
    const n = await accountId(stack.pg, big);
    const anonymous = await waitFor(
      async () => {
        const f = await feedOf(stack.url);
        return f.trades.length > 0 && f;
      },
      { timeout: 15_000, message: "the large fill in the feed" },
    );
    assert.equal(anonymous.trades.length, 1, JSON.stringify(anonymous.trades));
    const [trade] = anonymous.trades;
    assert.equal(trade.symbol, "MSFT");
    assert.equal(trade.qty, 100);
    assert.equal(trade.price, "25.01");
    assert.equal(trade.value, "2501.00");
    assert.deepEqual(trade.buyer, { name: `Player #${n}`, bot: false });
    assert.equal(trade.seller, null, "the house sold");
    assert.ok(!JSON.stringify(anonymous).includes(big.user.user_tag), "the tag leaked");
    assert.ok(!JSON.stringify(anonymous).includes(big.user.display_name), "the name leaked");
    assert.ok(anonymous.newest.some((p) => p.name === `Player #${n}` && p.user_tag === undefined));

    const optIn = await big.patch("/api/account/profile", { public_profile: true, display_name: "Ada Opted" });
    assert.equal(optIn.status, 200, optIn.body);
    const named = await waitFor(
      async () => {
        const f = await feedOf(stack.url);
        return f.trades[0]?.buyer?.name === "Ada Opted" && f;
      },
      { timeout: 15_000, message: "the buyer named" },
    );
    assert.equal(named.trades[0].buyer.user_tag, big.user.user_tag);
    assert.ok(named.newest.some((p) => p.name === "Ada Opted" && p.user_tag === big.user.user_tag));
  });

  test("sectors: the list, one sector's stocks, and 404 for an unknown one", async () => {
    const anyone = new Client(stack.url);
    const list = await anyone.get("/api/sectors");
    assert.equal(list.status, 200, list.body);
    assert.ok(list.json.sectors.some((s) => s.sector === "Technology"));
    for (const name of ["Technology", "technology", "TECHNOLOGY"]) {
      const one = await anyone.get(`/api/sectors/${name}`);
      assert.equal(one.status, 200, one.body);
      assert.equal(one.json.sector, "Technology");
      const symbols = one.json.stocks.map((s) => s.symbol);
      for (const s of ["AAPL", "IBM", "MSFT"]) assert.ok(symbols.includes(s), `${s} in ${symbols}`);
      assert.ok(one.json.stocks.every((s) => s.sector === "Technology"));
      assert.equal(one.json.summary.sector, "Technology");
    }
    const spaced = await anyone.get("/api/sectors/Consumer%20Discretionary");
    assert.equal(spaced.status, 200, spaced.body);
    assert.ok(spaced.json.stocks.some((s) => s.symbol === "AMZN"));
    for (const name of ["Nope", "Index", "Tech"]) {
      const r = await anyone.get(`/api/sectors/${name}`);
      assert.equal(r.status, 404, `${name}: ${r.body}`);
      assert.equal(r.json.code, "not_found");
    }
  });

  test("a change reaches every stream as a feed event, filtered ones too, and resumes", async () => {
    const all = await openStream(`${stack.url}/api/stream`);
    const filtered = await openStream(`${stack.url}/api/stream?symbols=IBM`);
    try {
      assert.equal(all.status, 200);
      assert.equal(filtered.status, 200);
      await setPrice(stack.server, "AMZN", "500"); // today's top gainer by far
      const wanted = (events) =>
        events.some((e) => e.event === "feed" && e.json?.movers.session.gainers.some((m) => m.symbol === "AMZN" && m.price === "500.00"));
      const seen = await all.waitFor(wanted, { timeout: 15_000, message: "a feed event on the stream" });
      await filtered.waitFor(wanted, { timeout: 15_000, message: "a feed event on the filtered stream" });
      const event = seen.filter((e) => e.event === "feed").at(-1);
      assert.match(event.id, /^\d+$/);
      assert.ok(event.data.length < 16_384, `the event is ${event.data.length} bytes`);
      assert.deepEqual(Object.keys(JSON.parse(event.data)).sort(), ["as_of", "highlights", "leaderboard", "movers", "newest", "sectors", "trades"]);
      assert.ok(!filtered.events.some((e) => e.event === "tick" && JSON.parse(e.data).symbol !== "IBM"), "the filter let another symbol's tick through");
      // Resuming from just before it, on a stream filtered to another symbol: the same event.
      const resumed = await openStream(`${stack.url}/api/stream?symbols=GOOG`, { lastEventId: String(Number(event.id) - 1) });
      try {
        const again = await resumed.waitFor((events) => events.some((e) => e.id === event.id), { timeout: 10_000, message: "the event replayed" });
        const replayed = again.find((e) => e.id === event.id);
        assert.equal(replayed.event, "feed");
        assert.equal(replayed.data, event.data);
      } finally {
        resumed.close();
      }
      // The route answers the same snapshot as the event (or a newer one).
      const now = await feedOf(stack.url);
      assert.ok(now.movers.session.gainers.some((m) => m.symbol === "AMZN"));
    } finally {
      all.close();
      filtered.close();
    }
  });
});

describe("home feed: a cluster, and a crowd of readers", { timeout: 300_000 }, () => {
  let pg;
  let leader;
  let follower;
  const reads = async () => {
    const [{ n }] = await pg.psql(
      "select coalesce(sum(calls), 0) as n from pg_stat_statements where query like '%left join accounts sa on sa.id = f.sell_account%'",
    );
    return Number(n);
  };
  const crowd = async (url, n = 40) => {
    const answers = await Promise.all(Array.from({ length: n }, () => new Client(url).get("/api/feed")));
    for (const a of answers) assert.equal(a.status, 200, a.body);
    return answers;
  };

  before(async () => {
    pg = await startPostgres({ settings: { shared_preload_libraries: "'pg_stat_statements'" } });
    await pg.psql("create extension if not exists pg_stat_statements");
    // The leader builds the feed once at start-up (and then hourly); nothing changes, so no
    // snapshot goes out: the follower has none until a reader asks.
    leader = await startServer({ pg, env: { MARKETSIM_TICK_INTERVAL: "1h", MARKETSIM_FEED_INTERVAL: "1h" } });
    await waitFor(async () => (await reads()) >= 1, { timeout: 15_000, message: "the leader's first build" });
    follower = await startServer({ pg, env: { MARKETSIM_TICK_INTERVAL: "1h", MARKETSIM_FEED_INTERVAL: "2s" } });
  });
  after(async () => {
    if (follower?.running) assert.equal(await follower.stop("SIGTERM"), 0);
    if (leader?.running) assert.equal(await leader.stop("SIGTERM"), 0);
    await pg?.stop();
  });

  test("40 readers at once read at most once, and not at all while the snapshot is fresh", async () => {
    const ready = await new Client(leader.url).get("/readyz");
    assert.equal(ready.json.leader, true, "the first instance leads");
    await pg.psql("select pg_stat_statements_reset()");
    const fresh = await crowd(leader.url);
    assert.equal(await reads(), 0, "the leader's fresh snapshot was read again");
    assert.equal(new Set(fresh.map((a) => a.body)).size, 1);
    // None kept on the follower: the first reader reads, the 39 others wait for that read.
    const cold = await crowd(follower.url);
    assert.equal(await reads(), 1);
    assert.equal(new Set(cold.map((a) => a.body)).size, 1);
    assert.ok(cold.every((a) => Array.isArray(a.json.sectors) && a.json.leaderboard));
    await sleep(2500); // now stale on the follower: one reads, the others get the one kept
    const stale = await crowd(follower.url);
    assert.equal(await reads(), 2);
    assert.ok(stale.every((a) => Array.isArray(a.json.sectors)));
    await crowd(leader.url);
    assert.equal(await reads(), 2, "the leader read for a reader");
  });
});

describe("home feed: the leader's event reaches the follower's streams", { timeout: 300_000 }, () => {
  let pg;
  let leader;
  let follower;
  before(async () => {
    pg = await startPostgres();
    leader = await startServer({ pg, env: { MARKETSIM_TICK_INTERVAL: "1h", MARKETSIM_FEED_INTERVAL: "300ms" } });
    // The follower keeps what it receives an hour: its own build would not see the price the
    // test hook set on the leader alone (a real tick reaches every instance).
    follower = await startServer({ pg, env: { MARKETSIM_TICK_INTERVAL: "1h", MARKETSIM_FEED_INTERVAL: "1h" } });
  });
  after(async () => {
    if (follower?.running) assert.equal(await follower.stop("SIGTERM"), 0);
    if (leader?.running) assert.equal(await leader.stop("SIGTERM"), 0);
    await pg?.stop();
  });

  test("the same event under the same id on both, and the follower answers it", async () => {
    const onLeader = await openStream(`${leader.url}/api/stream?symbols=SPX`);
    const onFollower = await openStream(`${follower.url}/api/stream?symbols=AAPL`);
    try {
      await setPrice(leader, "AMZN", "500"); // the leader's quotes only: the feed carries it over
      const wanted = (events) =>
        events.some((e) => e.event === "feed" && e.json?.movers.session.gainers.some((m) => m.symbol === "AMZN" && m.price === "500.00"));
      const a = (await onLeader.waitFor(wanted, { timeout: 15_000, message: "the event on the leader" })).filter((e) => e.event === "feed").at(-1);
      const b = await onFollower.waitFor((events) => events.some((e) => e.id === a.id), { timeout: 15_000, message: "the event on the follower" });
      const same = b.find((e) => e.id === a.id);
      assert.equal(same.event, "feed");
      assert.equal(same.data, a.data);
      // The follower kept the event's snapshot before publishing it, so a reader who saw the
      // event is answered with it at once, never with a build of the follower's own (which
      // would not see the leader's price, and would be kept an hour).
      const answered = await new Client(follower.url).get("/api/feed");
      assert.equal(answered.status, 200);
      assert.ok(
        answered.json.movers.session.gainers.some((m) => m.symbol === "AMZN" && m.price === "500.00"),
        "the follower answered a snapshot older than the event it published",
      );
    } finally {
      onLeader.close();
      onFollower.close();
    }
  });
});
