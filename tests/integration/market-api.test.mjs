// Market REST endpoints: catalog, one stock, candles (1m and 1d), movers, status; unknown
// symbols and bad ranges give the documented 4xx JSON errors.
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import { get, getJson } from "../support/http.mjs";
import { suiteStack } from "../support/stack.mjs";
import { waitFor } from "../support/util.mjs";

const DECIMAL = /^-?\d+(\.\d+)?$/;
const REAL = ["AAPL", "AMZN", "GOOG", "IBM", "MSFT", "SPX"];
const isTime = (t) => typeof t === "string" && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(t) && !Number.isNaN(Date.parse(t));
const decimalOrNull = (v) => v === null || (typeof v === "string" && DECIMAL.test(v));

function assertError(res, status, code) {
  assert.equal(res.status, status, `expected ${status}, got ${res.status}: ${res.body.slice(0, 300)}`);
  assert.match(res.headers["content-type"] ?? "", /application\/json/);
  assert.ok(res.json, `error body is not JSON: ${res.body.slice(0, 300)}`);
  if (code) assert.equal(res.json.code, code);
  assert.equal(typeof res.json.message, "string");
  assert.ok(res.json.message.length > 0, "empty error message");
  assert.equal(res.json.request_id, res.headers["x-request-id"], "request_id in the body differs from X-Request-Id");
}

function assertCandle(c, what) {
  assert.ok(isTime(c.time), `${what}: time ${c.time}`);
  for (const k of ["open", "high", "low", "close"]) assert.match(c[k], DECIMAL, `${what}: ${k}=${c[k]}`);
  assert.ok(Number.isInteger(c.volume) && c.volume >= 0, `${what}: volume ${c.volume}`);
  const [o, h, l, cl] = [c.open, c.high, c.low, c.close].map(Number);
  assert.ok(l <= o && o <= h && l <= cl && cl <= h, `${what}: OHLC inconsistent ${JSON.stringify(c)}`);
}

