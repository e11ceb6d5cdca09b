// Mixed-load driver for marketsim benchmarks (issue 13, section 4): the realistic load, not a
// saturation test. Against one running server (bots on, MARKETSIM_TRUSTED_PROXIES=127.0.0.1 so
// each sign-up and viewer comes from an X-Forwarded-For address of its own, and
// MARKETSIM_PASSWORD_HASH=test-minimal so the set-up's sign-ups are cheap), all on loopback:
//
//   set-up: signs up --players players through the API (tests/support/accounts.mjs; the
//     verification token read from the outbox with psql), one API key each, opens each one's
//     trading account with a first GET /v2/account; makes an administrator with
//     `marketsim create-admin` (--bin, --database-url) to read GET /api/admin/runtime.
//   load, all at once for --warmup + --seconds (+ --tail) seconds:
//     - --streams Server-Sent Events streams: one signed-in (private) stream per player, the
//       rest anonymous GET /api/stream, 60% without a filter (the home page) and 40% on one or
//       three symbols (a stock page, a watchlist), each from its own address, arriving over the
//       first seconds. Events, heartbeats, errors, resets and reconnects (after 1 s, with
//       Last-Event-ID, as EventSource does) are counted in a worker thread (so that tens of
//       thousands of events a second do not delay the timed requests), and a stream silent for
//       longer than a heartbeat period and a half is "silent".
//     - every player trades through the order path with its API key: an order about every
//       --order-interval seconds (jittered ±50%): 70% market orders of 1-5 shares (a sell only
//       of shares it holds), 30% gtc limits 8% away from the price that it cancels 5-30 s later;
//       several symbols per player.
//     - --reads reads a second, open loop: each is scheduled at start + k / rate and its latency
//       is measured from that scheduled time, so a server (or a client) that falls behind shows
//       as queueing, not as a lower rate. 70% are anonymous public routes (the web app's stock
//       list, stock pages, candles, book, tape, holders, forecasts, movers, feed, leaderboard,
//       sectors, bot profiles), 30% /v2 routes with the players' keys in turn (account,
//       positions, open orders, activities, clock, bars, quotes, snapshots). Each key then sends
//       about 1.3 order requests and 1.2 reads a second, ~150 a minute: under the default
//       MARKETSIM_API_RATE (200 a minute), which the server therefore keeps.
//   measured: every request's latency per route template ("GET /api/stocks/{symbol}"), 2xx or
//     not; non-2xx answers, transport errors and reads dropped at the --max-outstanding bound
//     count as errors (a cancel answered 422 because the order filled first is a trading outcome,
//     counted apart). Every --sample seconds: the server's VmRSS (--server-pid) and its own view
//     (GET /api/admin/runtime: requests in flight, streams, stalled tasks, loop lag, pools),
//     written as a CSV curve (--curve); RSS at the start and end of the window, its maximum and
//     its least-squares slope (KiB/min) say whether memory stays flat. With --metrics-url the
//     server's route histograms are scraped at the window's start and end (their difference: the
//     server's own p99 bound per route). With --screenshot, Debian Chromium signs the administrator
//     in during the warm-up and keeps Admin -> Runtime open through the window (it refreshes
//     itself every 2 s), and saves it as a PNG at the window's end, the load still running; the
//     load goes on for --tail seconds after the window, then everything closes.
// Output: a per-route table and the other figures, then `RESULT key=value` lines for
// scripts/bench. Exit status 1 when the set-up fails; the run's own figures never fail it.
// Usage:
//   node tests/bench/mixed.mjs --url URL --pg-host DIR --pg-port PORT --bin BUILD/marketsim
//     --database-url URL [--server-pid PID] [--metrics-url URL] [--players 50] [--streams 1000]
//     [--reads 200] [--order-interval 1] [--warmup 30] [--seconds 600] [--tail 10] [--sample 10]
//     [--curve FILE] [--screenshot FILE] [--seed 1]
import { readFileSync, writeFileSync } from "node:fs";
import http from "node:http";
import { join, resolve } from "node:path";
import { monitorEventLoopDelay, performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";
import { newIdentity, signIn, signUp } from "../support/accounts.mjs";
import { psqlRows } from "../support/pg.mjs";
import { runServerCommand } from "../support/server.mjs";

// In the stream worker (see streamWorker below) the module stops here.
if (!isMainThread) await streamWorker(workerData);

// ---------------------------------------------------------------------------------------------
// The streams run in a worker thread of their own: a thousand streams deliver tens of thousands
// of events a second, and counting them on the main thread held its event loop long enough to
// add tens of milliseconds to the timed requests (p99 36 ms of the driver's own loop lag in a
// first version). The worker scans each chunk's bytes for the field names instead of splitting
// strings. Every event the server sends has an `event:` line (docs/api.md, Stream), so those
// lines are what is counted. Messages from the main thread: {phase} (counts are kept for the
// measured window only), {sample} → {open, silent, events}, {stop} → the window's figures.
// The returned promise never settles: the module's evaluation stops here in the worker, and the
// main thread terminates the worker once it has the figures.
function streamWorker({ host, port, specs, heartbeatMs }) {
  const EVENT = Buffer.from("event: ");
  const ID = Buffer.from("\nid: ");
  const HEARTBEAT = Buffer.from(": heartbeat");
  let measuring = false;
  let stopping = false;
  let eventsAll = 0;
  const w = { opened: 0, errors: 0, ended: 0, reconnects: 0, heartbeats: 0, statuses: {}, firstError: "", events: {} };
  const count = (type) => {
    eventsAll += 1;
    if (measuring) w.events[type] = (w.events[type] ?? 0) + 1;
  };
  // What follows "event: " at byte i: tick, trade, trade_update, account, feed, reset.
  const typeAt = (buf, i) => {
    const a = buf[i];
    if (a === 116 /* t */) {
      if (buf[i + 1] === 105 /* i */) return "tick";
      return buf[i + 5] === 95 /* _ */ ? "trade_update" : "trade";
    }
    if (a === 97) return "account";
    if (a === 102) return "feed";
    if (a === 114) return "reset";
    return "other";
  };
  const streams = specs.map((s) => ({ ...s, lastId: "", req: null, open: false, lastActivity: performance.now(), timer: null, carry: null }));

  function scan(s, chunk) {
    let buf = s.carry ? Buffer.concat([s.carry, chunk]) : chunk;
    const end = buf.lastIndexOf(10); // only whole lines are read; the rest waits for the next chunk
    if (end < 0) {
      s.carry = Buffer.from(buf);
      return;
    }
    for (let i = buf.indexOf(EVENT); i !== -1 && i < end; i = buf.indexOf(EVENT, i + 7)) {
      if (i === 0 || buf[i - 1] === 10) count(typeAt(buf, i + 7));
    }
    if (measuring) {
      for (let i = buf.indexOf(HEARTBEAT); i !== -1 && i < end; i = buf.indexOf(HEARTBEAT, i + 11)) {
        if (i === 0 || buf[i - 1] === 10) w.heartbeats += 1;
      }
    }
    // The newest id: line (for Last-Event-ID on a reconnect), also when it opens the chunk.
    const j = buf.lastIndexOf(ID, end);
    let from = j === -1 ? -1 : j + 5;
    if (from === -1 && buf[0] === 105 && buf[1] === 100 && buf[2] === 58 && buf[3] === 32) from = 4;
    if (from !== -1) s.lastId = buf.toString("latin1", from, buf.indexOf(10, from)).trim();
    s.carry = end + 1 < buf.length ? Buffer.from(buf.subarray(end + 1)) : null;
  }

  function connect(s) {
    if (stopping) return;
    const headers = { accept: "text/event-stream", ...s.headers };
    if (s.lastId) headers["last-event-id"] = s.lastId;
    const req = http.request({ host, port, method: "GET", path: s.path, agent: false, headers });
    s.req = req;
    s.carry = null;
    req.on("response", (res) => {
      if (res.statusCode !== 200) {
        if (measuring) w.statuses[res.statusCode] = (w.statuses[res.statusCode] ?? 0) + 1;
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (c) => (text += c));
        res.on("end", () => lost(s, req, `${res.statusCode} ${text.slice(0, 160)}`, true));
        res.on("error", () => {});
        return;
      }
      s.open = true;
      w.opened += 1;
      s.lastActivity = performance.now();
      res.on("data", (chunk) => {
        s.lastActivity = performance.now();
        scan(s, chunk);
      });
      res.on("end", () => lost(s, req, "the server ended the stream", false));
      res.on("error", (err) => lost(s, req, err.message, true));
    });
    req.on("error", (err) => lost(s, req, err.message, true));
    req.end();
  }

  // The stream is gone: count it, and reconnect after a second as a browser would, with
  // Last-Event-ID. Events of an earlier connection (an error after its end) are ignored.
  function lost(s, req, why, isError) {
    if (s.req !== req) return;
    s.req = null;
    s.open = false;
    if (stopping) return;
    if (measuring) {
      if (isError) w.errors += 1;
      else w.ended += 1;
      w.firstError ||= why;
    }
    s.timer = setTimeout(() => {
      s.timer = null;
      if (measuring) w.reconnects += 1;
      connect(s);
    }, 1000);
  }

  parentPort.on("message", (m) => {
    if (m.type === "phase") measuring = m.phase === "measure";
    else if (m.type === "sample") {
      const now = performance.now();
      const open = streams.filter((s) => s.open).length;
      const silent = streams.filter((s) => now - s.lastActivity > heartbeatMs * 1.5).length;
      parentPort.postMessage({ type: "sample", id: m.id, open, silent, events: eventsAll });
    } else if (m.type === "stop") {
      stopping = true;
      for (const s of streams) {
        clearTimeout(s.timer);
        const req = s.req;
        s.req = null;
        s.open = false;
        req?.destroy();
      }
      parentPort.postMessage({ type: "final", ...w });
    }
  });
  // Viewers arrive over a few seconds (50 every 250 ms), not all in one instant.
  (async () => {
    for (let k = 0; k < streams.length && !stopping; k += 50) {
      for (const s of streams.slice(k, k + 50)) connect(s);
      await new Promise((r) => setTimeout(r, 250));
    }
  })();
  return new Promise(() => {});
}


