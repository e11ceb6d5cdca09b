// Durable-orders load client for marketsim benchmarks (not part of the pass/fail suite).
//
// Two commands, both against a running server started with MARKETSIM_TEST_HOOKS=1 (the price
// hook), MARKETSIM_TRUSTED_PROXIES=127.0.0.1 (each sign-up comes from its own X-Forwarded-For
// address, so the per-address registration limit does not apply) and a per-key API rate high
// enough not to limit the load (MARKETSIM_API_RATE=1000000):
//
//   setup: sets the symbol's price through the test hook, signs up --players players through the
//     API exactly as tests/support/accounts.mjs does (register, verification token read from the
//     outbox table with psql, verify, sign in), makes one API key each (POST /api/account/keys),
//     and gives each a position of --shares shares with one market buy, one player after the
//     other (so their trading accounts get consecutive ids). With --across it also reads every
//     tradable symbol from GET /api/stocks (kind other than index, not halted; sorted), sets the
//     same --price on each, and gives player k --shares shares of symbol k mod N as well (after
//     the first pass, so the ids stay consecutive). Writes the keys, account ids and each
//     player's symbol to --out (JSON) and prints the account id range for the pgbench script.
//
//   run: --clients closed-loop clients, client k trading as player k over its own keep-alive
//     connection with its API key (APCA-API-KEY-ID / APCA-API-SECRET-KEY): market orders of one
//     share of --symbol, day, alternating buy and sell, each with a fresh client_order_id (with
//     --across: client k trades the symbol setup gave player k, k mod N over every tradable
//     symbol; setup must have run with --across). After --warmup seconds it measures for
//     --seconds: answered orders per second, p50/p99 latency of the 2xx answers, and the non-2xx
//     answers and transport errors (counted apart, not timed). `answered_all` counts every
//     answer from the first request on, warm-up included (for per-order database figures).
//
// Output: human-readable lines, then `RESULT key=value` lines for scripts/bench.
// Usage:
//   node tests/bench/orders.mjs setup --url URL --pg-host DIR --pg-port PORT [--players 32]
//     [--symbol AAPL] [--price 100] [--shares 400] [--across] --out FILE
//   node tests/bench/orders.mjs run --url URL --keys FILE --clients C [--seconds 10]
//     [--warmup 2] [--symbol AAPL] [--across] [--tag T]
import { readFileSync, writeFileSync } from "node:fs";
import http from "node:http";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { newIdentity, signUp } from "../support/accounts.mjs";
import { psqlRows } from "../support/pg.mjs";
import { setPrice } from "../support/trading.mjs";


const { positionals, values: opt } = parseArgs({
  allowPositionals: true,
  options: {
    url: { type: "string", default: process.env.MARKETSIM_URL },
    "pg-host": { type: "string" },
    "pg-port": { type: "string" },
    "pg-user": { type: "string", default: "marketsim" },
    players: { type: "string", default: "32" },
    symbol: { type: "string", default: "AAPL" },
    price: { type: "string", default: "100" },
    shares: { type: "string", default: "400" },
    out: { type: "string" },
    keys: { type: "string" },
    clients: { type: "string", default: "1" },
    seconds: { type: "string", default: "10" },
    warmup: { type: "string", default: "2" },
    tag: { type: "string", default: "" },
    across: { type: "boolean", default: false },
  },
});

function die(message) {
  console.error(`orders.mjs: ${message}`);
  process.exit(1);
}

if (!opt.url) die("--url (or MARKETSIM_URL) is required");
const base = new URL(opt.url);

// psql against the bench cluster, rows as objects (what signUp expects of `pg`).
const pg = { psql: (sql) => psqlRows({ host: opt["pg-host"], port: opt["pg-port"], user: opt["pg-user"] }, sql) };

// One HTTP exchange on `agent`: { status, body, ms }.
function send(agent, method, path, headers, body) {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const req = http.request(
      { host: base.hostname, port: base.port, method, path, agent, headers: { ...headers, "content-length": Buffer.byteLength(body ?? "") } },
      (res) => {
        const chunks = [];
        res.on("data", (c) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString("utf8"), ms: Number(process.hrtime.bigint() - t0) / 1e6 }));
        res.on("error", reject);
      },
    );
    req.setTimeout(30_000, () => req.destroy(new Error(`${method} ${path}: no answer within 30 s`)));
    req.on("error", reject);
    req.end(body);
  });
}