describe("market REST API", { timeout: 180_000 }, () => {
  const stack = suiteStack({ env: { MARKETSIM_TICK_INTERVAL: "100ms", MARKETSIM_REPLAY_DAY: "3s", MARKETSIM_FLUSH_INTERVAL: "1s" } });
  let url;
  before(async () => {
    url = stack.url;
    // Wait for the first ticks so that prices exist.
    await waitFor(async () => (await getJson(`${url}/api/stocks/AAPL`)).json.price !== null, {
      timeout: 20_000,
      message: "AAPL's first price",
    });
  });

  test("GET /healthz and /readyz", async () => {
    const h = await getJson(`${url}/healthz`);
    assert.equal(h.status, 200);
    assert.equal(h.json.status, "ok");
    const r = await getJson(`${url}/readyz`);
    assert.equal(r.status, 200);
    assert.equal(r.json.status, "ready");
  });

  test("GET /api/stocks lists the real stocks, the index and at least 20 simulated companies", async () => {
    const res = await getJson(`${url}/api/stocks`);
    assert.equal(res.status, 200);
    assert.ok(Array.isArray(res.json.stocks));
    assert.ok("as_of" in res.json, "no as_of");
    const symbols = res.json.stocks.map((s) => s.symbol);
    for (const sym of REAL) assert.ok(symbols.includes(sym), `${sym} missing from /api/stocks`);
    assert.equal(new Set(symbols).size, symbols.length, "duplicate symbols");
    const simulated = res.json.stocks.filter((s) => s.kind === "simulated");
    assert.ok(simulated.length >= 20, `only ${simulated.length} simulated companies`);
    assert.equal(res.json.stocks.find((s) => s.symbol === "SPX").kind, "index");
    assert.equal(res.json.stocks.find((s) => s.symbol === "AAPL").kind, "stock");
    for (const s of res.json.stocks) {
      for (const k of ["symbol", "name", "sector", "kind", "price", "change", "change_percent", "updated_at"]) {
        assert.ok(k in s, `${s.symbol}: no ${k}`);
      }
      assert.ok(typeof s.name === "string" && s.name.length > 0, `${s.symbol}: empty name`);
      assert.ok(decimalOrNull(s.price), `${s.symbol}: price ${s.price}`);
      assert.ok(decimalOrNull(s.change), `${s.symbol}: change ${s.change}`);
      assert.ok(s.change_percent === null || typeof s.change_percent === "number", `${s.symbol}: change_percent`);
      assert.ok(s.updated_at === null || isTime(s.updated_at), `${s.symbol}: updated_at ${s.updated_at}`);
    }
  });

  test("GET /api/stocks/AAPL has the day's figures", async () => {
    const res = await getJson(`${url}/api/stocks/AAPL`);
    assert.equal(res.status, 200);
    const s = res.json;
    assert.equal(s.symbol, "AAPL");
    assert.match(s.price, DECIMAL);
    assert.ok(isTime(s.updated_at));
    for (const k of ["day_open", "day_high", "day_low", "previous_close"]) {
      assert.ok(k in s, `no ${k}`);
      assert.ok(decimalOrNull(s[k]), `${k}=${s[k]}`);
    }
    assert.ok(Number.isInteger(s.volume) && s.volume >= 0, `volume ${s.volume}`);
    if (s.day_low !== null && s.day_high !== null) {
      assert.ok(Number(s.day_low) <= Number(s.price) && Number(s.price) <= Number(s.day_high), `price outside the day range: ${JSON.stringify(s)}`);
    }
  });

  test("candles: 1m and 1d, oldest first, consistent OHLC", async () => {
    for (const interval of ["1m", "1d"]) {
      // With one trading day per 3 s, two daily candles exist after a few seconds.
      const res = await waitFor(
        async () => {
          const r = await getJson(`${url}/api/stocks/AAPL/candles?interval=${interval}`);
          return r.status === 200 && r.json.candles.length >= 2 ? r : null;
        },
        { timeout: 30_000, interval: 300, message: `two ${interval} candles` },
      );
      assert.equal(res.json.symbol, "AAPL");
      assert.equal(res.json.interval, interval);
      const times = res.json.candles.map((c) => Date.parse(c.time));
      res.json.candles.forEach((c, i) => assertCandle(c, `${interval}[${i}]`));
      for (let i = 1; i < times.length; i++) assert.ok(times[i] > times[i - 1], `${interval} candles not oldest first`);
    }
    // limit keeps the newest candles.
    const all = await getJson(`${url}/api/stocks/AAPL/candles?interval=1m`);
    const one = await getJson(`${url}/api/stocks/AAPL/candles?interval=1m&limit=1`);
    assert.equal(one.status, 200);
    assert.equal(one.json.candles.length, 1);
    assert.ok(Date.parse(one.json.candles[0].time) >= Date.parse(all.json.candles.at(-1).time));
  });

  test("candles: from/to restrict the range", async () => {
    const all = await getJson(`${url}/api/stocks/AAPL/candles?interval=1m`);
    assert.ok(all.json.candles.length >= 2);
    const from = all.json.candles[1].time;
    const res = await getJson(`${url}/api/stocks/AAPL/candles?interval=1m&from=${encodeURIComponent(from)}`);
    assert.equal(res.status, 200);
    for (const c of res.json.candles) assert.ok(Date.parse(c.time) >= Date.parse(from), `candle ${c.time} before from=${from}`);
    const day = await getJson(`${url}/api/stocks/AAPL/candles?interval=1d&from=2000-01-01&to=2030-01-01`);
    assert.equal(day.status, 200, day.body);
  });

  test("unknown symbol → 404 not_found", async () => {
    assertError(await get(`${url}/api/stocks/ZZZZZ`), 404, "not_found");
    assertError(await get(`${url}/api/stocks/ZZZZZ/candles?interval=1m`), 404, "not_found");
  });

  test("bad interval, unparsable or reversed range → 400 invalid_range; bad limit → 400", async () => {
    const base = `${url}/api/stocks/AAPL/candles`;
    assertError(await get(`${base}?interval=7m`), 400, "invalid_range");
    assertError(await get(`${base}?interval=`), 400);
    assertError(await get(`${base}?interval=1m&from=yesterday`), 400, "invalid_range");
    assertError(await get(`${base}?interval=1m&from=2005-02-01&to=2005-01-01`), 400, "invalid_range");
    for (const limit of ["0", "-1", "abc", "5001"]) {
      const res = await get(`${base}?interval=1m&limit=${limit}`);
      assertError(res, 400);
      assert.ok(["invalid_range", "bad_request"].includes(res.json.code), `limit=${limit}: code ${res.json.code}`);
    }
  });

  test("GET /api/market/movers and /api/market/status", async () => {
    const m = await getJson(`${url}/api/market/movers?count=3`);
    assert.equal(m.status, 200);
    for (const k of ["gainers", "losers", "most_active"]) {
      assert.ok(Array.isArray(m.json[k]), `no ${k}`);
      assert.ok(m.json[k].length <= 3, `${k}: more than count=3`);
      for (const s of m.json[k]) assert.equal(typeof s.symbol, "string");
    }
    const st = await getJson(`${url}/api/market/status`);
    assert.equal(st.status, 200);
    assert.equal(st.json.provider, "replay");
    assert.equal(st.json.tick_interval_ms, 100);
    assert.ok(st.json.market_time === null || isTime(st.json.market_time));
  });

  test("shuts down cleanly on SIGTERM: exit status 0, no sanitizer report", async () => {
    const code = await stack.server.stop("SIGTERM");
    assert.equal(code, 0, `server exit status ${code}\n${stack.server.tail()}`);
    assert.equal(stack.server.sanitizerReport(), null);
  });
});
