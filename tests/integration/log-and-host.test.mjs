// Hostile edges of the HTTP front: a request cannot forge a line of the server's log (paths
// with CR/LF, terminal escapes and invalid UTF-8 are logged escaped), the JSON log format is one
// parseable object a line, and a state-changing request that names a Host we do not serve (DNS
// rebinding) is refused with 403 host_rejected, anonymous or not, API or not, API key or
// cookie, while the loopback names on the bound port keep working.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Client, makeApiKey, newIdentity, signUp } from "../support/accounts.mjs";
import { request } from "../support/http.mjs";
import { startServer } from "../support/server.mjs";
import { openStream } from "../support/sse.mjs";
import { suiteStack } from "../support/stack.mjs";
import { sleep, waitFor } from "../support/util.mjs";

// Paths (sent verbatim, percent-encoded) whose decoded form would start log lines of their own.
const FORGING_PATHS = [
  ["GET", "/api/x%0a2099-01-01T00:00:00.000%20info%20FORGED-1"],
  ["GET", "/%0d%0aINFO%20forged"],
  ["POST", "/api/auth/login%0aFORGED-3%0d"],
  ["GET", "/api/%1b[31mFORGED-4%e2%80%a8FORGED-5"],
  ["GET", "/api/bad-utf8%ff%fe%c0%af"],
];

async function sendForgeries(url) {
  for (const [method, path] of FORGING_PATHS) {
    const r = await request(url + "/", { method, path, headers: { "content-type": "application/json" }, body: method === "POST" ? "{}" : undefined });
    assert.ok(r.status >= 400 && r.status < 500, `${method} ${path}: ${r.status}`);
  }
}

const lines = (text) => text.split(/\r\n|\r|\n/);