const { values: opt } = parseArgs({
  options: {
    url: { type: "string", default: process.env.MARKETSIM_URL },
    "pg-host": { type: "string" },
    "pg-port": { type: "string" },
    "pg-user": { type: "string", default: "marketsim" },
    bin: { type: "string" },
    "database-url": { type: "string" },
    "server-pid": { type: "string" },
    "metrics-url": { type: "string" },
    players: { type: "string", default: "50" },
    streams: { type: "string", default: "1000" },
    reads: { type: "string", default: "200" },
    "order-interval": { type: "string", default: "1" },
    warmup: { type: "string", default: "30" },
    seconds: { type: "string", default: "600" },
    tail: { type: "string", default: "10" },
    sample: { type: "string", default: "10" },
    timeout: { type: "string", default: "10" },
    "max-outstanding": { type: "string", default: "1000" },
    curve: { type: "string" },
    screenshot: { type: "string" },
    seed: { type: "string", default: "1" },
  },
});

function die(message) {
  console.error(`mixed.mjs: ${message}`);
  process.exit(1);
}

if (!opt.url) die("--url (or MARKETSIM_URL) is required");
if (!opt["pg-host"] || !opt["pg-port"]) die("--pg-host and --pg-port are required (sign-ups read the outbox)");
if (!opt.bin || !opt["database-url"]) die("--bin and --database-url are required (create-admin)");
const base = new URL(opt.url);
const PLAYERS = Number(opt.players);
const STREAMS = Math.max(Number(opt.streams), PLAYERS);
const READS_PER_S = Number(opt.reads);
const ORDER_INTERVAL_MS = Number(opt["order-interval"]) * 1000;
const WARMUP_MS = Number(opt.warmup) * 1000;
const MEASURE_MS = Number(opt.seconds) * 1000;
const TAIL_MS = Number(opt.tail) * 1000;
const SAMPLE_MS = Number(opt.sample) * 1000;
const TIMEOUT_MS = Number(opt.timeout) * 1000;
const MAX_OUTSTANDING = Number(opt["max-outstanding"]);
const SERVER_PID = opt["server-pid"] ? Number(opt["server-pid"]) : undefined;
const HEARTBEAT_MS = 15_000;

