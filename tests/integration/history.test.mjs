// Tick history: every tick the feed produces (each one an SSE id) lands in price_history exactly
// once: while running (periodic COPY flush), after SIGTERM (flush on shutdown), and across a
// restart on the same database (sequence numbers resume after the stored ones, no duplicate).
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { startPostgres } from "../support/pg.mjs";
import { startServer } from "../support/server.mjs";
import { openStream } from "../support/sse.mjs";
import { sleep, waitFor } from "../support/util.mjs";

const ENV = { MARKETSIM_TICK_INTERVAL: "100ms", MARKETSIM_FLUSH_INTERVAL: "1s", MARKETSIM_REPLAY_DAY: "3s" };

async function historyStats(pg, where = "TRUE") {
  const [r] = await pg.psql(`
    SELECT count(*)::text AS n, count(DISTINCT seq)::text AS distinct_n,
           min(seq)::text AS min, max(seq)::text AS max,
           count(*) FILTER (WHERE symbol IS NULL OR ts IS NULL OR price IS NULL OR price <= 0)::text AS bad
    FROM price_history WHERE ${where}`);
  return {
    n: Number(r.n),
    distinct: Number(r.distinct_n),
    min: r.min === null ? null : Number(r.min),
    max: r.max === null ? null : Number(r.max),
    bad: Number(r.bad),
  };
}

// count = distinct count = max - min + 1: no duplicate and no hole.
function assertContiguous(s, what) {
  assert.ok(s.n > 0, `${what}: price_history is empty`);
  assert.equal(s.distinct, s.n, `${what}: duplicate seq values`);
  assert.equal(s.max - s.min + 1, s.n, `${what}: seq has holes between ${s.min} and ${s.max} (${s.n} rows)`);
  assert.equal(s.bad, 0, `${what}: rows with null or non-positive fields`);
}

const ids = (stream) => stream.ofType("tick").map((e) => Number(e.id));

describe("tick history in price_history", { timeout: 180_000 }, () => {
  let pg;
  let server;
  before(async () => {
    pg = await startPostgres();
  });
  after(async () => {
    if (server?.running) await server.stop("SIGKILL");
    await pg?.stop();
  });

  let firstRunMax;

  test("periodic flush stores the ticks seen on the stream, each once", async () => {
    server = await startServer({ pg, env: ENV });
    const stream = await openStream(`${server.url}/api/stream`);
    try {
      await stream.waitForCount(20, { timeout: 20_000 });
      const seen = ids(stream);
      const target = Math.max(...seen);
      // Flushes every second: the ticks already seen must be stored within a few flushes.
      const stats = await waitFor(
        async () => {
          const s = await historyStats(pg);
          return s.max !== null && s.max >= target ? s : null;
        },
        { timeout: 15_000, interval: 250, message: `price_history to reach seq ${target}` },
      );
      assertContiguous(stats, "while running");
      assert.ok(stats.min <= seen[0], `stream saw seq ${seen[0]} but price_history starts at ${stats.min}`);
      // Stored ticks match what the stream said.
      const sample = stream.ofType("tick").slice(0, 5);
      const rows = await pg.psql(
        `SELECT seq::text AS seq, symbol, price::text AS price FROM price_history WHERE seq IN (${sample.map((e) => Number(e.id)).join(",")}) ORDER BY seq`,
      );
      assert.equal(rows.length, sample.length);
      for (const [i, ev] of sample.entries()) {
        assert.equal(rows[i].symbol, ev.json.symbol, `seq ${ev.id}: symbol`);
        assert.equal(Number(rows[i].price), Number(ev.json.price), `seq ${ev.id}: price`);
      }
    } finally {
      stream.close();
    }
  });

  test("SIGTERM flushes the buffer: every tick up to the last one streamed is stored once", async () => {
    const stream = await openStream(`${server.url}/api/stream`);
    await stream.waitForCount(10, { timeout: 20_000 });
    // Stop between two flushes, so the shutdown flush has ticks to write.
    await sleep(450);
    const code = await server.stop("SIGTERM");
    assert.equal(code, 0, `server exited with ${code}\n${server.tail()}`);
    assert.equal(server.sanitizerReport(), null);
    await stream.ended;
    const lastSeen = Math.max(...ids(stream));
    const stats = await historyStats(pg);
    assertContiguous(stats, "after SIGTERM");
    assert.ok(stats.max >= lastSeen, `stream saw seq ${lastSeen} but price_history ends at ${stats.max}`);
    firstRunMax = stats.max;
  });

  test("a restarted server continues the sequence after the stored ticks, and SIGINT flushes too", async () => {
    assert.ok(firstRunMax, "needs the previous test");
    server = await startServer({ pg, env: ENV });
    const stream = await openStream(`${server.url}/api/stream`);
    await stream.waitForCount(10, { timeout: 20_000 });
    const firstNew = Math.min(...ids(stream));
    assert.ok(firstNew > firstRunMax, `new ticks reuse old sequence numbers (${firstNew} <= ${firstRunMax})`);
    await sleep(300);
    const code = await server.stop("SIGINT");
    assert.equal(code, 0, `server exited with ${code}\n${server.tail()}`);
    await stream.ended;
    const lastSeen = Math.max(...ids(stream));
    const all = await historyStats(pg);
    assert.equal(all.distinct, all.n, "duplicate seq values across the restart");
    const second = await historyStats(pg, `seq > ${firstRunMax}`);
    assertContiguous(second, "second run");
    assert.ok(second.max >= lastSeen, `stream saw seq ${lastSeen} but price_history ends at ${second.max}`);
    assert.equal(all.n, (await historyStats(pg, `seq <= ${firstRunMax}`)).n + second.n);
  });
});
