// GET /metrics (issue 13): the Prometheus exposition on its own loopback listener. Its figures
// follow what the server did (requests by route and status, orders, pools, the leader, the
// process), the public port does not serve it, and Debian's real Prometheus server scrapes it
// and answers a rate and a histogram quantile over it through its HTTP API: the exposition
// parses in the real consumer, not only in our own reader. A crowd on the metrics port gets
// exactly its connection cap and leaves the public port alone.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { makeAdmin, signUp } from "../support/accounts.mjs";
import { freePort } from "../support/pg.mjs";
import { request } from "../support/http.mjs";
import { openStream } from "../support/sse.mjs";
import { startStack, stopCleanly } from "../support/stack.mjs";
import { placeOrder } from "../support/trading.mjs";
import { sleep, waitFor } from "../support/util.mjs";

// The samples of one metric: [{labels, value}].
function samples(text, name) {
  const out = [];
  for (const line of text.split("\n")) {
    const m = line.match(/^([a-z_:][a-z0-9_:]*)(\{(.*)\})? (\S+)$/i);
    if (!m || m[1] !== name) continue;
    const labels = Object.fromEntries([...(m[3] ?? "").matchAll(/([a-z_]+)="((?:[^"\\]|\\.)*)"/g)].map((x) => [x[1], x[2]]));
    out.push({ labels, value: Number(m[4]) });
  }
  return out;
}
const one = (text, name, labels = {}) =>
  samples(text, name).find((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;

describe("metrics", { timeout: 240_000 }, () => {
  let port;
  const stack = {};
  before(async () => {
    port = await freePort();
    // Every request is a slow step at 1 ms: the runtime view's slowest-steps list fills.
    Object.assign(stack, await startStack({ env: { MARKETSIM_METRICS_ADDR: `127.0.0.1:${port}`, MARKETSIM_SLOW_STEP: "1ms" } }));
  });
  after(() => stopCleanly(stack.server ? stack : undefined));
  const scrape = async () => {
    const r = await request(`http://127.0.0.1:${port}/metrics`);
    assert.equal(r.status, 200, r.body);
    return r;
  };

  test("the figures follow what the server did", async () => {
    const first = await scrape();
    assert.match(first.headers["content-type"], /^text\/plain; version=0\.0\.4/);
    const before = one(first.body, "marketsim_http_requests_total", { method: "GET", route: "/api/stocks", status: "200" }) ?? 0;
    for (let i = 0; i < 5; i++) assert.equal((await request(`${stack.url}/api/stocks`)).status, 200);
    assert.equal((await request(`${stack.url}/api/stocks/NOPE`)).status, 404);
    const player = await signUp(stack.server, stack.pg);
    const bought = await placeOrder(player, { symbol: "AAPL", qty: "1", side: "buy", type: "market", time_in_force: "day" });
    assert.equal(bought.json.status, "filled", bought.body);

    const text = (await scrape()).body;
    assert.equal(one(text, "marketsim_http_requests_total", { method: "GET", route: "/api/stocks", status: "200" }), before + 5);
    assert.ok(one(text, "marketsim_http_requests_total", { route: "/api/stocks/{symbol}", status: "404" }) >= 1);
    // Routes are patterns, never raw paths: no label carries the unknown symbol.
    assert.ok(!text.includes("NOPE"), "a raw path became a label");
    assert.ok(one(text, "marketsim_http_request_duration_seconds_count", { method: "GET", route: "/api/stocks" }) >= 5);
    assert.equal(one(text, "marketsim_http_request_duration_seconds_bucket", { route: "/api/stocks", le: "+Inf" }), one(text, "marketsim_http_request_duration_seconds_count", { route: "/api/stocks" }));
    assert.ok(one(text, "marketsim_orders_total", { outcome: "filled" }) >= 1);
    assert.ok(one(text, "marketsim_order_duration_seconds_count") >= 1);
    assert.equal(one(text, "marketsim_leader"), 1);
    assert.equal(one(text, "marketsim_db_pool_connections", { pool: "requests" }), 4);
    assert.ok(one(text, "marketsim_db_pool_jobs_total", { pool: "requests" }) > 0);
    assert.ok(one(text, "marketsim_db_pool_wait_seconds_count", { pool: "requests" }) > 0);
    assert.ok(one(text, "marketsim_sse_events_published_total", { kind: "public" }) > 0);
    assert.ok(one(text, "marketsim_feed_seconds_since_step") >= 0);
    assert.ok(one(text, "marketsim_feed_seconds_since_step") < 30);
    assert.ok(one(text, "marketsim_password_verifications_total") >= 0);
    assert.ok(one(text, "process_resident_memory_bytes") > 10_000_000);
    assert.ok(one(text, "process_open_fds") > 5);
    assert.ok(one(text, "process_cpu_seconds_total") > 0);
    // The loop watchers sample each io thread's turn.
    assert.ok(samples(text, "marketsim_event_loop_lag_seconds_count").reduce((n, s) => n + s.value, 0) > 0);
    // Every sample line is a name, optional labels and a number.
    for (const line of text.split("\n").filter((l) => l && !l.startsWith("#")))
      assert.match(line, /^[a-z_:][a-z0-9_:]*(\{.*\})? (-?[0-9.e+-]+|\+Inf|NaN)$/i, line);
  });

  test("the admin's runtime view shows the server from inside, live", async () => {
    const admin = await makeAdmin(stack.server, stack.pg);
    const player = await signUp(stack.server, stack.pg);
    assert.equal((await player.get("/api/admin/runtime")).status, 403);
    const stream = await openStream(`${stack.url}/api/stream?symbols=AAPL`, { headers: { cookie: player.cookieHeader() } });
    try {
      await stream.waitFor((evs) => evs.length > 0, { timeout: 10_000, message: "the stream's first event" });
      const r = await admin.get("/api/admin/runtime");
      assert.equal(r.status, 200, r.body);
      const v = r.json;
      // The request asking is itself in flight while the view is built.
      const self = v.requests_in_flight.find((q) => q.route === "/api/admin/runtime");
      assert.ok(self && self.method === "GET" && self.age_ms >= 0, JSON.stringify(v.requests_in_flight));
      assert.equal(self.request_id, r.headers["x-request-id"]);
      assert.ok(v.streams.total >= 1 && v.streams.signed_in >= 1 && v.streams.filtered >= 1, JSON.stringify(v.streams));
      const feed = v.tasks.find((t) => t.name === "feed");
      assert.ok(feed.steps > 0 && feed.last_progress_ms_ago < 5_000, JSON.stringify(feed));
      assert.match(feed.state, /leading/);
      for (const name of ["history flusher", "order ticker", "mail", "change listener", "trading rules", "home feed", "equity snapshots", "integrity scan", "retention", "bots"])
        assert.ok(v.tasks.some((t) => t.name === name), `task ${name}`);
      assert.ok(v.tasks.find((t) => t.name === "change listener").steps > 0);
      // Nothing is silent for longer than its period allows on a healthy server.
      assert.deepEqual(v.tasks.filter((t) => t.stalled).map((t) => t.name), []);
      assert.equal(feed.every_ms, 100);
      assert.ok(v.loop_lag.length >= 1 && v.loop_lag.every((l) => l.max_ms >= l.last_ms - 1e-9 && l.last_ms >= 0), JSON.stringify(v.loop_lag));
      assert.deepEqual(v.pools.map((p) => p.name), ["requests", "background"]);
      assert.equal(v.pools[0].connections, 4);
      assert.equal(v.leader, true);
      assert.equal(v.slow_threshold_ms, 1);
      // Slow steps: the requests above took more than 1 ms, each with its request id and route.
      const slow = v.slowest_steps.filter((x) => x.kind === "request");
      assert.ok(slow.length > 0, JSON.stringify(v.slowest_steps));
      assert.ok(slow.every((x) => x.request_id && x.name.startsWith("/") && x.ms >= 1), JSON.stringify(slow[0]));
      for (let i = 1; i < v.slowest_steps.length; i++) assert.ok(v.slowest_steps[i - 1].ms >= v.slowest_steps[i].ms);
      // And the log says so, with the request id.
      assert.match(stack.server.tail(2000), new RegExp(`slow: request /api/\\S+ took \\d+ ms rid=`));
    } finally {
      stream.close();
    }
  });

  test("the public port does not serve it", async () => {
    const r = await request(`${stack.url}/metrics`);
    assert.notEqual(r.status, 200);
    assert.ok(!r.body.includes("marketsim_http_requests_total"));
  });

  test("64+16 connections to the metrics port at once → exactly 64 served, 16 × 503; the public port is unaffected; closing frees", async () => {
    // The metrics listener has a cap of its own (64): a crowd on it cannot take the public
    // port's connections, and the public port's crowd cannot take its. Each socket asks for
    // /metrics and keeps its keep-alive connection (and so its slot) open.
    const held = [];
    const ask = () =>
      new Promise((resolve, reject) => {
        const socket = net.connect({ host: "127.0.0.1", port }, () => socket.write("GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"));
        held.push(socket);
        // A served scrape resolves at its head (the connection stays); a refusal at its close,
        // with the whole answer.
        let text = "";
        const status = () => Number(/^HTTP\/1\.1 (\d+)/.exec(text)?.[1] ?? 0);
        socket.setEncoding("latin1");
        socket.on("data", (chunk) => {
          text += chunk;
          if (status() === 200 && text.includes("\r\n\r\n")) resolve({ status: 200, text });
        });
        socket.on("error", reject);
        socket.on("close", () => resolve({ status: status(), text }));
      });
    try {
      const answers = await Promise.all(Array.from({ length: 64 + 16 }, ask));
      const served = answers.filter((a) => a.status === 200);
      const refused = answers.filter((a) => a.status !== 200);
      assert.equal(served.length, 64, answers.map((a) => a.status).join(","));
      assert.equal(refused.length, 16);
      for (const r of refused) {
        assert.equal(r.status, 503, r.text);
        assert.match(r.text, /"code":\s*"too_many_connections"/);
      }
      // While it is full: one more scrape is refused, the public port serves as before.
      assert.equal((await request(`http://127.0.0.1:${port}/metrics`)).status, 503);
      assert.equal((await request(`${stack.url}/api/stocks`)).status, 200);
    } finally {
      for (const s of held) s.destroy();
    }
    await waitFor(async () => (await request(`http://127.0.0.1:${port}/metrics`)).status === 200, { message: "a scrape served again" });
  });

  describe("scraped by Prometheus", () => {
    let dir;
    let prometheus;
    let promPort;
    let exited;
    before(async () => {
      promPort = await freePort();
      dir = mkdtempSync(join(tmpdir(), "marketsim-prom-"));
      writeFileSync(
        join(dir, "prometheus.yml"),
        `global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nscrape_configs:\n  - job_name: marketsim\n    static_configs:\n      - targets: ["127.0.0.1:${port}"]\n`,
      );
      prometheus = spawn(
        "prometheus",
        [`--config.file=${join(dir, "prometheus.yml")}`, `--storage.tsdb.path=${join(dir, "data")}`, `--web.listen-address=127.0.0.1:${promPort}`, "--log.level=warn"],
        { stdio: ["ignore", "ignore", "pipe"] },
      );
      let stderr = "";
      prometheus.stderr.on("data", (d) => (stderr += d));
      exited = new Promise((r) => prometheus.on("exit", (code) => r({ code, stderr })));
      await waitFor(async () => {
        try {
          return (await request(`http://127.0.0.1:${promPort}/-/ready`)).status === 200;
        } catch {
          return false;
        }
      }, { timeout: 60_000, interval: 250, message: `prometheus ready (${stderr})` });
    });
    after(async () => {
      if (prometheus && prometheus.exitCode === null) {
        prometheus.kill("SIGTERM");
        await exited;
      }
      if (dir) rmSync(dir, { recursive: true, force: true });
    });
    const query = async (q) => {
      const r = await request(`http://127.0.0.1:${promPort}/api/v1/query?query=${encodeURIComponent(q)}`);
      assert.equal(r.status, 200, r.body);
      assert.equal(r.json.status, "success", r.body);
      return r.json.data.result;
    };

    test("its HTTP API answers a rate and a histogram quantile over our exposition", async () => {
      // Load while it scrapes every second.
      const until = Date.now() + 8_000;
      while (Date.now() < until) {
        await Promise.all(Array.from({ length: 5 }, () => request(`${stack.url}/api/stocks`)));
        await sleep(50);
      }
      const up = await waitFor(async () => {
        const r = await query('up{job="marketsim"}');
        return r.length === 1 && r[0].value[1] === "1" && r;
      }, { timeout: 20_000, interval: 500, message: "the target up" });
      assert.equal(up[0].metric.instance, `127.0.0.1:${port}`);
      const rate = await waitFor(async () => {
        const r = await query('sum(rate(marketsim_http_requests_total{route="/api/stocks",status="200"}[5s]))');
        return r.length === 1 && Number(r[0].value[1]) > 0 && r;
      }, { timeout: 20_000, interval: 500, message: "a rate of requests" });
      assert.ok(Number(rate[0].value[1]) > 1, `rate ${rate[0].value[1]}/s`);
      const p99 = await query('histogram_quantile(0.99, sum by (le) (rate(marketsim_http_request_duration_seconds_bucket{route="/api/stocks"}[10s])))');
      assert.equal(p99.length, 1, JSON.stringify(p99));
      const seconds = Number(p99[0].value[1]);
      assert.ok(Number.isFinite(seconds) && seconds > 0 && seconds <= 10, `p99 ${seconds}`);
      // Nothing in the exposition was dropped as malformed: the scrape's own sample count.
      const scraped = await query('scrape_samples_scraped{job="marketsim"}');
      assert.ok(Number(scraped[0].value[1]) > 100, JSON.stringify(scraped));
    });
  });
});
