// Tick-to-fill load client for marketsim benchmarks (not part of the pass/fail suite): how long
// after a price move the players see the resting orders it crossed filled, with a deep book of
// orders it does not cross beside them.
//
// Against a running server started with a frozen market (MARKETSIM_TICK_INTERVAL=1h),
// MARKETSIM_TEST_HOOKS=1 (the price hook), MARKETSIM_TRUSTED_PROXIES=127.0.0.1 (each sign-up
// from its own X-Forwarded-For address), MARKETSIM_API_RATE high enough and
// MARKETSIM_STREAMS_PER_ADDRESS at least --players:
//   1. sets --symbol to --price with the test hook (POST /api/test/price);
//   2. signs up --players players through the API (tests/support/accounts.mjs: register,
//      verification token from the outbox, verify, sign in; the session cookie is kept for the
//      stream), one API key each, and gives each the shares its resting sells need (one market
//      buy each);
//   3. places --resting resting orders of one share, gtc, through POST /v2/orders with the API
//      keys at --clients concurrent clients (order i belongs to player i mod players): 40% buy
//      limits at 50-90% of the price, 40% sell limits at 110-150%, 10% buy stops at 160-200% and
//      10% sell stops at 20-40%: none of them trades at --price or at --next-price;
//   4. opens the private event stream (GET /api/stream?symbols=SYMBOL with the session cookie)
//      of every player that owns a crossing order;
//   5. --rounds rounds: (from the second on, the price goes back to --price first), places
//      --crossing buy limits of one share at --cross-price + j cents (j < 100), which rest at
//      --price (below the house's ask) and which --next-price crosses (the house fills a crossed
//      resting limit at its limit: src/db/tick_processing.cpp), waits for their "new" events on
//      the streams, then moves the price to --next-price with the hook and times, from the
//      hook's answer, the `trade_update` `fill` event of every crossing order as its owner's
//      stream delivers it (the last one is the figure). Then it checks with SQL that exactly that
//      round's crossing orders filled, each at its limit, and that every resting order is still
//      open. With --pg-admin USER (a superuser; pg_stat_statements in database marketsim),
//      pg_stat_statements and pg_stat_wal are reset right before each price move and read once
//      the fills are in: the database time of the marketsim role per crossed order, WAL
//      flushes, and (last round) the top 15 statements written to --pgss-out (tab-separated).
// Output: human-readable lines, then `RESULT key=value` lines for scripts/bench.
// Usage:
//   node tests/bench/tick.mjs --url URL --pg-host DIR --pg-port PORT [--symbol IBM]
//     [--price 100] [--next-price 94] [--cross-price 95] [--players 50] [--resting 10000]
//     [--crossing 100] [--rounds 3] [--clients 32] [--timeout 30] [--pg-admin postgres]
//     [--pgss-out FILE]
import { execFile } from "node:child_process";
import { writeFileSync } from "node:fs";
import http from "node:http";
import { join } from "node:path";
import { parseArgs, promisify } from "node:util";
import { newIdentity, signUp } from "../support/accounts.mjs";
import { parseCsv } from "../support/pg.mjs";
import { openStream } from "../support/sse.mjs";

const execFileP = promisify(execFile);
const PG_BIN = process.env.PG_BIN ?? "/usr/lib/postgresql/15/bin";

const { values: opt } = parseArgs({
  options: {
    url: { type: "string", default: process.env.MARKETSIM_URL },
    "pg-host": { type: "string" },
    "pg-port": { type: "string" },
    "pg-user": { type: "string", default: "marketsim" },
    symbol: { type: "string", default: "IBM" },
    price: { type: "string", default: "100" },
    "next-price": { type: "string", default: "94" },
    "cross-price": { type: "string", default: "95" },
    players: { type: "string", default: "50" },
    resting: { type: "string", default: "10000" },
    crossing: { type: "string", default: "100" },
    rounds: { type: "string", default: "3" },
    clients: { type: "string", default: "32" },
    timeout: { type: "string", default: "30" },
    "pg-admin": { type: "string" },
    "pgss-out": { type: "string" },
  },
});

function die(message) {
  console.error(`tick.mjs: ${message}`);
  process.exit(1);
}