// A seeded generator (mulberry32): the same --seed gives the same mix of routes and orders.
let seedState = Number(opt.seed) >>> 0 || 1;
function rand() {
  seedState = (seedState + 0x6d2b79f5) >>> 0;
  let t = seedState;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const pick = (list) => list[Math.floor(rand() * list.length)];
const between = (lo, hi) => lo + rand() * (hi - lo);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// psql against the bench cluster, rows as objects (what signUp expects of `pg`).
const pg = { psql: (sql) => psqlRows({ host: opt["pg-host"], port: opt["pg-port"], user: opt["pg-user"] }, sql) };

// ---------------------------------------------------------------------------------------------
// Figures. Only what happens inside the measured window is recorded per route; the curve's
// interval percentiles cover every phase (the warm-up and tail are marked in its `phase` column).
let phase = "setup"; // setup, warmup, measure, tail, stopping
const measuring = () => phase === "measure";
const routes = new Map(); // "GET /api/stocks/{symbol}" → stats
function routeStats(route) {
  let s = routes.get(route);
  if (!s) {
    s = { lat: [], statuses: new Map(), codes: new Map(), transport: 0, dropped: 0, firstError: "" };
    routes.set(route, s);
  }
  return s;
}
let intervalReads = []; // latencies since the last sample (any phase), for the curve
let intervalOrders = [];
const sendLag = []; // how late the client launched each scheduled read (measured window)
const outcomes = { ordersPlaced: 0, ordersFilled: 0, limitsRested: 0, cancels: 0, cancelsLate: 0, reads: 0 };

function record(route, ms, status, body, kind, expected) {
  if (kind === "read") intervalReads.push(ms);
  else if (kind === "order") intervalOrders.push(ms);
  if (!measuring()) return;
  const s = routeStats(route);
  s.lat.push(ms);
  if ((status < 200 || status >= 300) && !expected?.includes(status)) {
    s.statuses.set(status, (s.statuses.get(status) ?? 0) + 1);
    let code = "?";
    try {
      code = JSON.parse(body).code ?? "?";
    } catch {
      // not JSON
    }
    s.codes.set(code, (s.codes.get(code) ?? 0) + 1);
    s.firstError ||= `${status} ${String(body).slice(0, 160)}`;
  }
}
function recordTransport(route, err) {
  if (!measuring()) return;
  const s = routeStats(route);
  s.transport += 1;
  s.firstError ||= err.message;
}

// One HTTP exchange: { status, body, ms }. The body is kept only when asked for (most reads are
// drained and dropped: the driver must stay cheap next to the server on a two-core machine).
function send(agent, method, path, headers, body, keepBody) {
  return new Promise((resolvePromise, reject) => {
    const req = http.request(
      { host: base.hostname, port: base.port, method, path, agent, headers: body === undefined ? headers : { ...headers, "content-length": Buffer.byteLength(body) } },
      (res) => {
        const chunks = [];
        res.on("data", (c) => {
          if (keepBody || res.statusCode < 200 || res.statusCode >= 300) chunks.push(c);
        });
        res.on("end", () => resolvePromise({ status: res.statusCode, body: Buffer.concat(chunks).toString("utf8") }));
        res.on("error", reject);
      },
    );
    req.setTimeout(TIMEOUT_MS, () => req.destroy(new Error(`${method} ${path}: no answer within ${TIMEOUT_MS} ms`)));
    req.on("error", reject);
    req.end(body);
  });
}

// A timed request on `route`: → the answer, or null after a transport error. `from` is the
// scheduled start (open-loop reads); by default the moment of the call. `expected`: non-2xx
// statuses that are a trading outcome here, not an error.
async function timed(route, kind, agent, method, path, headers, { body, keepBody = false, from, expected } = {}) {
  const t0 = from ?? performance.now();
  try {
    const r = await send(agent, method, path, headers, body, keepBody);
    record(route, performance.now() - t0, r.status, r.body, kind, expected);
    return r;
  } catch (err) {
    recordTransport(route, err);
    return null;
  }
}

function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}
const fmt = (v, d = 1) => (Number.isFinite(v) ? v.toFixed(d) : "nan");

// ---------------------------------------------------------------------------------------------
// The market as the players see it: tradable symbols and their latest prices (refreshed from
// the public reads of GET /api/stocks).
const prices = new Map();
let tradable = [];
function takeStocks(text) {
  let list;
  try {
    list = JSON.parse(text);
  } catch {
    return;
  }
  const items = Array.isArray(list) ? list : (list.stocks ?? []);
  for (const q of items) if (q.price != null && Number(q.price) > 0) prices.set(q.symbol, Number(q.price));
  return items;
}

// ---------------------------------------------------------------------------------------------
// Set-up.
const players = [];
let admin; // { who, client }
const t0Setup = Date.now();
{
  const stocks = await send(undefined, "GET", "/api/stocks", { accept: "application/json" }, undefined, true).catch((err) => die(`GET /api/stocks: ${err.message}`));
  if (stocks.status !== 200) die(`GET /api/stocks: ${stocks.status} ${stocks.body}`);
  const items = takeStocks(stocks.body) ?? [];
  tradable = items.filter((q) => q.kind !== "index" && !q.halted && prices.has(q.symbol)).map((q) => q.symbol).sort();
  if (tradable.length < 4) die(`too few tradable symbols with a price in GET /api/stocks: ${tradable.join(" ")}`);
  try {
    for (let i = 0; i < PLAYERS; i += 1) {
      const address = `10.77.${i >> 8}.${(i & 255) + 1}`;
      const c = await signUp({ url: base.origin }, pg, newIdentity("mix"), { address });
      const made = await c.post("/api/account/keys", { name: "mixed bench" });
      if (made.status !== 201) die(`POST /api/account/keys: ${made.status} ${made.body}`);
      const headers = {
        "apca-api-key-id": made.json.key_id,
        "apca-api-secret-key": made.json.secret,
        accept: "application/json",
        "content-type": "application/json",
        "x-forwarded-for": address,
      };
      // Four symbols each, spread so that every tradable symbol is traded.
      const symbols = [0, 1, 2, 3].map((j) => tradable[(i * 3 + j * 7) % tradable.length]);
      players.push({
        i,
        address,
        cookie: c.cookieHeader(),
        headers,
        agent: new http.Agent({ keepAlive: true, maxSockets: 2 }),
        symbols: [...new Set(symbols)],
        held: new Map(), // symbol → shares held (from fills, corrected by /v2/positions reads)
        reservedSell: new Map(), // symbol → shares reserved by this player's open sell limits
        open: [], // resting limits: { id, side, symbol, qty, cancelAt }
        buyingPower: 100_000,
        inFlight: 0,
      });
    }
    // The first /v2 call opens the trading account: one by one, before the load.
    for (const p of players) {
      const r = await send(p.agent, "GET", "/v2/account", p.headers, undefined, true);
      if (r.status !== 200) die(`GET /v2/account: ${r.status} ${r.body}`);
      p.buyingPower = Number(JSON.parse(r.body).buying_power);
    }
    process.env.MARKETSIM_BIN = resolve(opt.bin);
    const who = newIdentity("mixadm");
    const madeAdmin = await runServerCommand({
      databaseUrl: opt["database-url"],
      args: ["create-admin", "--email", who.email, "--tag", who.user_tag, "--name", "Bench Admin"],
      input: `${who.password}\n`,
    });
    if (madeAdmin.code !== 0) die(`create-admin failed (${madeAdmin.code}): ${madeAdmin.output}`);
    admin = { who, client: await signIn({ url: base.origin }, who) };
  } catch (err) {
    die(`set-up: ${err.stack ?? err}`);
  }
  console.log(
    `set-up: ${PLAYERS} players with an API key each and an administrator in ${((Date.now() - t0Setup) / 1000).toFixed(1)} s; ` +
      `${tradable.length} tradable symbols (${tradable.join(" ")})`,
  );
}

