// The stream's edges: the cap on concurrent streams (503 with Retry-After, and room again once a
// stream closes), heartbeat comments on a quiet stream, a `reset` event for a Last-Event-ID older
// than the replay ring, and a filter naming an unknown symbol. Then the budgets a hostile client
// meets, each hit by many clients at once: streams per address and per player (429
// stream_limit), connections server-wide (503 too_many_connections), and 500 streams resuming
// from the oldest event, which must not cost the server a copy of the ring each.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import net from "node:net";
import { before, describe, test } from "node:test";
import { Client, signUp } from "../support/accounts.mjs";
import { get, getJson } from "../support/http.mjs";
import { suiteStack } from "../support/stack.mjs";
import { openStream } from "../support/sse.mjs";
import { sleep, waitFor } from "../support/util.mjs";

// Opens n streams at once; opts is an object or a function of the stream's index.
async function openMany(n, url, opts = {}) {
  const all = await Promise.all(
    Array.from({ length: n }, (_, i) => openStream(url, typeof opts === "function" ? opts(i) : opts)),
  );
  return { all, open: all.filter((s) => s.status === 200), refused: all.filter((s) => s.status !== 200) };
}

function closeAll(streams) {
  for (const s of streams) s.close();
}

// The server notices a closed stream on its next write to it (ticks every 100 ms), so slots come
// back shortly after: true once n streams open together again.
async function reopens(n, url, opts) {
  for (let attempt = 0; attempt < 50; attempt++) {
    const r = await openMany(n, url, opts);
    closeAll(r.all);
    if (r.open.length === n) return true;
    await sleep(200);
  }
  return false;
}

function assertRefused(answer, status, code) {
  assert.equal(answer.status, status, answer.body);
  assert.equal(JSON.parse(answer.body).code, code);
  assert.equal(answer.headers["retry-after"], "5");
}

describe("SSE limits", { timeout: 120_000 }, () => {
  const stack = suiteStack({
    env: {
      MARKETSIM_TICK_INTERVAL: "100ms",
      MARKETSIM_REPLAY_DAY: "3s",
      MARKETSIM_MAX_STREAMS: "2",
      MARKETSIM_REPLAY_RING: "16",
      MARKETSIM_HEARTBEAT: "300ms",
      // GOOG has no ticks before its 2004 listing: a stream filtered to it stays quiet.
      MARKETSIM_REPLAY_START: "2000-01-03",
    },
  });
  let url;
  before(() => {
    url = stack.url;
  });

  test("beyond the stream cap → 503 too_many_streams with Retry-After; a closed stream frees a slot", async () => {
    const a = await openStream(`${url}/api/stream`);
    const b = await openStream(`${url}/api/stream`);
    try {
      assert.equal(a.status, 200);
      assert.equal(b.status, 200);
      const c = await openStream(`${url}/api/stream`);
      c.close();
      assert.equal(c.status, 503);
      assert.equal(c.headers["retry-after"], "5");
      assert.equal(JSON.parse(c.body).code, "too_many_streams");
      a.close();
      // The server notices the closed stream on its next write (ticks every 100 ms).
      let d;
      for (let i = 0; i < 30; i++) {
        await sleep(100);
        d = await openStream(`${url}/api/stream`);
        if (d.status === 200) break;
        d.close();
      }
      assert.equal(d.status, 200, "no slot freed after a stream closed");
      d.close();
    } finally {
      a.close();
      b.close();
      // Let the server notice the closed streams before the next test opens its own.
      await sleep(500);
    }
  });

  test("a Last-Event-ID older than the replay ring gets a reset event, then live ticks", async () => {
    const first = await openStream(`${url}/api/stream`);
    assert.equal(first.status, 200);
    await first.waitForCount(40, { timeout: 20_000 });
    first.close();
    await sleep(300);
    const s = await openStream(`${url}/api/stream`, { lastEventId: "1" });
    try {
      assert.equal(s.status, 200);
      await s.waitForCount(3, { timeout: 10_000 });
      const resets = s.ofType("reset");
      assert.equal(resets.length, 1, "expected exactly one reset event");
      assert.equal(JSON.parse(resets[0].data).reason, "too_far_behind");
      assert.ok(s.events.indexOf(resets[0]) === 0, "the reset must come before any tick");
    } finally {
      s.close();
    }
    await sleep(300);
  });

  test("a quiet stream gets heartbeat comments", async () => {
    const s = await openStream(`${url}/api/stream?symbols=GOOG`);
    try {
      assert.equal(s.status, 200);
      await sleep(1500);
      assert.equal(s.ofType("tick").length, 0, "GOOG ticked before its listing");
      assert.ok(s.comments.some((c) => /heartbeat/.test(c)), `no heartbeat in ${JSON.stringify(s.comments)}`);
    } finally {
      s.close();
    }
    await sleep(300);
  });

  test("a filter naming an unknown symbol → 404 not_found, no stream", async () => {
    const s = await openStream(`${url}/api/stream?symbols=AAPL,NOPE`);
    s.close();
    assert.equal(s.status, 404);
    assert.equal(JSON.parse(s.body).code, "not_found");
  });
});

