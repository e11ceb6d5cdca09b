// Market time only moves forward. A server restarted on the same database goes on at the next
// step of the interrupted trading day (not the next day); past the end of the real history
// (2010-03-01) the replay goes on in a simulated continuation instead of wrapping back to 2000,
// and the API says which prices are simulated and since when.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { getJson } from "../support/http.mjs";
import { startPostgres } from "../support/pg.mjs";
import { startServer } from "../support/server.mjs";
import { openStream } from "../support/sse.mjs";
import { suiteStack } from "../support/stack.mjs";
import { waitFor } from "../support/util.mjs";

const SESSION_MS = 390 * 60_000; // 14:30 to 21:00 UTC
const day = (ms) => new Date(ms).toISOString().slice(0, 10);

describe("a restart resumes mid-day", { timeout: 180_000 }, () => {
  // 600 steps a day: the first run stops well inside its first trading day.
  const ENV = { MARKETSIM_TICK_INTERVAL: "100ms", MARKETSIM_REPLAY_DAY: "60s", MARKETSIM_FLUSH_INTERVAL: "1s" };
  const STEP_MS = SESSION_MS / 600;
  let pg;
  let server;
  before(async () => {
    pg = await startPostgres();
  });
  after(async () => {
    if (server?.running) await server.stop("SIGKILL");
    await pg?.stop();
  });

  const lastSpx = async (where = "TRUE") => {
    const [r] = await pg.psql(
      `SELECT max(seq)::text AS seq, (extract(epoch FROM max(ts)) * 1000)::bigint::text AS ts FROM price_history WHERE symbol = 'SPX' AND ${where}`,
    );
    return { seq: r.seq === null ? null : Number(r.seq), ts: r.ts === null ? null : Number(r.ts) };
  };

  test("real prices are not marked simulated; the status says when the simulation would start", async () => {
    server = await startServer({ pg, env: ENV });
    await waitFor(async () => (await getJson(`${server.url}/api/stocks/MSFT`)).json.price !== null, {
      timeout: 20_000,
      message: "MSFT's first price",
    });
    const status = (await getJson(`${server.url}/api/market/status`)).json;
    assert.equal(status.provider, "replay");
    assert.equal(status.simulated, false);
    assert.equal(status.simulated_since, "2010-03-02");
    const msft = (await getJson(`${server.url}/api/stocks/MSFT`)).json;
    assert.equal(msft.simulated, false);
    const list = (await getJson(`${server.url}/api/stocks`)).json.stocks;
    const invented = list.filter((s) => s.kind === "simulated");
    assert.ok(invented.length > 0, "no invented company listed");
    for (const s of invented) assert.equal(s.simulated, true, `${s.symbol}: an invented company's price is simulated`);
    for (const s of list.filter((s) => s.kind !== "simulated")) assert.equal(s.simulated, false, `${s.symbol}`);
  });

  test("the first tick after a restart is the next step of the same trading day", async () => {
    const stream = await openStream(`${server.url}/api/stream?symbols=SPX`);
    await stream.waitForCount(15, { timeout: 20_000 });
    stream.close();
    const code = await server.stop("SIGTERM");
    assert.equal(code, 0, `server exited with ${code}\n${server.tail()}`);
    const before = await lastSpx();
    assert.ok(before.ts !== null, "no SPX tick stored");
    const inDay = before.ts - Date.parse(`${day(before.ts)}T14:30:00Z`);
    assert.ok(inDay >= 0 && inDay + STEP_MS < SESSION_MS, `the first run ended at the day's last step (${inDay} ms in)`);

    server = await startServer({ pg, env: ENV });
    const first = await waitFor(
      async () => {
        const [r] = await pg.psql(
          `SELECT (extract(epoch FROM ts) * 1000)::bigint::text AS ts FROM price_history WHERE symbol = 'SPX' AND seq > ${before.seq} ORDER BY seq LIMIT 1`,
        );
        return r ? Number(r.ts) : null;
      },
      { timeout: 20_000, interval: 250, message: "the restarted server's first stored SPX tick" },
    );
    assert.equal(day(first), day(before.ts), "the restart skipped the rest of the trading day");
    assert.equal(first - before.ts, STEP_MS, "the restart did not go on at the next step");
    const code2 = await server.stop("SIGTERM");
    assert.equal(code2, 0, `server exited with ${code2}\n${server.tail()}`);
    assert.equal(server.sanitizerReport(), null);
  });
});

describe("past the end of the real history", { timeout: 180_000 }, () => {
  // The real history's last day, at 20 steps a day: the simulation starts after two seconds.
  const stack = suiteStack({
    env: { MARKETSIM_TICK_INTERVAL: "100ms", MARKETSIM_REPLAY_DAY: "2s", MARKETSIM_REPLAY_START: "2010-03-01" },
  });

  test("market time goes on forward into a simulation marked as such", async () => {
    const stream = await openStream(`${stack.url}/api/stream?symbols=SPX,MSFT`);
    let ticks;
    try {
      await stream.waitFor((evs) => evs.some((e) => e.event === "tick" && e.json.time >= "2010-03-03"), {
        timeout: 30_000,
        message: "a tick on 2010-03-03",
      });
      ticks = stream.ofType("tick").map((e) => e.json);
    } finally {
      stream.close();
    }
    for (const symbol of ["SPX", "MSFT"]) {
      const times = ticks.filter((t) => t.symbol === symbol).map((t) => Date.parse(t.time));
      assert.ok(times.length > 20, `${symbol}: ${times.length} ticks`);
      for (let i = 1; i < times.length; i++)
        assert.ok(times[i] > times[i - 1], `${symbol}: market time went back from ${day(times[i - 1])} to ${day(times[i])}`);
      assert.ok(day(times[0]) >= "2010-03-01", `${symbol}: a tick before the start: ${day(times[0])}`);
    }
    const days = new Set(ticks.map((t) => t.time.slice(0, 10)));
    assert.ok(days.has("2010-03-02"), `no tick on the first simulated day: ${[...days]}`);

    const status = (await getJson(`${stack.url}/api/market/status`)).json;
    assert.equal(status.simulated, true);
    assert.equal(status.simulated_since, "2010-03-02");
    assert.ok(status.market_time >= "2010-03-03", `market time ${status.market_time}`);
    const msft = (await getJson(`${stack.url}/api/stocks/MSFT`)).json;
    assert.equal(msft.simulated, true);
    assert.match(msft.price, /^\d+(\.\d+)?$/);
    // The daily candles go on past the real history's end, in order.
    const candles = await waitFor(
      async () => {
        const c = (await getJson(`${stack.url}/api/stocks/SPX/candles?interval=1d`)).json.candles;
        return c.some((k) => k.time.startsWith("2010-03-02")) ? c : null;
      },
      { timeout: 10_000, message: "a daily candle on 2010-03-02" },
    );
    for (let i = 1; i < candles.length; i++) assert.ok(candles[i].time > candles[i - 1].time, "candles out of order");
    assert.ok(candles[0].time >= "2010-03-01", `a candle before the start: ${candles[0].time}`);
  });
});