// ---------------------------------------------------------------------------------------------
// Server-Sent Events streams (counted in the worker thread, streamWorker below): what each one
// asks for. One private stream per player, on its symbols, with its session cookie; the rest
// anonymous viewers, 60% of them on every symbol (the home page), 30% on one (a stock page), 10%
// on three (a watchlist).
function streamSpecs() {
  const specs = players.map((p) => ({ path: `/api/stream?symbols=${p.symbols.join(",")}`, headers: { cookie: p.cookie, "x-forwarded-for": p.address } }));
  for (let k = 0; specs.length < STREAMS; k += 1) {
    const r = rand();
    let path = "/api/stream";
    if (r >= 0.6 && r < 0.9) path += `?symbols=${pick(tradable)}`;
    else if (r >= 0.9) path += `?symbols=${[pick(tradable), pick(tradable), pick(tradable)].join(",")}`;
    specs.push({ path, headers: { "x-forwarded-for": `10.88.${k >> 8}.${(k & 255) + 1}` } });
  }
  return specs;
}
let streamThread;
let askId = 0;
const asked = new Map(); // id → resolve
let streamsFinal; // resolves with the worker's figures after {stop}
function startStreams() {
  const specs = streamSpecs();
  streamThread = new Worker(new URL(import.meta.url), { workerData: { host: base.hostname, port: Number(base.port), specs, heartbeatMs: HEARTBEAT_MS } });
  streamsFinal = new Promise((resolveFinal) => {
    streamThread.on("message", (m) => {
      if (m.type === "sample") {
        asked.get(m.id)?.(m);
        asked.delete(m.id);
      } else if (m.type === "final") {
        resolveFinal(m);
      }
    });
  });
  streamThread.on("error", (err) => console.log(`stream worker failed: ${err.stack ?? err}`));
  return specs.length;
}
function askStreams() {
  const id = (askId += 1);
  streamThread.postMessage({ type: "sample", id });
  return Promise.race([new Promise((r) => asked.set(id, r)), sleep(5000).then(() => ({ open: NaN, silent: NaN, events: NaN }))]);
}
let sseMaxSilentStreams = 0; // in the measured window

// ---------------------------------------------------------------------------------------------
// Players trading through the order path.
let orderSeq = 0;
const runTag = Date.now().toString(36);
const available = (p, symbol) => (p.held.get(symbol) ?? 0) - (p.reservedSell.get(symbol) ?? 0);

async function cancel(p, o) {
  p.open.splice(p.open.indexOf(o), 1);
  p.inFlight += 1;
  // 422: filled (or expired) before the cancel reached it, a trading outcome, not a server error;
  // a later positions read corrects what the player holds.
  const r = await timed("DELETE /v2/orders/{id}", "order", p.agent, "DELETE", `/v2/orders/${o.id}`, p.headers, { expected: [422] });
  p.inFlight -= 1;
  if (o.side === "sell") p.reservedSell.set(o.symbol, (p.reservedSell.get(o.symbol) ?? 0) - o.qty);
  else p.buyingPower += o.reserved;
  if (r?.status === 204 || r?.status === 200) {
    if (measuring()) outcomes.cancels += 1;
  } else if (r?.status === 422 && measuring()) {
    outcomes.cancelsLate += 1;
  }
}

async function placeOrder(p) {
  const symbol = pick(p.symbols);
  const price = prices.get(symbol);
  if (!price) return;
  const qty = price > 500 ? 1 : 1 + Math.floor(rand() * 5);
  const limit = rand() < 0.3 && p.open.length < 10;
  let side = rand() < 0.5 ? "buy" : "sell";
  // Sell only what is held and not reserved; buy only with room to spare and positions bounded
  // (a few thousand dollars a symbol), so no order is refused for the driver's own mistake.
  if (side === "sell" && available(p, symbol) < qty) side = "buy";
  else if (side === "buy" && (p.held.get(symbol) ?? 0) * price > 8000 && available(p, symbol) >= qty) side = "sell";
  if (side === "buy" && p.buyingPower < 3 * qty * price * 1.1) {
    if (available(p, symbol) < qty) return;
    side = "sell";
  }
  orderSeq += 1;
  const order = { symbol, qty: String(qty), side, type: limit ? "limit" : "market", time_in_force: limit ? "gtc" : "day", client_order_id: `mix-${runTag}-${p.i}-${orderSeq}` };
  let reserved = 0;
  if (limit) {
    const lp = side === "buy" ? price * 0.92 : price * 1.08;
    order.limit_price = lp.toFixed(2);
    if (side === "sell") p.reservedSell.set(symbol, (p.reservedSell.get(symbol) ?? 0) + qty);
    else p.buyingPower -= reserved = qty * Number(order.limit_price);
  }
  p.inFlight += 1;
  const r = await timed("POST /v2/orders", "order", p.agent, "POST", "/v2/orders", p.headers, { body: JSON.stringify(order), keepBody: true });
  p.inFlight -= 1;
  if (measuring() && r) outcomes.ordersPlaced += 1;
  let answer = null;
  if (r?.status === 200) {
    try {
      answer = JSON.parse(r.body);
    } catch {
      answer = null;
    }
  }
  if (!answer) {
    // Refused or lost: undo the local reservation (a positions read corrects what is held).
    if (limit && side === "sell") p.reservedSell.set(symbol, (p.reservedSell.get(symbol) ?? 0) - qty);
    else if (limit) p.buyingPower += reserved;
    return;
  }
  const filled = Number(answer.filled_qty ?? 0);
  const avg = Number(answer.filled_avg_price ?? price);
  if (filled > 0) {
    p.held.set(symbol, (p.held.get(symbol) ?? 0) + (side === "buy" ? filled : -filled));
    p.buyingPower += side === "buy" ? -filled * avg : filled * avg;
    if (measuring()) outcomes.ordersFilled += 1;
  }
  if (limit && (answer.status === "new" || answer.status === "partially_filled")) {
    if (measuring()) outcomes.limitsRested += 1;
    p.open.push({ id: answer.id, side, symbol, qty: qty - filled, reserved: side === "buy" ? (qty - filled) * Number(order.limit_price) : 0, cancelAt: performance.now() + between(5000, 30000) });
  } else if (limit) {
    if (side === "sell") p.reservedSell.set(symbol, (p.reservedSell.get(symbol) ?? 0) - qty);
    else p.buyingPower += reserved - filled * Number(order.limit_price);
  }
}

async function playerLoop(p) {
  await sleep(between(0, ORDER_INTERVAL_MS)); // the players do not start in step
  while (phase !== "stopping") {
    const now = performance.now();
    const due = p.open.filter((o) => o.cancelAt <= now);
    for (const o of due) if (phase !== "stopping") await cancel(p, o);
    if (phase === "stopping") break;
    await placeOrder(p);
    await sleep(ORDER_INTERVAL_MS * between(0.5, 1.5));
  }
}

