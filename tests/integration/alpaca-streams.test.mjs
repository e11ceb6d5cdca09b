// Alpaca's WebSocket streams on marketsim's port: the trading stream (/stream) and the market
// data stream (/v2/iex, /v2/sip). The Alpaca SDK 3.x (alpaca-trade-api-v3) is configured only by
// its URLs and a key, as a bot's config file would: it receives trades and minute bars of a
// symbol it subscribed to, and the `fill` of its own order. 3.x always dials `wss://` for market
// data (it rewrites dataStreamUrl's scheme), so that URL points at a TLS terminator in this
// process (standing in for a marketsim serving HTTPS with MARKETSIM_TLS_CERT, whose own wss is
// checked at the end). With the `ws` package directly: bad auth, bad JSON and a subscription
// over the symbol cap each get Alpaca's error and a close, the per-player stream cap answers
// 406 (also to a crowd signing in at once: exactly the cap gets in), plain GETs of those paths answer as before, and shutdown closes a stream with 1001.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import tls from "node:tls";
import { after, before, describe, test } from "node:test";
import Alpaca from "alpaca-trade-api-v3";
import WebSocket from "ws";
import { makeAdmin, makeApiKey, signUp } from "../support/accounts.mjs";
import { get } from "../support/http.mjs";
import { startPostgres } from "../support/pg.mjs";
import { startServer } from "../support/server.mjs";
import { waitFor } from "../support/util.mjs";

const STREAMS_PER_USER = 4;