describe("stream caps per client address and per player", { timeout: 180_000 }, () => {
  const stack = suiteStack({
    env: {
      MARKETSIM_TICK_INTERVAL: "100ms",
      // X-Forwarded-For from the test counts as the client's address: many clients, one host.
      MARKETSIM_TRUSTED_PROXIES: "127.0.0.1",
      MARKETSIM_STREAMS_PER_ADDRESS: "6",
      MARKETSIM_STREAMS_PER_USER: "3",
      MARKETSIM_REPLAY_BYTES: "4096", // the smallest budget: ~24 ticks
    },
  });
  let url;
  before(() => {
    url = `${stack.url}/api/stream`;
  });

  test("6+4 streams from one address at once → exactly 6 open, 4 × 429 stream_limit; closing them frees the slots", async () => {
    const from = (address) => ({ headers: { "x-forwarded-for": address } });
    const burst = await openMany(6 + 4, url, from("10.20.0.1"));
    try {
      assert.equal(burst.open.length, 6);
      assert.equal(burst.refused.length, 4);
      for (const r of burst.refused) assertRefused(r, 429, "stream_limit");
      const other = await openStream(url, from("10.20.0.2"));
      other.close();
      assert.equal(other.status, 200, "another address has a budget of its own");
    } finally {
      closeAll(burst.all);
    }
    assert.ok(await reopens(6, url, from("10.20.0.1")), "closed streams did not give their slots back");
  });

  test("a player's 3+3 streams from six addresses → exactly 3 open, 3 × 429; the streams sign-out ends free theirs", async () => {
    const u = await signUp(stack.server, stack.pg, undefined, { address: "10.30.0.1" });
    const as = (client) => (i) => ({ headers: { cookie: client.cookieHeader(), "x-forwarded-for": `10.30.1.${i}` } });
    const burst = await openMany(3 + 3, url, as(u));
    try {
      assert.equal(burst.open.length, 3);
      assert.equal(burst.refused.length, 3);
      for (const r of burst.refused) assertRefused(r, 429, "stream_limit");
      const anonymous = await openStream(url, { headers: { "x-forwarded-for": "10.30.1.0" } });
      anonymous.close();
      assert.equal(anonymous.status, 200, "the cap is the player's, not the address's");
      // The server ends these streams itself: an exit path that must give the slots back too.
      assert.equal((await u.post("/api/auth/logout", {})).status, 204);
      await Promise.race([
        Promise.all(burst.open.map((s) => s.ended)),
        sleep(5000).then(() => assert.fail("streams still open 5 s after sign-out")),
      ]);
    } finally {
      closeAll(burst.all);
    }
    const again = new Client(stack.url, { address: "10.30.0.1" });
    assert.equal((await again.login(u.identity.email, u.identity.password)).status, 200);
    assert.ok(await reopens(3, url, as(again)), "the player's slots did not come back");
  });

  test("a resumption that would replay more than MARKETSIM_REPLAY_BYTES gets a reset; a shorter one replays", async () => {
    const live = await openStream(`${url}?symbols=AAPL`, { headers: { "x-forwarded-for": "10.40.0.1" } });
    let ids;
    try {
      await live.waitForCount(40, { timeout: 30_000 });
      ids = live.ofType("tick").map((e) => Number(e.id));
    } finally {
      live.close();
    }
    // 30 AAPL ticks are ~5 KB: over the budget though well inside the ring.
    const far = await openStream(`${url}?symbols=AAPL`, { lastEventId: ids.at(-31), headers: { "x-forwarded-for": "10.40.0.2" } });
    try {
      await far.waitForCount(1, { type: "reset" });
      assert.equal(far.events[0].event, "reset", "the reset comes before any tick");
    } finally {
      far.close();
    }
    const near = await openStream(`${url}?symbols=AAPL`, { lastEventId: ids.at(-3), headers: { "x-forwarded-for": "10.40.0.3" } });
    try {
      await near.waitForCount(2);
      assert.equal(near.ofType("reset").length, 0);
      assert.deepEqual(near.events.slice(0, 2).map((e) => Number(e.id)), ids.slice(-2), "replayed from where it left off");
    } finally {
      near.close();
    }
  });
});