function keyHeaders(key) {
  return { "apca-api-key-id": key.key_id, "apca-api-secret-key": key.secret, "content-type": "application/json", accept: "application/json" };
}

async function setup() {
  if (!opt["pg-host"] || !opt["pg-port"] || !opt.out) die("setup needs --pg-host, --pg-port and --out");
  const n = Number(opt.players);
  const shares = Number(opt.shares);
  const t0 = Date.now();
  await setPrice({ url: base.origin }, opt.symbol, opt.price);
  let symbols = [opt.symbol];
  if (opt.across) {
    const stocks = await send(undefined, "GET", "/api/stocks", { accept: "application/json" });
    if (stocks.status !== 200) die(`GET /api/stocks: ${stocks.status} ${stocks.body}`);
    const list = JSON.parse(stocks.body);
    const items = Array.isArray(list) ? list : (list.stocks ?? list.items ?? []);
    symbols = items.filter((q) => q.kind !== "index" && !q.halted).map((q) => q.symbol).sort();
    if (symbols.length === 0) die(`no tradable symbol in GET /api/stocks: ${stocks.body.slice(0, 200)}`);
    for (const sym of symbols) if (sym !== opt.symbol) await setPrice({ url: base.origin }, sym, opt.price);
  }
  const players = [];
  for (let i = 0; i < n; i += 1) {
    const who = newIdentity("bench");
    const c = await signUp({ url: base.origin }, pg, who, { address: `10.77.${i >> 8}.${(i & 255) + 1}` });
    const made = await c.post("/api/account/keys", { name: "orders bench" });
    if (made.status !== 201) die(`POST /api/account/keys: ${made.status} ${made.body}`);
    players.push({ email: who.email, key_id: made.json.key_id, secret: made.json.secret });
  }
  // One player after the other: the first /v2 call opens the trading account.
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  for (const p of players) {
    const body = JSON.stringify({ symbol: opt.symbol, qty: String(shares), side: "buy", type: "market", time_in_force: "day" });
    const r = await send(agent, "POST", "/v2/orders", keyHeaders(p), body);
    if (r.status !== 200 || JSON.parse(r.body).status !== "filled") die(`funding buy: ${r.status} ${r.body}`);
  }
  players.forEach((p, k) => (p.symbol = symbols[k % symbols.length]));
  for (const p of players) {
    if (p.symbol === opt.symbol) continue;
    const body = JSON.stringify({ symbol: p.symbol, qty: String(shares), side: "buy", type: "market", time_in_force: "day" });
    const r = await send(agent, "POST", "/v2/orders", keyHeaders(p), body);
    if (r.status !== 200 || JSON.parse(r.body).status !== "filled") die(`funding buy of ${p.symbol}: ${r.status} ${r.body}`);
  }
  agent.destroy();
  const rows = await pg.psql(
    `select u.email, a.id from accounts a join users u on u.id = a.user_id where u.email in (${players.map((p) => `'${p.email}'`).join(",")})`,
  );
  const ids = new Map(rows.map((r) => [r.email, Number(r.id)]));
  for (const p of players) p.account_id = ids.get(p.email);
  const accounts = players.map((p) => p.account_id);
  const contiguous = accounts.every((id, i) => id === accounts[0] + i);
  writeFileSync(opt.out, JSON.stringify({ symbol: opt.symbol, symbols, players }, null, 2), { mode: 0o600 });
  const also = opt.across ? ` (and ${shares} of symbol k mod ${symbols.length} of ${symbols.join(" ")})` : "";
  console.log(`${n} players signed up, one API key and ${shares} ${opt.symbol} each${also}, in ${((Date.now() - t0) / 1000).toFixed(1)} s; accounts ${accounts[0]}..${accounts.at(-1)}`);
  console.log(`RESULT players=${n}`);
  console.log(`RESULT first_account=${accounts[0]}`);
  console.log(`RESULT last_account=${accounts.at(-1)}`);
  console.log(`RESULT contiguous=${contiguous ? 1 : 0}`);
  console.log(`RESULT symbols=${symbols.join(",")}`);
}

function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