// ---------------------------------------------------------------------------------------------
// Open-loop reads. Each entry: weight, route template, path maker, who asks ("public" or "key":
// the next player's key, in turn), and what the answer feeds back into the players' state.
const publicAgent = new http.Agent({ keepAlive: true, maxSockets: 48 });
const someBots = Array.from({ length: 30 }, (_, i) => `bot_${String(i + 1).padStart(2, "0")}`);
const sym = () => pick(tradable);
const READ_MIX = [
  [14, "GET /api/stocks", () => "/api/stocks", "public", (p, r) => takeStocks(r.body)],
  [12, "GET /api/stocks/{symbol}", () => `/api/stocks/${sym()}`, "public"],
  [5, "GET /api/stocks/{symbol}/candles", () => `/api/stocks/${sym()}/candles?interval=5m&limit=500`, "public"],
  [3, "GET /api/stocks/{symbol}/candles", () => `/api/stocks/${sym()}/candles?interval=1d&limit=500`, "public"],
  [5, "GET /api/stocks/{symbol}/book", () => `/api/stocks/${sym()}/book?depth=10`, "public"],
  [5, "GET /api/stocks/{symbol}/trades", () => `/api/stocks/${sym()}/trades?limit=50`, "public"],
  [2, "GET /api/stocks/{symbol}/holders", () => `/api/stocks/${sym()}/holders?limit=10`, "public"],
  [3, "GET /api/forecasts/{symbol}", () => `/api/forecasts/${sym()}`, "public"],
  [3, "GET /api/market/movers", () => "/api/market/movers?count=5", "public"],
  [2, "GET /api/market/status", () => "/api/market/status", "public"],
  [4, "GET /api/feed", () => "/api/feed", "public"],
  [4, "GET /api/leaderboard", () => `/api/leaderboard?period=${pick(["day", "week", "all"])}`, "public"],
  [3, "GET /api/sectors", () => "/api/sectors", "public"],
  [3, "GET /api/users/{tag}", () => `/api/users/${pick(someBots)}`, "public"],
  [7, "GET /v2/account", () => "/v2/account", "key", takeAccount],
  [6, "GET /v2/positions", () => "/v2/positions", "key", takePositions],
  [5, "GET /v2/orders", () => "/v2/orders?status=open&limit=50", "key"],
  [2, "GET /v2/account/activities", () => "/v2/account/activities?page_size=50", "key"],
  [1, "GET /v2/clock", () => "/v2/clock", "key"],
  [4, "GET /v2/stocks/{symbol}/bars", () => `/v2/stocks/${sym()}/bars?timeframe=1Min&limit=100`, "key"],
  [3, "GET /v2/stocks/{symbol}/quotes/latest", () => `/v2/stocks/${sym()}/quotes/latest`, "key"],
  [2, "GET /v2/stocks/snapshots", () => `/v2/stocks/snapshots?symbols=${[sym(), sym(), sym()].join(",")}`, "key"],
];
const READ_TOTAL = READ_MIX.reduce((n, r) => n + r[0], 0);

// The server's buying power already leaves out what open buys reserve.
function takeAccount(p, r) {
  if (p.inFlight === 0) p.buyingPower = Number(JSON.parse(r.body).buying_power);
}

// A positions read replaces the player's idea of what it holds, unless one of its orders is in
// flight (whose answer would then be counted twice).
function takePositions(p, r) {
  if (p.inFlight > 0) return;
  const list = JSON.parse(r.body);
  p.held = new Map(list.map((x) => [x.symbol, Number(x.qty)]));
  p.reservedSell = new Map(list.map((x) => [x.symbol, Number(x.qty) - Number(x.qty_available)]));
}

let outstanding = 0;
let readIssued = 0;
let readStart = 0;
let readTimer = null;
let keyTurn = 0;
let viewer = 0;
const readsInFlight = new Set();

function launchRead(scheduledAt) {
  let w = rand() * READ_TOTAL;
  let entry = READ_MIX[0];
  for (const e of READ_MIX) {
    if ((w -= e[0]) < 0) {
      entry = e;
      break;
    }
  }
  const [, route, pathOf, who, onAnswer] = entry;
  if (measuring()) {
    outcomes.reads += 1;
    sendLag.push(performance.now() - scheduledAt);
  }
  if (outstanding >= MAX_OUTSTANDING) {
    if (measuring()) routeStats(route).dropped += 1;
    return;
  }
  let agent = publicAgent;
  let headers;
  let p;
  if (who === "key") {
    p = players[keyTurn++ % players.length];
    agent = p.agent;
    headers = p.headers;
  } else {
    viewer = (viewer + 1) % 4000;
    headers = { accept: "application/json", "x-forwarded-for": `10.99.${viewer >> 8}.${(viewer & 255) + 1}` };
  }
  outstanding += 1;
  const done = timed(route, "read", agent, "GET", pathOf(), headers, { keepBody: Boolean(onAnswer), from: scheduledAt }).then((r) => {
    outstanding -= 1;
    if (r?.status === 200 && onAnswer) {
      try {
        onAnswer(p, r);
      } catch {
        // a body the driver cannot read is not the server's latency problem
      }
    }
  });
  readsInFlight.add(done);
  done.finally(() => readsInFlight.delete(done));
}

function startReads() {
  readStart = performance.now();
  readTimer = setInterval(() => {
    const due = Math.floor(((performance.now() - readStart) * READS_PER_S) / 1000);
    while (readIssued < due) {
      const at = readStart + (readIssued * 1000) / READS_PER_S;
      readIssued += 1;
      launchRead(at);
    }
  }, 5);
}

// ---------------------------------------------------------------------------------------------
// Samples: the server's RSS and its runtime view, the client's own health.
const clientLag = monitorEventLoopDelay({ resolution: 10 });
clientLag.enable();
const clientLagWindow = monitorEventLoopDelay({ resolution: 10 }); // the measured window only
const samples = [];
const CURVE_COLUMNS = [
  "elapsed_s", "phase", "rss_kib", "server_streams", "server_signed_in_streams", "client_streams_open", "silent_streams",
  "connections", "in_flight", "oldest_in_flight_ms", "tasks_stalled", "loop_lag_last_ms", "loop_lag_max_ms",
  "pool_requests_in_use", "pool_requests_queued", "history_buffered", "sse_events", "reads_p99_ms", "orders_p99_ms",
  "client_lag_p99_ms", "reads_outstanding",
];
let runStart = 0;
let stalledNames = new Set();

function rssKib() {
  if (!SERVER_PID) return NaN;
  try {
    const m = /^VmRSS:\s+(\d+)/m.exec(readFileSync(`/proc/${SERVER_PID}/status`, "utf8"));
    return m ? Number(m[1]) : NaN;
  } catch {
    return NaN;
  }
}
function serverCpuTicks() {
  if (!SERVER_PID) return NaN;
  try {
    const f = readFileSync(`/proc/${SERVER_PID}/stat`, "utf8").replace(/.*\) /s, "").split(" ");
    return Number(f[11]) + Number(f[12]);
  } catch {
    return NaN;
  }
}