if (!opt.url || !opt["pg-host"] || !opt["pg-port"]) die("--url, --pg-host and --pg-port are required");
const base = new URL(opt.url);
const SYMBOL = opt.symbol;
const PLAYERS = Number(opt.players);
const RESTING = Number(opt.resting);
const CROSSING = Number(opt.crossing);
const ROUNDS = Number(opt.rounds);
const CLIENTS = Number(opt.clients);
const TIMEOUT_MS = Number(opt.timeout) * 1000;

// Decimal text ↔ ten-thousandths (integers only: no float rounding in prices).
function e4(text) {
  const [whole, frac = ""] = String(text).split(".");
  return Number(whole) * 10000 + Number((frac + "0000").slice(0, 4));
}
function dollars(v) {
  return `${Math.floor(v / 10000)}.${String(v % 10000).padStart(4, "0").slice(0, 2)}`;
}
const PRICE = e4(opt.price);
const NEXT = e4(opt["next-price"]);
const CROSS = e4(opt["cross-price"]);
if (!(NEXT <= CROSS && CROSS + 99 * 100 < PRICE)) die("want next-price <= cross-price and cross-price + 0.99 < price");
if (!(NEXT > Math.floor(PRICE * 0.9))) die("next-price must stay above the resting buy limits (90% of price)");

const pg = {
  async psql(sql, user = opt["pg-user"]) {
    const { stdout } = await execFileP(
      join(PG_BIN, "psql"),
      ["-X", "-q", "--csv", "-P", "null=\\N", "-v", "ON_ERROR_STOP=1", "-h", opt["pg-host"], "-p", opt["pg-port"], "-U", user, "-d", "marketsim", "-c", sql],
      { timeout: 60_000, maxBuffer: 64 << 20 },
    );
    const [header, ...body] = parseCsv(stdout);
    return header ? body.map((r) => Object.fromEntries(header.map((h, i) => [h, r[i] ?? null]))) : [];
  },
};

const nowMs = () => Number(process.hrtime.bigint()) / 1e6;

// One HTTP exchange on `agent` (keep-alive): { status, body, json }.
function send(agent, method, path, headers, body) {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: base.hostname, port: base.port, method, path, agent, headers: { ...headers, "content-length": Buffer.byteLength(body ?? "") } },
      (res) => {
        const chunks = [];
        res.on("data", (c) => chunks.push(c));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          let json;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode, body: text, json });
        });
        res.on("error", reject);
      },
    );
    req.setTimeout(30_000, () => req.destroy(new Error(`${method} ${path}: no answer within 30 s`)));
    req.on("error", reject);
    req.end(body);
  });
}

const hookAgent = new http.Agent({ keepAlive: true, maxSockets: 1 });
async function setPrice(priceE4) {
  const r = await send(hookAgent, "POST", "/api/test/price", { "content-type": "application/json" }, JSON.stringify({ symbol: SYMBOL, price: dollars(priceE4) }));
  if (r.status !== 200) die(`POST /api/test/price: ${r.status} ${r.body}`);
}

// Each player's requests come from an address of its own (X-Forwarded-For, 127.0.0.1 being a
// trusted proxy), like separate clients: the per-address budget of API-key lookups (a key's
// first use, before it is cached) is then not shared by all the players.
const playerAddress = (i) => `10.78.${i >> 8}.${(i & 255) + 1}`;
function keyHeaders(p) {
  return { "apca-api-key-id": p.key.key_id, "apca-api-secret-key": p.key.secret, "content-type": "application/json", accept: "application/json", "x-forwarded-for": p.address };
}

// Runs fn(i) for i in [0, n) at `width` concurrent workers, each with its own keep-alive agent.
async function pool(n, width, fn) {
  let next = 0;
  const worker = async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      for (let i = next++; i < n; i = next++) await fn(i, agent);
    } finally {
      agent.destroy();
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, n) }, worker));
}

// The order i of the resting book (none trades at PRICE or NEXT). Integers in e4, whole cents.
function restingOrder(i) {
  const cents = (lo, hi) => Math.round((lo + ((i * 7919) % 1000) / 1000 * (hi - lo)) / 100) * 100;
  const k = i % 10;
  const base = { symbol: SYMBOL, qty: "1", time_in_force: "gtc", client_order_id: `tickrest-${i}` };
  if (k < 4) return { ...base, side: "buy", type: "limit", limit_price: dollars(cents(PRICE * 0.5, PRICE * 0.9 - 100)) };
  if (k < 8) return { ...base, side: "sell", type: "limit", limit_price: dollars(cents(PRICE * 1.1, PRICE * 1.5)) };
  if (k < 9) return { ...base, side: "buy", type: "stop", stop_price: dollars(cents(PRICE * 1.6, PRICE * 2)) };
  return { ...base, side: "sell", type: "stop", stop_price: dollars(cents(PRICE * 0.2, PRICE * 0.4)) };
}