describe("server-wide connection cap", { timeout: 120_000 }, () => {
  const stack = suiteStack({ env: { MARKETSIM_TICK_INTERVAL: "100ms", MARKETSIM_MAX_CONNECTIONS: "8" } });

  test("8+4 connections at once → exactly 8 streams, 4 × 503 too_many_connections; any request is refused while full; closing frees", async () => {
    const url = `${stack.url}/api/stream`;
    // The harness's readiness probe closed its connection: give the server a moment to see it.
    await sleep(500);
    const burst = await openMany(8 + 4, url);
    try {
      assert.equal(burst.open.length, 8);
      assert.equal(burst.refused.length, 4);
      for (const r of burst.refused) assertRefused(r, 503, "too_many_connections");
      // Every connection counts, not only streams.
      const plain = await get(`${stack.url}/api/stocks`);
      assert.equal(plain.status, 503);
      assert.equal(plain.json.code, "too_many_connections");
    } finally {
      closeAll(burst.all);
    }
    assert.ok(await reopens(8, url), "closed connections did not give their slots back");
    await waitFor(async () => (await get(`${stack.url}/api/stocks`)).status === 200, {
      message: "a plain request to be served again",
    });
  });
});

// A stream read over a bare socket that keeps only counts: 500 of them through a full replay
// would be gigabytes in the SSE client above, which keeps every event. lastEventId "": none.
function rawStream(port, lastEventId) {
  return new Promise((resolve, reject) => {
    const s = { status: 0, bytes: 0, maxId: 0, reset: false, socket: null };
    let head = "";
    let tail = "";
    const socket = net.connect({ host: "127.0.0.1", port }, () => {
      const resume = lastEventId === "" ? "" : `Last-Event-ID: ${lastEventId}\r\n`;
      socket.write(`GET /api/stream HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n${resume}\r\n`);
    });
    s.socket = socket;
    socket.setEncoding("latin1");
    socket.on("data", (chunk) => {
      s.bytes += chunk.length;
      if (!s.status) {
        head += chunk;
        const end = head.indexOf("\r\n\r\n");
        if (end < 0) return;
        s.status = Number(/^HTTP\/1\.1 (\d+)/.exec(head)?.[1] ?? -1);
        resolve(s);
        chunk = head.slice(end + 4);
      }
      // Ids increase along a stream: the last complete one in what arrived is the highest. An id
      // may be cut between chunks, hence the end of the previous chunk in front.
      const text = tail + chunk;
      const at = text.lastIndexOf("\nid: ");
      const eol = at < 0 ? -1 : text.indexOf("\n", at + 5);
      if (eol > 0) s.maxId = Math.max(s.maxId, Number(text.slice(at + 5, eol)));
      if (!s.reset && text.includes("event: reset")) s.reset = true;
      tail = text.slice(-64);
    });
    socket.on("error", (err) => (s.status ? (s.error = err) : reject(err)));
    socket.on("close", () => {
      s.closed = true;
      if (!s.status) reject(new Error(`stream closed before an answer (${head.length} bytes)`));
    });
  });
}