// `label`: the curve's phase column ("end": the sample that closes the measured window).
async function takeSample(label = phase) {
  const row = { elapsed_s: ((performance.now() - runStart) / 1000).toFixed(1), phase: label, rss_kib: rssKib() };
  const r = await timed("GET /api/admin/runtime", "admin", undefined, "GET", "/api/admin/runtime", { accept: "application/json", cookie: admin.client.cookieHeader() }, { keepBody: true });
  if (r?.status === 200) {
    const v = JSON.parse(r.body);
    row.server_streams = v.streams?.total;
    row.server_signed_in_streams = v.streams?.signed_in;
    row.connections = v.connections;
    row.in_flight = v.requests_in_flight?.length;
    row.oldest_in_flight_ms = fmt(v.requests_in_flight?.length ? Math.max(...v.requests_in_flight.map((q) => q.age_ms)) : 0, 2);
    const stalled = (v.tasks ?? []).filter((t) => t.stalled);
    row.tasks_stalled = stalled.length;
    for (const t of stalled) stalledNames.add(t.name);
    row.loop_lag_last_ms = fmt(Math.max(0, ...(v.loop_lag ?? []).map((l) => l.last_ms)), 2);
    row.loop_lag_max_ms = fmt(Math.max(0, ...(v.loop_lag ?? []).map((l) => l.max_ms)), 2);
    const pool = (v.pools ?? []).find((x) => x.name === "requests");
    row.pool_requests_in_use = pool?.in_use;
    row.pool_requests_queued = pool?.queued;
    row.history_buffered = v.history_buffered;
  }
  const st = await askStreams();
  row.client_streams_open = st.open;
  row.silent_streams = st.silent;
  if (label === "measure" || label === "end") sseMaxSilentStreams = Math.max(sseMaxSilentStreams, st.silent);
  row.sse_events = st.events;
  intervalReads.sort((a, b) => a - b);
  intervalOrders.sort((a, b) => a - b);
  row.reads_p99_ms = fmt(percentile(intervalReads, 99));
  row.orders_p99_ms = fmt(percentile(intervalOrders, 99));
  intervalReads = [];
  intervalOrders = [];
  row.client_lag_p99_ms = fmt(clientLag.percentile(99) / 1e6);
  clientLag.reset();
  row.reads_outstanding = outstanding;
  samples.push(row);
  console.log(
    `  ${String(row.elapsed_s).padStart(6)} s ${row.phase.padEnd(7)} rss ${row.rss_kib} KiB, streams ${row.server_streams ?? "?"} (client ${row.client_streams_open}, silent ${row.silent_streams}), ` +
      `in flight ${row.in_flight ?? "?"}, stalled ${row.tasks_stalled ?? "?"}, loop lag ${row.loop_lag_max_ms ?? "?"} ms, reads p99 ${row.reads_p99_ms} ms, orders p99 ${row.orders_p99_ms} ms, client lag p99 ${row.client_lag_p99_ms} ms`,
  );
  return row;
}

// ---------------------------------------------------------------------------------------------
// The server's own view: its request-duration histograms (Prometheus text) at the window's start
// and end; the difference gives, per route, a count and the bucket bound under which 99% fell.
async function scrapeHistograms() {
  if (!opt["metrics-url"]) return null;
  try {
    const u = new URL(opt["metrics-url"]);
    const r = await new Promise((res, rej) => {
      http.get({ host: u.hostname, port: u.port, path: u.pathname, timeout: 10_000 }, (resp) => {
        let text = "";
        resp.setEncoding("utf8");
        resp.on("data", (c) => (text += c));
        resp.on("end", () => res(text));
      }).on("error", rej);
    });
    const buckets = new Map(); // "METHOD route" → Map(le → count)
    const statuses = new Map(); // "status" → count over all routes
    for (const line of r.split("\n")) {
      let m = /^marketsim_http_request_duration_seconds_bucket\{(.*)\} (\S+)$/.exec(line);
      if (m) {
        const labels = Object.fromEntries([...m[1].matchAll(/([a-z_]+)="((?:[^"\\]|\\.)*)"/g)].map((x) => [x[1], x[2]]));
        const key = `${labels.method ?? "?"} ${labels.route}`;
        if (!buckets.has(key)) buckets.set(key, new Map());
        buckets.get(key).set(labels.le, Number(m[2]));
        continue;
      }
      m = /^marketsim_http_requests_total\{(.*)\} (\S+)$/.exec(line);
      if (m) {
        const status = /status="(\d+)"/.exec(m[1])?.[1] ?? "?";
        statuses.set(status, (statuses.get(status) ?? 0) + Number(m[2]));
      }
    }
    return { buckets, statuses };
  } catch (err) {
    console.log(`metrics scrape failed: ${err.message}`);
    return null;
  }
}

// ---------------------------------------------------------------------------------------------
// The browser: an administrator watching Admin -> Runtime through the measured window, as a
// person would (the page asks for GET /api/admin/runtime every 2 s), in Debian Chromium with
// playwright-core. It is opened during the warm-up, so that starting a browser (a burst of CPU
// on a small machine) is not in the window, and the PNG is taken at the window's end: the page
// then shows the window's slowest steps, not the browser's own start.
async function openRuntimePage() {
  const { openBrowser } = await import("../support/browser.mjs");
  let browser;
  try {
    let page;
    ({ browser, page } = await openBrowser({ stepTimeoutMs: 30_000 }));
    await page.goto(`${base.origin}/signin/?next=${encodeURIComponent("/admin/?tab=runtime")}`, { waitUntil: "domcontentloaded" });
    await page.getByTestId("signin-email").fill(admin.who.email);
    await page.getByTestId("signin-password").fill(admin.who.password);
    await page.getByTestId("signin-submit").click();
    await page.getByTestId("header-user").waitFor();
    await page.goto(`${base.origin}/admin/?tab=runtime`, { waitUntil: "domcontentloaded" });
    await page.getByTestId("runtime-tasks").waitFor();
    return { browser, page };
  } catch (err) {
    console.log(`the browser could not open Admin -> Runtime: ${err.message.split("\n")[0]}`);
    await browser?.close().catch(() => {});
    return null;
  }
}

async function shootRuntimePage(view, file) {
  try {
    await view.page.getByTestId("runtime-lag").locator("tbody tr").first().waitFor();
    await view.page.screenshot({ path: file, fullPage: true });
    return file;
  } catch (err) {
    console.log(`screenshot failed: ${err.message.split("\n")[0]}`);
    return "";
  } finally {
    await view.browser.close().catch(() => {});
  }
}