async function run() {
  if (!opt.keys) die("run needs --keys (the file setup wrote)");
  const { players, symbols } = JSON.parse(readFileSync(opt.keys, "utf8"));
  if (opt.across && !players.every((p) => p.symbol)) die("--across needs keys from `setup --across`");
  const clients = Number(opt.clients);
  if (clients > players.length) die(`${clients} clients but only ${players.length} players`);
  const warmupMs = Number(opt.warmup) * 1000;
  const measureMs = Number(opt.seconds) * 1000;
  const tag = opt.tag || `c${clients}-${Date.now().toString(36)}`;
  const latencies = [];
  const statuses = new Map(); // non-2xx status → count (measured window)
  const errorCodes = new Map(); // house error code → count
  let transportErrors = 0;
  let answeredAll = 0; // every answer, warm-up included
  let firstError = "";
  const start = Date.now();
  const measureFrom = start + warmupMs;
  const end = measureFrom + measureMs;

  const loop = async (k) => {
    const p = players[k];
    const headers = keyHeaders(p);
    const symbol = opt.across ? p.symbol : opt.symbol;
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    let i = 0;
    try {
      while (Date.now() < end) {
        const side = i % 2 === 0 ? "buy" : "sell";
        const body = JSON.stringify({ symbol, qty: "1", side, type: "market", time_in_force: "day", client_order_id: `${tag}-${k}-${i}` });
        i += 1;
        let r;
        try {
          r = await send(agent, "POST", "/v2/orders", headers, body);
        } catch (err) {
          if (Date.now() >= measureFrom && Date.now() <= end) transportErrors += 1;
          firstError ||= err.message;
          continue;
        }
        answeredAll += 1;
        // Counted when the answer arrives inside the window: answers per second.
        const at = Date.now();
        if (at < measureFrom || at > end) continue;
        if (r.status >= 200 && r.status < 300) {
          latencies.push(r.ms);
        } else {
          statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
          let code = "?";
          try {
            code = JSON.parse(r.body).code ?? "?";
          } catch {
            // not JSON
          }
          errorCodes.set(code, (errorCodes.get(code) ?? 0) + 1);
          firstError ||= `${r.status} ${r.body.slice(0, 200)}`;
        }
      }
    } finally {
      agent.destroy();
    }
  };
  await Promise.all(Array.from({ length: clients }, (_, k) => loop(k)));

  latencies.sort((a, b) => a - b);
  const seconds = measureMs / 1000;
  const non2xx = [...statuses.values()].reduce((a, b) => a + b, 0);
  const rate = latencies.length / seconds;
  const p50 = percentile(latencies, 50);
  const p99 = percentile(latencies, 99);
  const mean = latencies.reduce((a, b) => a + b, 0) / (latencies.length || 1);
  const fmt = (v) => (Number.isFinite(v) ? v.toFixed(2) : "nan");
  const over = opt.across ? ` over ${new Set(players.slice(0, clients).map((p) => p.symbol)).size} symbols (${symbols.join(" ")})` : ` on ${opt.symbol}`;
  console.log(
    `${clients} clients${over}, ${seconds} s after ${warmupMs / 1000} s warm-up: ${latencies.length} orders (2xx) = ${rate.toFixed(0)}/s, ` +
      `latency p50 ${fmt(p50)} ms, p99 ${fmt(p99)} ms, mean ${fmt(mean)} ms; non-2xx ${non2xx}` +
      (non2xx ? ` (${[...statuses].map(([s, n]) => `${s}: ${n}`).join(", ")}; codes ${[...errorCodes].map(([c, n]) => `${c}: ${n}`).join(", ")})` : "") +
      `, transport errors ${transportErrors}`,
  );
  if (firstError) console.log(`first error: ${firstError}`);
  console.log(`RESULT clients=${clients}`);
  console.log(`RESULT orders=${latencies.length}`);
  console.log(`RESULT orders_per_s=${rate.toFixed(1)}`);
  console.log(`RESULT p50_ms=${fmt(p50)}`);
  console.log(`RESULT p99_ms=${fmt(p99)}`);
  console.log(`RESULT mean_ms=${fmt(mean)}`);
  console.log(`RESULT non2xx=${non2xx}`);
  console.log(`RESULT transport_errors=${transportErrors}`);
  console.log(`RESULT answered_all=${answeredAll}`);
}

const command = positionals[0];
if (command === "setup") await setup();
else if (command === "run") await run();
else die("usage: orders.mjs setup|run [options] (see the comment at the top)");
