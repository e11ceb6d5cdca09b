// PostgreSQL stopped under a running server: /readyz and DB-backed endpoints answer 503 JSON
// `unavailable` (the process stays up) and no tick is numbered while the database cannot hold
// its id (the feed is the cluster's, led through PostgreSQL); PostgreSQL back → the pool
// reconnects by itself and the feed resumes within a bounded wait, and no tick is lost or
// stored twice.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { get, getJson } from "../support/http.mjs";
import { startStack } from "../support/stack.mjs";
import { openStream } from "../support/sse.mjs";
import { sleep, waitFor } from "../support/util.mjs";

describe("database outage", { timeout: 180_000 }, () => {
  let stack;
  let url;
  let stream;
  before(async () => {
    stack = await startStack({ env: { MARKETSIM_TICK_INTERVAL: "100ms", MARKETSIM_REPLAY_DAY: "3s", MARKETSIM_FLUSH_INTERVAL: "1s" } });
    url = stack.url;
    stream = await openStream(`${url}/api/stream`);
  });
  after(async () => {
    stream?.close();
    if (stack?.server.running) await stack.server.stop("SIGKILL");
    await stack?.pg.stop();
  });

  const candles = () => get(`${url}/api/stocks/AAPL/candles?interval=1m`);

  test("healthy to begin with", async () => {
    assert.equal((await getJson(`${url}/readyz`)).status, 200);
    await waitFor(async () => (await candles()).status === 200, { timeout: 20_000, message: "candles 200" });
  });

  test("PostgreSQL stopped → 503 unavailable from /readyz and candles; /healthz stays 200", async () => {
    await stack.pg.pause("fast");
    const ready = await waitFor(
      async () => {
        const r = await get(`${url}/readyz`);
        return r.status === 503 ? r : null;
      },
      { timeout: 15_000, interval: 200, message: "/readyz to answer 503" },
    );
    assert.equal(ready.json?.code, "unavailable", ready.body);
    const c = await waitFor(
      async () => {
        const r = await candles();
        return r.status === 503 ? r : null;
      },
      { timeout: 15_000, interval: 200, message: "candles to answer 503" },
    );
    assert.equal(c.json?.code, "unavailable", c.body);
    assert.match(c.headers["content-type"] ?? "", /application\/json/);
    assert.equal((await get(`${url}/healthz`)).status, 200);
    // The leader lost its lock with its connection: no id is given out that the database does
    // not hold (another instance taking over would give it out again). The stream stays open.
    await sleep(2500); // a few failed flush intervals and lock attempts
    const n = stream.ofType("tick").length;
    await sleep(1000);
    assert.equal(stream.ofType("tick").length, n, "ticks were numbered while the database was away");
    assert.equal(stream.closed, false, "the stream closed during the outage");
    assert.ok(stack.server.running, `server died during the outage\n${stack.server.tail()}`);
  });

  test("PostgreSQL back → recovery within a bounded wait", async () => {
    await stack.pg.start();
    const t0 = Date.now();
    await waitFor(async () => (await get(`${url}/readyz`)).status === 200, { timeout: 30_000, interval: 250, message: "/readyz 200 again" });
    await waitFor(async () => (await candles()).status === 200, { timeout: 30_000, interval: 250, message: "candles 200 again" });
    // The instance takes the lock again and the same stream goes on.
    const n = stream.ofType("tick").length;
    await stream.waitForCount(n + 5, { timeout: 30_000 });
    assert.ok(Date.now() - t0 < 30_000);
  });

  test("no tick lost or duplicated across the outage", async () => {
    await sleep(1500);
    const code = await stack.server.stop("SIGTERM");
    assert.equal(code, 0, `server exit status ${code}\n${stack.server.tail()}`);
    assert.equal(stack.server.sanitizerReport(), null);
    await stream.ended;
    const seen = stream.ofType("tick").map((e) => Number(e.id));
    const [s] = await stack.pg.psql(
      "SELECT count(*)::text AS n, count(DISTINCT seq)::text AS d, min(seq)::text AS lo, max(seq)::text AS hi FROM price_history",
    );
    const [n, d, lo, hi] = [s.n, s.d, s.lo, s.hi].map(Number);
    assert.equal(d, n, "duplicate seq values");
    assert.equal(hi - lo + 1, n, `holes in seq between ${lo} and ${hi}`);
    assert.ok(lo <= seen[0] && hi >= seen.at(-1), `stream saw ${seen[0]}..${seen.at(-1)}, stored ${lo}..${hi}`);
  });
});