// ---------------------------------------------------------------------------------------------
// The run.
// The phase, here and in the stream worker (which counts only the measured window).
function setPhase(next) {
  phase = next;
  streamThread?.postMessage({ type: "phase", phase: next });
}
runStart = performance.now();
setPhase("warmup");
const streamCount = startStreams();
const playerLoops = players.map((p) => playerLoop(p));
startReads();
const sampler = (async () => {
  while (phase !== "stopping") {
    await takeSample().catch((err) => console.log(`sample failed: ${err.message}`));
    const next = SAMPLE_MS - ((performance.now() - runStart) % SAMPLE_MS);
    await sleep(next);
  }
})();
console.log(
  `load: ${streamCount} streams (${players.length} private), ${PLAYERS} players trading (an order every ~${ORDER_INTERVAL_MS / 1000} s each), ` +
    `${READS_PER_S} reads/s open loop; warm-up ${WARMUP_MS / 1000} s, measured ${MEASURE_MS / 1000} s, tail ${TAIL_MS / 1000} s`,
);
const runtimeView = opt.screenshot ? sleep(Math.min(10_000, WARMUP_MS / 3)).then(openRuntimePage) : Promise.resolve(null);
await sleep(Math.max(0, WARMUP_MS - (performance.now() - runStart)));
const view = await runtimeView;

const metricsBefore = await scrapeHistograms();
const cpuBefore = { server: serverCpuTicks(), client: process.cpuUsage(), at: performance.now() };
setPhase("measure");
clientLagWindow.enable();
const measureStart = performance.now();
const startSample = await takeSample().catch((err) => console.log(`sample failed: ${err.message}`)); // the window's first point
const sseOpenAtStart = startSample?.client_streams_open ?? NaN;
await sleep(MEASURE_MS);
setPhase("tail");
clientLagWindow.disable();
const measureEnd = performance.now();
const cpuAfter = { server: serverCpuTicks(), client: process.cpuUsage(cpuBefore.client), at: performance.now() };
const metricsAfter = await scrapeHistograms();
const endSample = await takeSample("end").catch(() => null); // the window's last point
const sseOpenAtEnd = endSample?.client_streams_open ?? NaN;

let screenshot = "";
const tailStart = performance.now();
if (view) {
  screenshot = await shootRuntimePage(view, opt.screenshot);
  if (screenshot) console.log(`screenshot of Admin -> Runtime at the window's end, under load: ${screenshot}`);
}
await sleep(Math.max(0, TAIL_MS - (performance.now() - tailStart)));

// Clean shutdown: no new work, then wait for what is in flight, then close everything.
setPhase("stopping");
clearInterval(readTimer);
streamThread.postMessage({ type: "stop" });
const sse = await Promise.race([streamsFinal, sleep(10_000).then(() => null)]);
await streamThread.terminate();
if (!sse) die("the stream worker did not report its figures");
await Promise.race([Promise.all([...playerLoops, sampler, ...readsInFlight]), sleep(TIMEOUT_MS + 2000)]);
publicAgent.destroy();
for (const p of players) p.agent.destroy();
clientLag.disable();

// ---------------------------------------------------------------------------------------------
// Report.
const seconds = (measureEnd - measureStart) / 1000;
console.log(`\nper route, ${seconds.toFixed(0)} s window (ms from the scheduled start for reads; errors: non-2xx, transport, dropped)`);
console.log(`  ${"route".padEnd(40)} ${"count".padStart(7)} ${"/s".padStart(6)} ${"p50".padStart(7)} ${"p99".padStart(7)} ${"max".padStart(8)} ${"errors".padStart(6)}  codes`);
let worst = { route: "", p99: -1 };
let errors = 0;
let non2xx = 0;
let transport = 0;
let dropped = 0;
let all = [];
const perRoute = [];
for (const [route, s] of [...routes].sort((a, b) => a[0].localeCompare(b[0]))) {
  s.lat.sort((a, b) => a - b);
  const n2 = [...s.statuses.values()].reduce((a, b) => a + b, 0);
  const e = n2 + s.transport + s.dropped;
  const p99 = percentile(s.lat, 99);
  errors += e;
  non2xx += n2;
  transport += s.transport;
  dropped += s.dropped;
  all = all.concat(s.lat);
  if (p99 > worst.p99) worst = { route, p99 };
  const codes = [...s.statuses].map(([st, n]) => `${st}x${n}`).concat([...s.codes].map(([c, n]) => `${c}x${n}`), s.transport ? [`transport x${s.transport}`] : [], s.dropped ? [`dropped x${s.dropped}`] : []).join(" ");
  perRoute.push({ route, p99 });
  console.log(
    `  ${route.padEnd(40)} ${String(s.lat.length).padStart(7)} ${(s.lat.length / seconds).toFixed(1).padStart(6)} ${fmt(percentile(s.lat, 50), 2).padStart(7)} ${fmt(p99, 2).padStart(7)} ${fmt(s.lat.at(-1), 1).padStart(8)} ${String(e).padStart(6)}  ${codes}`,
  );
  if (s.firstError) console.log(`      first error: ${s.firstError}`);
}
all.sort((a, b) => a - b);

// The server's own histograms over the same window.
const serverP99 = new Map();
let server5xx = NaN;
if (metricsBefore && metricsAfter) {
  for (const [key, after] of metricsAfter.buckets) {
    const before = metricsBefore.buckets.get(key) ?? new Map();
    const diffs = [...after].map(([le, n]) => [le === "+Inf" ? Infinity : Number(le), n - (before.get(le) ?? 0)]).sort((a, b) => a[0] - b[0]);
    const total = diffs.at(-1)?.[1] ?? 0;
    if (total <= 0) continue;
    const bound = diffs.find(([, n]) => n >= total * 0.99)?.[0];
    serverP99.set(key, { count: total, p99LeMs: bound * 1000 });
  }
  server5xx = 0;
  for (const [st, n] of metricsAfter.statuses) if (st.startsWith("5")) server5xx += n - (metricsBefore.statuses.get(st) ?? 0);
  console.log(`server's own histograms over the window (marketsim_http_request_duration_seconds; p99 <= the bucket bound):`);
  for (const [key, v] of [...serverP99].sort((a, b) => a[0].localeCompare(b[0]))) console.log(`  ${key.padEnd(40)} ${String(v.count).padStart(7)}   p99 <= ${Number.isFinite(v.p99LeMs) ? fmt(v.p99LeMs, 1) : "+Inf"} ms`);
  console.log(`  5xx answers in the window (all routes): ${server5xx}`);
}