describe("the log and the Host header", { timeout: 300_000 }, () => {
  const stack = suiteStack();

  test("a path cannot forge a log line: control characters and bad UTF-8 are escaped", async () => {
    await sendForgeries(stack.url);
    // The access line is written after the answer: wait for the last one.
    await waitFor(() => stack.server.logs().includes("bad-utf8"), { message: "the access lines" });
    const logs = stack.server.logs();
    for (const line of lines(logs)) {
      assert.ok(!/^(2099-|INFO forged|FORGED)/.test(line), `forged line: ${JSON.stringify(line)}`);
    }
    assert.ok(!logs.includes("\r"), "a raw CR in the log");
    assert.ok(!logs.includes("\x1b"), "a raw ESC in the log");
    assert.ok(!logs.includes("\u2028"), "a raw line separator in the log");
    assert.ok(!logs.includes("\ufffd"), "an invalid byte reached the log");
    // The escaped forms are there, on the request's own access line.
    assert.match(logs, /GET \/api\/x\\n2099-01-01T00:00:00\.000 info FORGED-1 404 \d+B/);
    assert.match(logs, /GET \/\\r\\nINFO forged 404 /);
    assert.match(logs, /POST \/api\/auth\/login\\nFORGED-3\\r 40\d /);
    assert.match(logs, /GET \/api\/\\x1b\[31mFORGED-4\\u2028FORGED-5 404 /);
    assert.match(logs, /GET \/api\/bad-utf8\\xff\\xfe\\xc0\\xaf 404 /);
  });

  async function counts() {
    const [row] = await stack.pg.psql(
      "select (select count(*) from users) as users, (select count(*) from outbox) as outbox, (select count(*) from error_reports) as reports, (select count(*) from sessions) as sessions",
    );
    return row;
  }

  test("anonymous state changes to a foreign Host are refused with host_rejected, nothing stored", async () => {
    const before = await counts();
    const c = new Client(stack.url);
    await c.me();
    const who = newIdentity("h");
    const evil = { host: "evil.example" };
    // What a DNS rebinding page sends: its own name as Host, and as Origin.
    const rebound = { host: `evil.example:${stack.server.port}`, origin: `http://evil.example:${stack.server.port}` };
    for (const headers of [evil, rebound]) {
      for (const [path, body] of [
        ["/api/auth/register", who],
        ["/api/auth/login", { email: who.email, password: who.password }],
        ["/api/errors", { message: "from a rebinding page" }],
      ]) {
        const r = await c.post(path, body, { headers });
        assert.equal(r.status, 403, `${path} with Host ${headers.host}: ${r.body}`);
        assert.equal(r.json.code, "host_rejected", path);
        assert.equal(typeof r.json.message, "string");
      }
    }
    // Not an API path either: refused for its Host before the 405.
    const page = await c.send("POST", "/", { body: {}, headers: evil });
    assert.equal(page.status, 403);
    assert.equal(page.json.code, "host_rejected");
    assert.equal((await c.send("POST", "/", { body: {} })).status, 405, "our own Host still gets 405");
    for (const method of ["PUT", "PATCH", "DELETE"]) {
      const r = await c.send(method, "/api/account/profile", { body: {}, headers: evil });
      assert.equal(r.status, 403, method);
      assert.equal(r.json.code, "host_rejected", method);
    }
    assert.deepEqual(await counts(), before, "a refused request changed something");
    // Reads are not refused for their Host.
    const stocks = await c.get("/api/stocks", { headers: evil });
    assert.equal(stocks.status, 200);
    // And the same registration, addressed to us, goes through.
    assert.equal((await c.post("/api/auth/register", who)).status, 202);
  });

  test("signed-in and API-key requests obey the Host rule; every loopback name on our port works", async () => {
    const u = await signUp(stack.server, stack.pg);
    const key = (await makeApiKey(u, "host test")).headers;
    const bot = new Client(stack.url);
    const refused = await bot.del("/v2/orders", { headers: { ...key, host: "evil.example" } });
    assert.equal(refused.status, 403, refused.body);
    assert.equal(refused.json.code, "host_rejected");
    // Programs send no Origin: addressed to us, the key works.
    const ok = await bot.del("/v2/orders", { headers: { ...key, origin: null } });
    assert.equal(ok.status, 207, ok.body);

    const profile = await u.patch("/api/account/profile", { display_name: "Host Check" }, { headers: { host: "evil.example" } });
    assert.equal(profile.status, 403);
    assert.equal(profile.json.code, "host_rejected");
    const port = stack.server.port;
    for (const name of ["localhost", "127.0.0.1", "[::1]"]) {
      const r = await u.patch(
        "/api/account/profile",
        { display_name: `Via ${name.replace(/[^a-z0-9]/g, "")}` },
        { headers: { host: `${name}:${port}`, origin: `http://${name}:${port}` } },
      );
      assert.equal(r.status, 200, `${name}: ${r.body}`);
    }
    // An Origin is ours only if configured (or our own loopback one), never because it matches
    // the Host the request named.
    const foreignOrigin = await u.patch("/api/account/profile", { display_name: "X" }, { headers: { origin: "http://evil.example" } });
    assert.equal(foreignOrigin.status, 403);
    assert.equal(foreignOrigin.json.code, "origin_rejected");
  });

  test("MARKETSIM_LOG_FORMAT=json: every line of the log is a JSON object", async () => {
    const server = await startServer({ pg: stack.pg, env: { MARKETSIM_LOG_FORMAT: "json" } });
    try {
      await sendForgeries(server.url);
      const c = new Client(server.url);
      await c.me();
      assert.equal((await c.post("/api/auth/login", { email: "x@example.test", password: "y" }, { headers: { host: "evil.example" } })).status, 403);
      const stream = await openStream(`${server.url}/api/stream?symbols=AAPL`);
      assert.equal(stream.status, 200);
      await sleep(300);
      stream.close();
      await waitFor(() => server.logs().includes("stream-closed"), { message: "the stream's closing line" });
    } finally {
      assert.equal(await server.stop("SIGTERM"), 0);
    }
    const records = [];
    for (const line of lines(server.logs())) {
      if (line === "") continue;
      let record;
      assert.doesNotThrow(() => (record = JSON.parse(line)), `not JSON: ${line}`);
      assert.equal(typeof record, "object");
      assert.match(record.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/, line);
      assert.ok(["trace", "debug", "info", "warning", "error", "critical"].includes(record.level), line);
      assert.equal(typeof record.message, "string", line);
      records.push(record);
    }
    assert.ok(records.some((r) => r.message.startsWith("config: ")), "start-up lines");
    assert.ok(records.some((r) => r.message === "shutdown: complete"), "shutdown lines");
    const access = records.filter((r) => r.type === "access");
    const forged = access.find((r) => r.path === "/api/x\\n2099-01-01T00:00:00.000 info FORGED-1");
    assert.ok(forged, "the forged path, escaped, as a field");
    assert.equal(forged.method, "GET");
    assert.equal(forged.status, 404);
    assert.equal(typeof forged.request_id, "string");
    assert.equal(typeof forged.duration_ms, "number");
    assert.equal(typeof forged.bytes, "number");
    assert.ok(access.some((r) => r.path === "/api/bad-utf8\\xff\\xfe\\xc0\\xaf"));
    assert.ok(access.some((r) => r.path === "/api/auth/login" && r.status === 403 && r.method === "POST"));
    assert.ok(access.some((r) => r.path === "/api/stream" && r.event === "stream-open"));
    assert.ok(access.some((r) => r.path === "/api/stream" && r.event === "stream-closed"));
  });
});