// A WebSocket client that keeps every message (JSON-decoded) and how it closed.
function connect(url, options = {}) {
  const ws = new WebSocket(url, options);
  const c = { ws, messages: [], closed: null };
  ws.on("message", (data) => c.messages.push(JSON.parse(data.toString())));
  ws.on("close", (code) => (c.closed = code));
  c.opened = new Promise((resolve, reject) => {
    ws.once("open", resolve);
    ws.once("error", reject);
    ws.once("unexpected-response", (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
  });
  c.send = (m) => ws.send(typeof m === "string" ? m : JSON.stringify(m));
  // The next message after the `n` already seen.
  c.next = async (n = c.messages.length) => {
    await waitFor(() => c.messages.length > n || c.closed !== null, { message: "a message" });
    assert.ok(c.messages.length > n, `closed (${c.closed}) before a message came`);
    return c.messages[n];
  };
  c.closing = () => waitFor(() => c.closed !== null, { message: "the close" }).then(() => c.closed);
  return c;
}

describe("Alpaca's WebSocket streams", { timeout: 240_000 }, () => {
  let pg;
  let server;
  let dir;
  let terminator;
  let terminatorPort;
  let key;
  let client;
  const wsUrl = (path) => `ws://127.0.0.1:${server.port}${path}`;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "marketsim-ws-"));
    execFileSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=localhost",
      "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1", "-keyout", join(dir, "key.pem"), "-out", join(dir, "cert.pem")], { stdio: "ignore" });
    pg = await startPostgres();
    // Ticks every 100 ms and a trading day every 3 s (the test defaults): a minute of market
    // time passes between two ticks, so bars close at once.
    server = await startServer({ pg, env: { MARKETSIM_STREAMS_PER_USER: String(STREAMS_PER_USER) } });
    terminator = tls.createServer({ key: readFileSync(join(dir, "key.pem")), cert: readFileSync(join(dir, "cert.pem")) }, (socket) => {
      const upstream = net.connect(server.port, "127.0.0.1");
      socket.pipe(upstream).pipe(socket);
      socket.on("error", () => upstream.destroy());
      upstream.on("error", () => socket.destroy());
    });
    await new Promise((resolve) => terminator.listen(0, "127.0.0.1", resolve));
    terminatorPort = terminator.address().port;
    client = await signUp(server, pg);
    key = await makeApiKey(client, "streams");
  });
  after(async () => {
    terminator?.close();
    if (server?.running) assert.equal(await server.stop("SIGTERM"), 0);
    await pg?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test("the SDK 3.x, configured only by its URLs, streams trades and bars, and its own fill", async () => {
    // Only for the stand-in's self-signed certificate; restored below.
    const previous = process.env.NODE_TLS_REJECT_UNAUTHORIZED;
    process.env.NODE_TLS_REJECT_UNAUTHORIZED = "0";
    try {
      const alpaca = new Alpaca({
        keyId: key.key_id,
        secretKey: key.secret,
        paper: true,
        baseUrl: server.url,
        dataBaseUrl: server.url,
        dataStreamUrl: `https://127.0.0.1:${terminatorPort}`,
      });

      const data = alpaca.data_stream_v2;
      const trades = [];
      const quotes = [];
      const bars = [];
      const errors = [];
      data.onConnect(() => {
        data.subscribeForTrades(["AAPL"]);
        data.subscribeForBars(["AAPL"]);
      });
      data.onStockTrade((t) => trades.push(t));
      data.onStockQuote((q) => quotes.push(q));
      data.onStockBar((b) => bars.push(b));
      data.onError((e) => errors.push(e));
      data.connect();
      await waitFor(() => trades.length >= 3 && bars.length >= 2, { timeout: 30_000, message: `trades and bars (${trades.length}, ${bars.length}; errors ${errors})` });
      data.disconnect();
      assert.deepEqual(errors, []);
      assert.equal(quotes.length, 0, "quotes were not asked for");
      for (const t of trades) {
        assert.equal(t.Symbol, "AAPL");
        assert.equal(typeof t.Price, "number");
        assert.ok(t.Price > 0 && t.Size > 0);
        assert.ok(!Number.isNaN(Date.parse(t.Timestamp)));
      }
      assert.ok(trades.at(-1).ID > trades[0].ID, "ids follow the ticks");
      for (const b of bars) {
        assert.equal(b.Symbol, "AAPL");
        assert.ok(b.LowPrice <= b.OpenPrice && b.OpenPrice <= b.HighPrice);
        assert.ok(b.LowPrice <= b.ClosePrice && b.ClosePrice <= b.HighPrice);
        assert.ok(b.Volume > 0 && b.TradeCount >= 1);
        assert.equal(new Date(b.Timestamp).getUTCSeconds(), 0, "a bar starts on a minute");
      }

      const trading = alpaca.trade_ws;
      const updates = [];
      const raw = [];
      trading.onConnect(() => trading.subscribe(["trade_updates"]));
      trading.onOrderUpdate((u) => updates.push(u));
      trading.connect();
      trading.conn.on("message", (m) => raw.push(JSON.parse(m.toString())));
      await waitFor(() => raw.some((m) => m.stream === "listening"), { message: "listening" });
      assert.deepEqual(raw[0], { stream: "authorization", data: { status: "authorized", action: "authenticate" } });
      assert.deepEqual(raw.find((m) => m.stream === "listening").data.streams, ["trade_updates"]);
      const order = await alpaca.createOrder({ symbol: "AAPL", qty: 1, side: "buy", type: "market", time_in_force: "day" });
      await waitFor(() => updates.some((u) => u.event === "fill" && u.order.id === order.id), { timeout: 15_000, message: "the fill" });
      trading.disconnect();
      const fill = updates.find((u) => u.event === "fill");
      assert.equal(fill.order.symbol, "AAPL");
      assert.equal(fill.order.status, "filled");
      assert.equal(fill.qty, "1");
      assert.equal(fill.position_qty, "1");
      assert.ok(Number(fill.price) > 0);
    } finally {
      if (previous === undefined) delete process.env.NODE_TLS_REJECT_UNAUTHORIZED;
      else process.env.NODE_TLS_REJECT_UNAUTHORIZED = previous;
    }
  });

  test("quotes are the house's bid and ask; unsubscribing stops a channel", async () => {
    const c = connect(wsUrl("/v2/sip"));
    await c.opened;
    assert.deepEqual(await c.next(0), [{ T: "success", msg: "connected" }]);
    c.send({ action: "auth", key: key.key_id, secret: key.secret });
    assert.deepEqual(await c.next(1), [{ T: "success", msg: "authenticated" }]);
    c.send({ action: "subscribe", quotes: ["msft"] });
    const sub = await c.next(2);
    assert.equal(sub[0].T, "subscription");
    assert.deepEqual(sub[0].quotes, ["MSFT"]);
    assert.deepEqual(sub[0].trades, []);
    const q = (await c.next(3))[0];
    assert.equal(q.T, "q");
    assert.equal(q.S, "MSFT");
    assert.ok(q.ap > q.bp);
    assert.ok(Math.abs(q.ap - q.bp - 0.02) < 1e-9, "the house's spread: a cent each side");
    c.send({ action: "unsubscribe", quotes: ["MSFT"] });
    await waitFor(() => c.messages.some((m) => m[0].T === "subscription" && m[0].quotes.length === 0));
    const seen = c.messages.length;
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(c.messages.length, seen, "nothing after unsubscribing");
    c.ws.close();
    await c.closing();
  });

  test("bad auth, bad JSON and a subscription over the symbol cap: Alpaca's error, then a close", async () => {
    const bad = connect(wsUrl("/v2/iex"));
    await bad.opened;
    await bad.next(0);
    // Anything but auth first: 401, and the connection stays.
    bad.send({ action: "subscribe", trades: ["AAPL"] });
    assert.deepEqual(await bad.next(1), [{ T: "error", code: 401, msg: "not authenticated" }]);
    bad.send({ action: "auth", key: key.key_id, secret: "wrong" });
    assert.deepEqual(await bad.next(2), [{ T: "error", code: 402, msg: "auth failed" }]);
    assert.equal(await bad.closing(), 1008);

    const garbled = connect(wsUrl("/v2/iex"));
    await garbled.opened;
    await garbled.next(0);
    garbled.send("{not json");
    assert.deepEqual(await garbled.next(1), [{ T: "error", code: 400, msg: "invalid syntax" }]);
    assert.equal(await garbled.closing(), 1008);

    const greedy = connect(wsUrl("/v2/iex"));
    await greedy.opened;
    await greedy.next(0);
    greedy.send({ action: "auth", key: key.key_id, secret: key.secret });
    assert.deepEqual(await greedy.next(1), [{ T: "success", msg: "authenticated" }]);
    greedy.send({ action: "auth", key: key.key_id, secret: key.secret });
    assert.deepEqual(await greedy.next(2), [{ T: "error", code: 403, msg: "already authenticated" }]);
    const symbols = Array.from({ length: 101 }, (_, i) => `S${i}`);
    greedy.send({ action: "subscribe", trades: symbols });
    assert.deepEqual(await greedy.next(3), [{ T: "error", code: 405, msg: "symbol limit exceeded" }]);
    assert.equal(await greedy.closing(), 1008);

    // The trading stream: Alpaca's authorization answer, then a close.
    const trading = connect(wsUrl("/stream"));
    await trading.opened;
    trading.send({ action: "auth", key: key.key_id, secret: "wrong" });
    assert.deepEqual(await trading.next(0), { stream: "authorization", data: { status: "unauthorized", action: "authenticate" } });
    assert.equal(await trading.closing(), 1008);
    // A message over the size limit closes with 1009.
    const big = connect(wsUrl("/stream"));
    await big.opened;
    big.send("x".repeat(64 << 10));
    assert.equal(await big.closing(), 1009);
  });

  test("a connection that does not authenticate within 10 s gets auth timeout and a close", async () => {
    const c = connect(wsUrl("/v2/iex"));
    await c.opened;
    await c.next(0);
    await waitFor(() => c.closed !== null, { timeout: 15_000, message: "the auth timeout" });
    assert.deepEqual(c.messages[1], [{ T: "error", code: 404, msg: "auth timeout" }]);
    assert.equal(c.closed, 1008);
  });

  test("a player's streams share the stream cap: beyond it, 406", async () => {
    const open = [];
    for (let i = 0; i < STREAMS_PER_USER; i += 1) {
      const c = connect(wsUrl(i % 2 ? "/stream" : "/v2/iex"));
      await c.opened;
      c.send({ action: "auth", key: key.key_id, secret: key.secret });
      await waitFor(() => c.messages.some((m) => JSON.stringify(m).includes("authenticated") || JSON.stringify(m).includes("authorized")));
      open.push(c);
    }
    const extra = connect(wsUrl("/v2/iex"));
    await extra.opened;
    await extra.next(0);
    extra.send({ action: "auth", key: key.key_id, secret: key.secret });
    assert.deepEqual(await extra.next(1), [{ T: "error", code: 406, msg: "connection limit exceeded" }]);
    assert.equal(await extra.closing(), 1008);
    for (const c of open) c.ws.close();
    await Promise.all(open.map((c) => c.closing()));
    // The slots are back: one more opens.
    await waitFor(async () => {
      const again = connect(wsUrl("/v2/iex"));
      await again.opened;
      await again.next(0);
      again.send({ action: "auth", key: key.key_id, secret: key.secret });
      const answer = await again.next(1);
      again.ws.close();
      return answer[0].T === "success";
    }, { message: "a slot back" });
  });

  test(`${STREAMS_PER_USER}+6 sign-ins at once on both streams → exactly ${STREAMS_PER_USER} in, 6 × 406 and a close; closing frees the slots`, async () => {
    // Every connection is open and greeted before any signs in; then all the auth messages go
    // out together, so the key checks overlap and the cap is decided while others are in flight.
    const crowd = Array.from({ length: STREAMS_PER_USER + 6 }, (_, i) => ({ trading: i % 2 === 1, c: connect(wsUrl(i % 2 ? "/stream" : "/v2/iex")) }));
    await Promise.all(crowd.map(({ c }) => c.opened));
    await Promise.all(crowd.filter((x) => !x.trading).map(({ c }) => c.next(0)));
    for (const { c } of crowd) c.send({ action: "auth", key: key.key_id, secret: key.secret });
    const answers = await Promise.all(crowd.map(({ trading, c }) => c.next(trading ? 0 : 1)));
    const admitted = [];
    const refused = [];
    answers.forEach((answer, i) => {
      const { trading, c } = crowd[i];
      const ok = trading ? answer.stream === "authorization" && answer.data.status === "authorized" : answer[0].T === "success";
      if (ok) admitted.push(c);
      else {
        assert.deepEqual(answer, trading ? { stream: "error", data: { code: 406, error: "connection limit exceeded" } } : [{ T: "error", code: 406, msg: "connection limit exceeded" }]);
        refused.push(c);
      }
    });
    assert.equal(admitted.length, STREAMS_PER_USER, `admitted ${admitted.length}: ${JSON.stringify(answers)}`);
    for (const c of refused) assert.equal(await c.closing(), 1008);
    // The admitted stay open and working: a trading stream still answers listen.
    const trader = admitted.find((c) => crowd.find((x) => x.c === c).trading);
    if (trader) {
      const seen = trader.messages.length;
      trader.send({ action: "listen", data: { streams: ["trade_updates"] } });
      assert.deepEqual(await trader.next(seen), { stream: "listening", data: { streams: ["trade_updates"] } });
    }
    assert.ok(admitted.every((c) => c.closed === null));
    for (const c of admitted) c.ws.close();
    await Promise.all(admitted.map((c) => c.closing()));
    // Every slot is back: a second crowd of exactly the cap all get in.
    await waitFor(async () => {
      const again = Array.from({ length: STREAMS_PER_USER }, () => connect(wsUrl("/v2/iex")));
      await Promise.all(again.map((c) => c.opened));
      await Promise.all(again.map((c) => c.next(0)));
      for (const c of again) c.send({ action: "auth", key: key.key_id, secret: key.secret });
      const got = await Promise.all(again.map((c) => c.next(1)));
      for (const c of again) c.ws.close();
      await Promise.all(again.map((c) => c.closing()));
      return got.every((g) => g[0].T === "success");
    }, { message: "every slot back" });
  });

  test("a revoked key, or a disabled account, ends the streams it opened at once", async () => {
    const open = async (k, path) => {
      const c = connect(wsUrl(path));
      await c.opened;
      c.send({ action: "auth", key: k.key_id, secret: k.secret });
      await waitFor(() => c.messages.some((m) => /authenticated|authorized/.test(JSON.stringify(m))), { message: "signed in" });
      return c;
    };
    const owner = await signUp(server, pg);
    const doomed = await makeApiKey(owner, "to revoke");
    const kept = await makeApiKey(owner, "to keep");
    const [a, b, c] = [await open(doomed, "/v2/iex"), await open(doomed, "/stream"), await open(kept, "/v2/iex")];
    assert.equal((await owner.send("DELETE", `/api/account/keys/${doomed.id}`)).status, 204);
    assert.equal(typeof (await a.closing()), "number");
    assert.equal(typeof (await b.closing()), "number");
    assert.equal(c.closed, null, "another key's stream stays open");
    assert.equal((await get(`${server.url}/v2/account`, { headers: kept.headers })).status, 200);
    // Disabling the account ends the rest, and the key no longer signs in.
    const admin = await makeAdmin(server, pg);
    const me = (await owner.get("/api/auth/me")).json.user;
    assert.equal((await admin.post(`/api/admin/users/${me.id}/disable`, {})).status, 200);
    assert.equal(typeof (await c.closing()), "number");
    const again = connect(wsUrl("/v2/iex"));
    await again.opened;
    await again.next(0);
    again.send({ action: "auth", key: kept.key_id, secret: kept.secret });
    assert.deepEqual(await again.next(1), [{ T: "error", code: 402, msg: "auth failed" }]);
    // Nor does it on the REST API, though it worked a moment before the disable.
    const rest = await get(`${server.url}/v2/account`, { headers: kept.headers });
    assert.equal(rest.status, 401, rest.body);
    assert.equal(rest.json.code, "unauthenticated", rest.body);
  });

  test("plain GETs of the stream paths answer as before", async () => {
    const data = await get(`${server.url}/v2/iex`);
    assert.equal(data.status, 404);
    assert.equal(data.json.code, "not_found");
    const page = await get(`${server.url}/stream`);
    assert.notEqual(page.status, 101);
    assert.notEqual(page.status, 500);
  });

  test("marketsim's own TLS: wss works the same", async () => {
    const tlsServer = await startServer({
      pg,
      env: { MARKETSIM_TLS_CERT: join(dir, "cert.pem"), MARKETSIM_TLS_KEY: join(dir, "key.pem") },
      probe: (port) => new Promise((resolve) => {
        const s = tls.connect({ host: "127.0.0.1", port, rejectUnauthorized: false }, () => { s.end(); resolve(true); });
        s.on("error", () => resolve(false));
      }),
    });
    try {
      const c = connect(`wss://127.0.0.1:${tlsServer.port}/v2/iex`, { rejectUnauthorized: false });
      await c.opened;
      assert.deepEqual(await c.next(0), [{ T: "success", msg: "connected" }]);
      c.send({ action: "auth", key: key.key_id, secret: key.secret });
      assert.deepEqual(await c.next(1), [{ T: "success", msg: "authenticated" }]);
      c.send({ action: "subscribe", trades: ["*"] });
      await c.next(2);
      const t = (await c.next(3))[0];
      assert.equal(t.T, "t");
      c.ws.close();
      assert.ok([1000, 1005].includes(await c.closing()), "a clean close");
    } finally {
      assert.equal(await tlsServer.stop("SIGTERM"), 0);
    }
  });

  test("shutdown closes an open stream with 1001 (going away)", async () => {
    const c = connect(wsUrl("/v2/iex"));
    await c.opened;
    await c.next(0);
    c.send({ action: "auth", key: key.key_id, secret: key.secret });
    await c.next(1);
    const idle = connect(wsUrl("/stream"));  // never authenticates
    await idle.opened;
    const stopped = server.stop("SIGTERM");
    assert.equal(await c.closing(), 1001);
    assert.notEqual(await idle.closing(), null);
    assert.equal(await stopped, 0);
  });
});