// Memory: the measured window's samples (the first one is taken at the window's start).
const windowSamples = samples.filter((s) => s.phase === "measure" || s === endSample);
const rssPoints = windowSamples.filter((s) => Number.isFinite(s.rss_kib)).map((s) => [Number(s.elapsed_s) / 60, s.rss_kib]);
let slope = NaN;
if (rssPoints.length >= 2) {
  const n = rssPoints.length;
  const mx = rssPoints.reduce((a, p) => a + p[0], 0) / n;
  const my = rssPoints.reduce((a, p) => a + p[1], 0) / n;
  const sxy = rssPoints.reduce((a, p) => a + (p[0] - mx) * (p[1] - my), 0);
  const sxx = rssPoints.reduce((a, p) => a + (p[0] - mx) ** 2, 0);
  slope = sxx > 0 ? sxy / sxx : NaN;
}
const rssStart = rssPoints[0]?.[1] ?? NaN;
const rssEnd = rssPoints.at(-1)?.[1] ?? NaN;
const rssMax = rssPoints.length ? Math.max(...rssPoints.map((p) => p[1])) : NaN;
const maxOf = (k) => Math.max(0, ...windowSamples.map((s) => Number(s[k])).filter(Number.isFinite));

if (opt.curve) {
  const csv = [CURVE_COLUMNS.join(",")].concat(samples.map((s) => CURVE_COLUMNS.map((c) => s[c] ?? "").join(","))).join("\n");
  writeFileSync(opt.curve, `${csv}\n`);
}

const sseEvents = new Map(Object.entries(sse.events));
const sseStatuses = Object.entries(sse.statuses);
const sseTotal = [...sseEvents.values()].reduce((a, b) => a + b, 0);
const hz = 100; // USER_HZ on Linux
const serverCpus = (cpuAfter.server - cpuBefore.server) / hz / seconds;
const clientCpus = (cpuAfter.client.user + cpuAfter.client.system) / 1e6 / seconds;
sendLag.sort((a, b) => a - b);
console.log(
  `SSE: ${sseOpenAtStart} streams open at the window's start, ${sseOpenAtEnd} at its end; ${sseTotal} events (${(sseTotal / seconds).toFixed(0)}/s: ` +
    `${[...sseEvents].map(([t, n]) => `${t} ${n}`).join(", ")}), ${sse.heartbeats} heartbeats; errors ${sse.errors}, ended by the server ${sse.ended}, ` +
    `reconnects ${sse.reconnects}${sseStatuses.length ? ` (answers ${sseStatuses.map(([st, n]) => `${st}x${n}`).join(" ")})` : ""}; most silent streams at a sample ${sseMaxSilentStreams}`,
);
if (sse.firstError) console.log(`  first stream error: ${sse.firstError}`);
console.log(
  `orders: ${outcomes.ordersPlaced} placed (${(outcomes.ordersPlaced / seconds).toFixed(1)}/s), ${outcomes.ordersFilled} filled at once, ${outcomes.limitsRested} limits rested, ` +
    `${outcomes.cancels} cancelled, ${outcomes.cancelsLate} cancels too late (filled first: not errors); reads scheduled ${outcomes.reads} (${(outcomes.reads / seconds).toFixed(1)}/s)`,
);
console.log(
  `memory: VmRSS ${rssStart} KiB at the window's start, ${rssEnd} at its end, max ${rssMax}; slope ${fmt(slope)} KiB/min over ${rssPoints.length} samples` +
    (Number.isFinite(rssStart) && Number.isFinite(rssEnd) ? ` (${fmt(((rssEnd - rssStart) / rssStart) * 100)}% over the window)` : ""),
);
console.log(
  `runtime view: requests in flight max ${maxOf("in_flight")}, oldest ${fmt(maxOf("oldest_in_flight_ms"), 0)} ms; tasks stalled max ${maxOf("tasks_stalled")}` +
    `${stalledNames.size ? ` (${[...stalledNames].join(", ")})` : ""}; loop lag max ${fmt(maxOf("loop_lag_max_ms"))} ms; request pool queued max ${maxOf("pool_requests_queued")}`,
);
console.log(
  `CPU over the window: server ${fmt(serverCpus, 2)} CPUs, this driver ${fmt(clientCpus, 2)}; the driver's event loop lag p99 ${fmt(clientLagWindow.percentile(99) / 1e6)} ms, ` +
    `max ${fmt(clientLagWindow.max / 1e6)} ms; reads launched late by p99 ${fmt(percentile(sendLag, 99), 2)} ms`,
);
if (opt.curve) console.log(`memory curve: ${opt.curve} (${samples.length} samples every ${SAMPLE_MS / 1000} s)`);

const out = {
  seconds: seconds.toFixed(0),
  warmup: WARMUP_MS / 1000,
  players: PLAYERS,
  streams: streamCount,
  streams_open_start: sseOpenAtStart,
  streams_open_end: sseOpenAtEnd,
  sse_events: sseTotal,
  sse_events_per_s: (sseTotal / seconds).toFixed(0),
  sse_errors: sse.errors,
  sse_ended: sse.ended,
  sse_reconnects: sse.reconnects,
  sse_resets: sseEvents.get("reset") ?? 0,
  sse_silent_max: sseMaxSilentStreams,
  orders_placed: outcomes.ordersPlaced,
  orders_per_s: (outcomes.ordersPlaced / seconds).toFixed(1),
  orders_filled: outcomes.ordersFilled,
  cancels: outcomes.cancels,
  cancels_late: outcomes.cancelsLate,
  reads: outcomes.reads,
  reads_per_s: (outcomes.reads / seconds).toFixed(1),
  requests: all.length,
  p50_ms: fmt(percentile(all, 50), 2),
  p99_ms: fmt(percentile(all, 99), 2),
  worst_route: worst.route.replace(/ /g, "_"),
  worst_route_p99_ms: fmt(worst.p99, 2),
  routes_over_100ms: perRoute.filter((r) => r.p99 > 100).length,
  errors,
  non2xx,
  transport_errors: transport,
  dropped,
  server_5xx: Number.isFinite(server5xx) ? server5xx : "n/a",
  server_worst_p99_le_ms: serverP99.size ? fmt(Math.max(...[...serverP99.values()].map((v) => v.p99LeMs)), 1) : "n/a",
  rss_start_kib: rssStart,
  rss_end_kib: rssEnd,
  rss_max_kib: rssMax,
  rss_slope_kib_per_min: fmt(slope),
  runtime_in_flight_max: maxOf("in_flight"),
  runtime_stalled_max: maxOf("tasks_stalled"),
  runtime_loop_lag_max_ms: fmt(maxOf("loop_lag_max_ms")),
  server_cpus: fmt(serverCpus, 2),
  client_cpus: fmt(clientCpus, 2),
  client_lag_p99_ms: fmt(clientLagWindow.percentile(99) / 1e6),
  send_lag_p99_ms: fmt(percentile(sendLag, 99), 2),
  screenshot: screenshot || "none",
};
for (const [k, v] of Object.entries(out)) console.log(`RESULT ${k}=${v}`);
process.exit(0);