function vmRssKiB(pid) {
  return Number(/^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"))[1]);
}

describe("deep replay memory", { timeout: 300_000 }, () => {
  const streams = 500;
  const events = 5000; // ~170 B each: about 850 KB replayed to every stream
  // With a copy of the replay per stream (the events queued, then one string) these 500 streams
  // cost the server hundreds of MB (+321 MiB measured before the fix, when part of each replay
  // was even lost to coalescing). Written a chunk at a time from the shared ring, a replay costs
  // one chunk in flight (16 KiB of frames, shared) beyond the connection, which the baseline
  // already includes: ~7 MiB for all 500 under AddressSanitizer. Meanwhile the ring keeps growing
  // with new ticks (~5 MiB a minute); 15-20 MiB measured in all, so 48 leaves room for a slow
  // machine while a copy per stream could not fit.
  const boundMiB = 48;
  const stack = suiteStack({
    env: {
      MARKETSIM_TICK_INTERVAL: "100ms",
      MARKETSIM_STREAMS_PER_ADDRESS: "2000", // every stream here comes from 127.0.0.1
      // Enough for the whole ring: this test measures a full replay, not a reset.
      MARKETSIM_REPLAY_BYTES: String(16 << 20),
      // Freed memory sits in AddressSanitizer's quarantine (256 MB by default) and would count
      // as growth here: keep it small so the figure is live memory.
      ASAN_OPTIONS: [process.env.ASAN_OPTIONS, "quarantine_size_mb=8"].filter(Boolean).join(":"),
    },
  });

  test(`${streams} streams resuming from the oldest event: every replay arrives whole, server RSS grows < ${boundMiB} MiB`, async () => {
    const status = async () => (await getJson(`${stack.url}/api/market/status`)).json.last_event_id;
    const started = Date.now();
    const note = (what) => console.log(`${((Date.now() - started) / 1000).toFixed(1)} s: ${what}`);
    await waitFor(async () => (await status()) >= events, { timeout: 120_000, interval: 500, message: `${events} events in the ring` });
    note(`${await status()} events in the ring`);
    // The baseline includes what 500 connections cost by themselves (under AddressSanitizer
    // about 100 KB each the first time, most of it the allocator growing), so that the growth
    // measured next is what the replays add.
    const plain = await Promise.all(Array.from({ length: streams }, () => rawStream(stack.server.port, "")));
    await waitFor(() => plain.every((s) => s.maxId > 0), { timeout: 120_000, message: "a tick on every plain stream" });
    for (const s of plain) s.socket.destroy();
    const warm = await Promise.all(Array.from({ length: 5 }, () => rawStream(stack.server.port, 0)));
    const warmTarget = await status();
    await waitFor(() => warm.every((s) => s.maxId >= warmTarget), { timeout: 60_000, message: "warm-up replays" });
    for (const s of warm) s.socket.destroy();
    await sleep(1000);
    note("warmed up");

    const before = vmRssKiB(stack.server.pid);
    let peak = before;
    const sampler = setInterval(() => {
      peak = Math.max(peak, vmRssKiB(stack.server.pid));
    }, 100);
    let opened = [];
    try {
      const target = await status();
      opened = await Promise.all(Array.from({ length: streams }, () => rawStream(stack.server.port, 0)));
      assert.equal(opened.filter((s) => s.status === 200).length, streams);
      note(`${streams} streams open`);
      await waitFor(() => opened.every((s) => s.maxId >= target), {
        timeout: 180_000,
        interval: 250,
        message: "every stream to receive its whole replay",
      });
      peak = Math.max(peak, vmRssKiB(stack.server.pid));
      note("every replay received");
    } finally {
      clearInterval(sampler);
      for (const s of opened) s.socket.destroy();
    }
    const growthMiB = (peak - before) / 1024;
    const resets = opened.filter((s) => s.reset).length;
    const fewest = Math.min(...opened.map((s) => s.bytes));
    console.log(
      `server VmRSS ${before} KiB before, peak ${peak} KiB with ${streams} replaying streams: ` +
        `+${growthMiB.toFixed(1)} MiB; fewest bytes a stream got ${fewest}; resets ${resets}`,
    );
    assert.ok(growthMiB < boundMiB, `server RSS grew ${growthMiB.toFixed(1)} MiB (bound ${boundMiB} MiB)`);
    assert.equal(resets, 0, "a replay within the budget must not reset");
    assert.ok(fewest > events * 100, `a stream received only ${fewest} bytes of its replay`);
  });
});