function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}
const fmt = (v) => (Number.isFinite(v) ? v.toFixed(1) : "nan");
const fmt2 = (v) => (Number.isFinite(v) ? v.toFixed(2) : "nan");

async function main() {
  const t0 = Date.now();
  await setPrice(PRICE);

  // Players: sign-up (8 at a time: each reads the outbox with psql), API key, shares.
  const players = [];
  await pool(PLAYERS, 8, async (i) => {
    const who = newIdentity("tick");
    const c = await signUp({ url: base.origin }, pg, who, { address: playerAddress(i) });
    const made = await c.post("/api/account/keys", { name: "tick bench" });
    if (made.status !== 201) die(`POST /api/account/keys: ${made.status} ${made.body}`);
    players[i] = { email: who.email, client: c, key: made.json, address: playerAddress(i) };
  });
  const sells = new Array(PLAYERS).fill(0);
  for (let i = 0; i < RESTING; i += 1) if (restingOrder(i).side === "sell") sells[i % PLAYERS] += 1;
  // One player after the other: each key's first use is a database lookup.
  await pool(PLAYERS, 1, async (i, agent) => {
    const body = JSON.stringify({ symbol: SYMBOL, qty: String(sells[i] + 1), side: "buy", type: "market", time_in_force: "day" });
    const r = await send(agent, "POST", "/v2/orders", keyHeaders(players[i]), body);
    if (r.status !== 200 || r.json?.status !== "filled") die(`funding buy: ${r.status} ${r.body}`);
  });
  const rows = await pg.psql(
    `select a.id from accounts a join users u on u.id = a.user_id where a.kind = 'player' and u.email in (${players.map((p) => `'${p.email}'`).join(",")})`,
  );
  if (rows.length !== PLAYERS) die(`found ${rows.length} trading accounts for ${PLAYERS} players`);
  const accounts = rows.map((r) => r.id).join(",");
  const setupS = (Date.now() - t0) / 1000;
  console.log(`${PLAYERS} players signed up, one API key and the shares for their sells each, in ${setupS.toFixed(1)} s`);

  // The resting book, through the real order path.
  const open = (r) => (r.status === 200 || r.status === 201) && r.json && !["filled", "partially_filled", "canceled", "rejected", "expired"].includes(r.json.status);
  const tBook = Date.now();
  let placeErrors = 0;
  let firstPlaceError = "";
  await pool(RESTING, CLIENTS, async (i, agent) => {
    const r = await send(agent, "POST", "/v2/orders", keyHeaders(players[i % PLAYERS]), JSON.stringify(restingOrder(i)));
    if (!open(r)) {
      placeErrors += 1;
      firstPlaceError ||= `${r.status} ${r.body.slice(0, 200)}`;
    }
  });
  const bookS = (Date.now() - tBook) / 1000;
  console.log(`${RESTING} resting orders placed at ${CLIENTS} clients in ${bookS.toFixed(1)} s (${(RESTING / bookS).toFixed(0)}/s), ${placeErrors} not resting${firstPlaceError ? `: first ${firstPlaceError}` : ""}`);
  if (placeErrors) die("some resting orders were not accepted as open orders");

  // The owners' private streams; one listener collects trade updates with their arrival times.
  const owners = [...new Set(Array.from({ length: CROSSING }, (_, j) => j % PLAYERS))];
  const seen = new Map(); // order id → { new: ms, fill: ms }
  const streams = [];
  for (const k of owners) {
    const s = await openStream(`${base.origin}/api/stream?symbols=${SYMBOL}`, { headers: { cookie: players[k].client.cookieHeader(), "x-forwarded-for": players[k].address } });
    if (s.status !== 200) die(`GET /api/stream: ${s.status} ${s.body}`);
    s.on("event", (ev) => {
      if (ev.event !== "trade_update") return;
      const at = nowMs();
      const d = ev.json;
      if (!d?.order?.id) return;
      const rec = seen.get(d.order.id) ?? {};
      if (d.event === "fill" && rec.fill === undefined) rec.fill = at;
      else if (d.event === "new" && rec.new === undefined) rec.new = at;
      seen.set(d.order.id, rec);
    });
    streams.push(s);
  }
  console.log(`${streams.length} private streams open (the owners of the ${CROSSING} crossing orders)`);

  const waitUntil = async (pred, what) => {
    const deadline = Date.now() + TIMEOUT_MS;
    while (!pred()) {
      if (Date.now() > deadline) die(`timed out after ${TIMEOUT_MS / 1000} s waiting for ${what}`);
      if (streams.some((s) => s.closed)) die(`a stream closed while waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 1));
    }
  };

  const lastMs = [];
  const firstMs = [];
  const fromSendMs = [];
  const hookMs = [];
  const dbMs = [];
  const walPer = [];
  const walMs = [];
  let verified = true;
  for (let round = 1; round <= ROUNDS; round += 1) {
    if (round > 1) {
      await setPrice(PRICE);
      await new Promise((r) => setTimeout(r, 300)); // the ticker's pass over the unmoved book
    }
    const ids = [];
    await pool(CROSSING, CLIENTS, async (j, agent) => {
      const body = { symbol: SYMBOL, qty: "1", side: "buy", type: "limit", time_in_force: "gtc", limit_price: dollars(CROSS + (j % 100) * 100), client_order_id: `tickx-${round}-${j}` };
      const r = await send(agent, "POST", "/v2/orders", keyHeaders(players[j % PLAYERS]), JSON.stringify(body));
      if (!open(r)) die(`crossing order ${j}: ${r.status} ${r.body.slice(0, 200)}`);
      ids[j] = r.json.id;
    });
    await waitUntil(() => ids.every((id) => seen.get(id)?.new !== undefined), "the crossing orders' new events");
    // Let the account events of the placements pass; with --pg-admin, also let the backends report
    // their pending WAL statistics (a backend reports them at most once a second) before the reset.
    await new Promise((r) => setTimeout(r, opt["pg-admin"] ? 1500 : 200));
    if (opt["pg-admin"]) await pg.psql("select pg_stat_statements_reset(), pg_stat_reset_shared('wal')", opt["pg-admin"]);
    const tSend = nowMs();
    await setPrice(NEXT);
    const tAnswer = nowMs();
    await waitUntil(() => ids.every((id) => seen.get(id)?.fill !== undefined), `the ${CROSSING} fill events`);
    const fills = ids.map((id) => seen.get(id).fill).sort((a, b) => a - b);
    lastMs.push(fills.at(-1) - tAnswer);
    firstMs.push(fills[0] - tAnswer);
    fromSendMs.push(fills.at(-1) - tSend);
    hookMs.push(tAnswer - tSend);
    let dbNote = "";
    if (opt["pg-admin"]) {
      // The account reads the fill events set off, and the backends' WAL statistics (reported
      // at most once a second) come in.
      await new Promise((r) => setTimeout(r, 1500));
      const from = `from pg_stat_statements s join pg_database d on d.oid = s.dbid join pg_roles r on r.oid = s.userid where d.datname = 'marketsim' and r.rolname = '${opt["pg-user"]}'`;
      const [t] = await pg.psql(`select coalesce(sum(total_exec_time + total_plan_time), 0) as ms, coalesce(sum(calls), 0) as calls, (select wal_sync from pg_stat_wal) as syncs, (select wal_sync_time from pg_stat_wal) as sync_ms ${from}`, opt["pg-admin"]);
      dbMs.push(Number(t.ms) / CROSSING);
      walPer.push(Number(t.syncs) / CROSSING);
      walMs.push(Number(t.syncs) > 0 ? Number(t.sync_ms) / Number(t.syncs) : NaN);
      dbNote = `; database ${fmt2(dbMs.at(-1))} ms and ${fmt2(walPer.at(-1))} WAL flushes (${fmt2(walMs.at(-1))} ms each) per crossed order`;
      if (round === ROUNDS && opt["pgss-out"]) {
        const top = await pg.psql(`select calls, round(mean_exec_time::numeric, 3) as mean_exec_ms, round(mean_plan_time::numeric, 3) as mean_plan_ms, round((total_exec_time + total_plan_time)::numeric, 1) as total_ms, rows, left(regexp_replace(query, '\\s+', ' ', 'g'), 120) as query ${from} order by total_exec_time + total_plan_time desc limit 15`, opt["pg-admin"]);
        writeFileSync(opt["pgss-out"], top.map((r) => [r.total_ms, r.calls, r.mean_exec_ms, r.mean_plan_ms, r.rows, r.query].join("\t")).join("\n") + "\n");
      }
    }
    // Exactly this round's crossing orders filled, each at its limit; every resting order open.
    const [c] = await pg.psql(`
      select
        (select count(*) from orders where account_id in (${accounts}) and client_order_id like 'tickx-${round}-%' and status = 'filled') as crossed_filled,
        (select count(*) from fills f join orders o on o.id = f.buy_order where o.account_id in (${accounts}) and o.client_order_id like 'tickx-${round}-%' and f.price_e4 = o.limit_e4) as at_limit,
        (select count(*) from orders where account_id in (${accounts}) and client_order_id like 'tickx-%' and status = 'filled') as all_crossed_filled,
        (select count(*) from orders where account_id in (${accounts}) and client_order_id like 'tickrest-%' and status in ('new', 'accepted')) as resting_open,
        (select count(*) from orders where account_id in (${accounts}) and status = 'filled' and client_order_id not like 'tickx-%' and type <> 'market') as other_filled`);
    const ok = Number(c.crossed_filled) === CROSSING && Number(c.at_limit) === CROSSING && Number(c.all_crossed_filled) === CROSSING * round && Number(c.resting_open) === RESTING && Number(c.other_filled) === 0;
    verified &&= ok;
    console.log(
      `round ${round}: hook answered in ${fmt(hookMs.at(-1))} ms; fills seen from ${fmt(firstMs.at(-1))} to ${fmt(lastMs.at(-1))} ms after the answer ` +
        `(${fmt(fromSendMs.at(-1))} ms after the request); SQL: ${c.crossed_filled}/${CROSSING} crossing filled (${c.at_limit} at their limit), ` +
        `${c.resting_open}/${RESTING} resting open, ${c.other_filled} other fills: ${ok ? "ok" : "WRONG"}${dbNote}`,
    );
  }
  for (const s of streams) s.close();
  hookAgent.destroy();

  const sorted = [...lastMs].sort((a, b) => a - b);
  console.log(`RESULT players=${PLAYERS}`);
  console.log(`RESULT resting=${RESTING}`);
  console.log(`RESULT crossing=${CROSSING}`);
  console.log(`RESULT rounds=${ROUNDS}`);
  console.log(`RESULT setup_s=${setupS.toFixed(1)}`);
  console.log(`RESULT book_s=${bookS.toFixed(1)}`);
  console.log(`RESULT book_orders_per_s=${(RESTING / bookS).toFixed(0)}`);
  console.log(`RESULT last_fill_ms=${lastMs.map(fmt).join(",")}`);
  console.log(`RESULT first_fill_ms=${firstMs.map(fmt).join(",")}`);
  console.log(`RESULT hook_ms=${hookMs.map(fmt).join(",")}`);
  // The fills come one after the other (one transaction each): the gap per crossed order.
  const perFill = lastMs.map((l, i) => (l - firstMs[i]) / Math.max(1, CROSSING - 1)).sort((a, b) => a - b);
  console.log(`RESULT per_fill_ms=${perFill.length ? percentile(perFill, 50).toFixed(2) : "nan"}`);
  console.log(`RESULT median_ms=${fmt(percentile(sorted, 50))}`);
  console.log(`RESULT max_ms=${fmt(sorted.at(-1))}`);
  if (dbMs.length) {
    const med = (a) => percentile([...a].sort((x, y) => x - y), 50);
    console.log(`RESULT db_ms_per_crossed=${fmt2(med(dbMs))}`);
    console.log(`RESULT wal_syncs_per_crossed=${fmt2(med(walPer))}`);
    console.log(`RESULT wal_ms_per_sync=${fmt2(med(walMs))}`);
  }
  console.log(`RESULT verified=${verified ? 1 : 0}`);
  if (!verified) process.exitCode = 2;
}

await main();
