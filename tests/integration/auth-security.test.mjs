// Request auth against the real server and PostgreSQL: every state-changing route refuses a
// missing or wrong CSRF token and a foreign origin with 403 and changes nothing; the privilege
// matrix over every admin route; role changes on the next request; sign-out and disabling end
// REST and SSE at once; login throttling per account and per address without a permanent
// lock-out; error reports capped, rate-limited and scrubbed; server errors stored.
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import { Client, advanceClock, makeAdmin, newIdentity, signUp } from "../support/accounts.mjs";
import { openStream } from "../support/sse.mjs";
import { suiteStack } from "../support/stack.mjs";
import { sleep } from "../support/util.mjs";

describe("request auth", { timeout: 300_000 }, () => {
  // 127.0.0.1 is a trusted proxy here, so tests choose their client address with
  // X-Forwarded-For.
  const stack = suiteStack({ env: { MARKETSIM_TRUSTED_PROXIES: "127.0.0.1" } });
  let admin;
  before(async () => {
    admin = await makeAdmin(stack.server, stack.pg);
  });

  // Everything a refused request could have changed.
  async function snapshot() {
    return stack.pg.psql(`select
      (select count(*) from users) as users,
      (select string_agg(id || ':' || status || ':' || role || ':' || display_name || ':' || public_profile || ':' || md5(password_hash), ',' order by id) from users) as user_state,
      (select count(*) from sessions) as sessions,
      (select count(*) from outbox) as outbox,
      (select count(*) from email_tokens where used_at is not null) as used_tokens,
      (select count(*) from error_reports) as reports,
      (select count(*) from instruments where halted) as halted`);
  }

  test("every state-changing route: no token, wrong token, foreign origin → 403, nothing changed", async () => {
    const victim = await signUp(stack.server, stack.pg);
    const pending = newIdentity();
    const anon = new Client(stack.url);
    await anon.me();
    assert.equal((await anon.post("/api/auth/register", pending)).status, 202);
    const token = (await stack.pg.psql(`select body from outbox where to_address = '${pending.email}'`))[0].body.match(/token=([\w-]+)/)[1];

    const routes = [
      [anon, "POST", "/api/auth/register", newIdentity()],
      [anon, "POST", "/api/auth/verify", { token }],
      [anon, "POST", "/api/auth/login", { email: victim.identity.email, password: victim.identity.password }],
      [anon, "POST", "/api/errors", { message: "csrf probe" }],
      [victim, "POST", "/api/auth/logout", {}],
      [victim, "POST", "/api/auth/password", { current_password: victim.identity.password, new_password: "brand new secret 99" }],
      [victim, "PATCH", "/api/account/profile", { display_name: "Changed", public_profile: true }],
      [admin, "POST", `/api/admin/users/${victim.user.id}/disable`, {}],
      [admin, "POST", `/api/admin/users/${victim.user.id}/role`, { role: "admin" }],
      [admin, "POST", "/api/admin/symbols/AAPL/halt", {}],
      [victim, "POST", "/api/errors", { message: "csrf probe" }],
    ];
    const before = await snapshot();
    for (const [client, method, path, body] of routes) {
      const label = `${method} ${path} as ${client === anon ? "anonymous" : client === admin ? "admin" : "user"}`;
      const missing = await client.send(method, path, { body, csrf: false });
      assert.equal(missing.status, 403, `${label} without a token: ${missing.body}`);
      assert.equal(missing.json.code, "csrf_failed", label);
      const wrong = await client.send(method, path, { body, headers: { "x-csrf-token": "AAAA" + (client.csrf ?? "").slice(4) } });
      assert.equal(wrong.status, 403, `${label} with a wrong token`);
      const foreign = await client.send(method, path, { body, headers: { origin: "https://evil.example" } });
      assert.equal(foreign.status, 403, `${label} from a foreign origin`);
      assert.equal(foreign.json.code, "origin_rejected", label);
      const crossSite = await client.send(method, path, { body, headers: { origin: null, "sec-fetch-site": "cross-site" } });
      assert.equal(crossSite.status, 403, `${label} cross-site without Origin`);
    }
    // Another browser's anonymous token is no good without its cookie (double submit).
    const other = new Client(stack.url);
    other.csrf = anon.csrf;
    assert.equal((await other.post("/api/auth/login", { email: victim.identity.email, password: victim.identity.password })).status, 403);
    // A signed-in user's token does not work for another session.
    const victim2 = new Client(stack.url);
    await victim2.login(victim.identity.email, victim.identity.password);
    const swapped = await victim2.send("PATCH", "/api/account/profile", { body: { display_name: "Changed" }, headers: { "x-csrf-token": victim.csrf } });
    assert.equal(swapped.status, 403);
    const afterState = await snapshot();
    // victim2's sign-in added one session; nothing else moved.
    assert.equal(Number(afterState[0].sessions), Number(before[0].sessions) + 1);
    assert.deepEqual({ ...afterState[0], sessions: 0 }, { ...before[0], sessions: 0 });
    // And with the right token the same requests work (so the 403s above were about CSRF).
    assert.equal((await victim.patch("/api/account/profile", { display_name: "Changed" })).status, 200);
  });

  test("GET never changes state and JSON routes refuse other content types", async () => {
    const c = await signUp(stack.server, stack.pg);
    for (const path of ["/api/auth/logout", "/api/auth/password", "/api/admin/users/1/disable", "/api/errors"]) {
      const r = await c.get(path);
      assert.equal(r.status, 405, path);
    }
    assert.ok((await c.get("/api/auth/me")).json.user, "still signed in after GET /api/auth/logout");
    const form = await c.send("PATCH", "/api/account/profile", { raw: "display_name=x", headers: { "content-type": "text/plain" } });
    assert.equal(form.status, 415);
  });

  test("privilege matrix over every admin route: anonymous 401, user 403, admin 2xx", async () => {
    const user = await signUp(stack.server, stack.pg);
    const target = await signUp(stack.server, stack.pg);
    const anon = new Client(stack.url);
    await anon.me();
    const routes = [
      ["GET", "/api/admin/users", undefined, 200],
      ["GET", "/api/admin/users?q=example&limit=5", undefined, 200],
      ["GET", "/api/admin/outbox", undefined, 200],
      ["GET", "/api/admin/errors", undefined, 200],
      ["GET", "/api/admin/metrics", undefined, 200],
      ["POST", `/api/admin/users/${target.user.id}/disable`, {}, 200],
      ["POST", `/api/admin/users/${target.user.id}/enable`, {}, 200],
      ["POST", `/api/admin/users/${target.user.id}/role`, { role: "user" }, 200],
      ["POST", "/api/admin/symbols/MSFT/halt", {}, 200],
      ["POST", "/api/admin/symbols/MSFT/resume", {}, 200],
    ];
    for (const [method, path, body, ok] of routes) {
      const a = await anon.send(method, path, { body });
      assert.equal(a.status, 401, `anonymous ${method} ${path}`);
      assert.equal(a.json.code, "unauthenticated");
      const u = await user.send(method, path, { body });
      assert.equal(u.status, 403, `user ${method} ${path}`);
      assert.equal(u.json.code, "forbidden");
      const ad = await admin.send(method, path, { body });
      assert.equal(ad.status, ok, `admin ${method} ${path}: ${ad.body}`);
    }
    assert.equal((await admin.post("/api/admin/users/999999/disable", {})).status, 404);
    assert.equal((await admin.post("/api/admin/users/abc/disable", {})).status, 404);
    assert.equal((await admin.post("/api/admin/symbols/NOPE/halt", {})).status, 404);
    assert.equal((await admin.post(`/api/admin/users/${target.user.id}/role`, { role: "root" })).status, 400);
    assert.equal((await admin.get("/api/admin/users?limit=0")).status, 400);
    assert.equal((await admin.get("/api/admin/errors?source=nope")).status, 400);
  });

  test("a role change takes effect on the next request", async () => {
    const u = await signUp(stack.server, stack.pg);
    assert.equal((await u.get("/api/admin/users")).status, 403);
    const before = u.cookies.get("ms_session");
    assert.equal((await admin.post(`/api/admin/users/${u.user.id}/role`, { role: "admin" })).status, 200);
    const first = await u.get("/api/admin/users");
    assert.equal(first.status, 200);
    // A privilege change gets the session a new id on that very request; the old one is dead.
    assert.ok(first.headers["set-cookie"]?.some((c) => c.startsWith("ms_session=")), "no new session cookie");
    assert.notEqual(u.cookies.get("ms_session"), before);
    const stale = new Client(stack.url);
    stale.cookies.set("ms_session", before);
    assert.equal((await stale.get("/api/auth/me")).json.user, null);
    assert.equal((await u.get("/api/auth/me")).json.user.role, "admin");
    const next = await u.get("/api/admin/users");
    assert.equal(next.headers["set-cookie"], undefined, "rotated once, not on every request");
    assert.equal((await admin.post(`/api/admin/users/${u.user.id}/role`, { role: "user" })).status, 200);
    assert.equal((await u.get("/api/admin/users")).status, 403);
  });

  test("halting a symbol shows in the market list", async () => {
    assert.equal((await admin.post("/api/admin/symbols/ibm/halt", {})).json.symbol, "IBM");
    const list = (await new Client(stack.url).get("/api/stocks")).json.stocks;
    assert.equal(list.find((s) => s.symbol === "IBM").halted, true);
    assert.equal(list.find((s) => s.symbol === "AAPL").halted, false);
    assert.equal((await admin.post("/api/admin/symbols/IBM/resume", {})).json.halted, false);
    assert.equal((await new Client(stack.url).get("/api/stocks/IBM")).json.halted, false);
  });

  test("sign-out ends REST and SSE at once", async () => {
    const u = await signUp(stack.server, stack.pg);
    const stream = await openStream(`${stack.url}/api/stream`, { headers: { cookie: u.cookieHeader() } });
    assert.equal(stream.status, 200);
    const stale = u.cookieHeader();
    assert.equal((await u.post("/api/auth/logout", {})).status, 204);
    await Promise.race([stream.ended, sleep(3000).then(() => assert.fail("stream still open 3 s after sign-out"))]);
    const again = new Client(stack.url);
    again.cookies = new Map(stale.split("; ").map((p) => p.split("=")));
    assert.equal((await again.get("/api/auth/me")).json.user, null);
  });

  test("disabling a user ends their REST and SSE at once; enabling lets them sign in again", async () => {
    const u = await signUp(stack.server, stack.pg);
    const stream = await openStream(`${stack.url}/api/stream`, { headers: { cookie: u.cookieHeader() } });
    assert.equal((await admin.post(`/api/admin/users/${u.user.id}/disable`, {})).status, 200);
    await Promise.race([stream.ended, sleep(3000).then(() => assert.fail("stream still open 3 s after disable"))]);
    assert.equal((await u.patch("/api/account/profile", { display_name: "x" })).status, 401);
    assert.equal((await new Client(stack.url).login(u.identity.email, u.identity.password)).status, 401);
    assert.equal((await admin.post(`/api/admin/users/${u.user.id}/enable`, {})).status, 200);
    assert.equal((await new Client(stack.url).login(u.identity.email, u.identity.password)).status, 200);
  });

  test("failed sign-ins are throttled per account, the owner's browser still gets in, and it wears off", async () => {
    const owner = await signUp(stack.server, stack.pg);
    const email = owner.identity.email;
    for (let i = 0; i < 5; i += 1) {
      const attacker = new Client(stack.url, { address: `10.1.0.${i + 1}` });
      const r = await attacker.login(email, `guess number ${i}`);
      assert.equal(r.status, 401, `failure ${i + 1} is answered`);
    }
    const blocked = await new Client(stack.url, { address: "10.1.0.50" }).login(email, owner.identity.password);
    assert.equal(blocked.status, 429, blocked.body);
    assert.equal(blocked.json.code, "too_many_attempts");
    assert.ok(Number(blocked.headers["retry-after"]) >= 1);
    // The owner signed in from this browser before: its device cookie lets it through.
    const own = await owner.login(email, owner.identity.password);
    assert.equal(own.status, 200, own.body);
    // The lock-out wears off.
    await advanceClock(stack.server, 16 * 60_000);
    const later = await new Client(stack.url, { address: "10.1.0.51" }).login(email, owner.identity.password);
    assert.equal(later.status, 200, later.body);
  });

  test("failed sign-ins are throttled per address, other addresses unaffected", async () => {
    const someone = await signUp(stack.server, stack.pg);
    for (let i = 0; i < 20; i += 1) {
      const r = await new Client(stack.url, { address: "10.2.0.9" }).login(`nobody${i}@example.test`, "not the password");
      assert.equal(r.status, 401, `attempt ${i}`);
    }
    const blocked = await new Client(stack.url, { address: "10.2.0.9" }).login(someone.identity.email, someone.identity.password);
    assert.equal(blocked.status, 429);
    const elsewhere = await new Client(stack.url, { address: "10.2.0.10" }).login(someone.identity.email, someone.identity.password);
    assert.equal(elsewhere.status, 200);
  });

  test("error reports: stored scrubbed, capped at 16 KiB, rate-limited, readable by admins only as data", async () => {
    const u = await signUp(stack.server, stack.pg);
    u.address = "10.3.0.1";
    const report = {
      kind: "error",
      message: "TypeError: x is undefined <script>alert(1)</script>",
      page: "/verify/?token=SECRETTOKEN123&x=1",
      request_id: "abc-123",
      stack: "at f (app.js:1:2)",
      password: "hunter2",
      context: { cookie: "ms_session=abc", nested: [{ csrf_token: "zzz" }], note: "Authorization: Bearer qqq" },
    };
    const r = await u.post("/api/errors", report);
    assert.equal(r.status, 202, r.body);
    const stored = await stack.pg.psql(`select page, message, request_id, user_id, report::text as report from error_reports where id = ${r.json.id}`);
    assert.equal(stored[0].user_id, String(u.user.id));
    assert.equal(stored[0].request_id, "abc-123");
    for (const secret of ["SECRETTOKEN123", "hunter2", "ms_session=abc", "zzz", "qqq"]) {
      assert.ok(!stored[0].report.includes(secret), `${secret} was stored`);
      assert.ok(!stored[0].page.includes(secret), `${secret} in page`);
    }
    assert.match(stored[0].report, /TypeError/);
    const listed = await admin.get("/api/admin/errors?source=client&q=TypeError");
    assert.equal(listed.status, 200);
    assert.ok(listed.json.reports.some((e) => e.id === r.json.id && e.user_tag === u.identity.user_tag));
    assert.match(listed.headers["content-type"], /application\/json/);

    const big = await u.post("/api/errors", { message: "x".repeat(17 * 1024) });
    assert.equal(big.status, 413);
    const flood = new Client(stack.url, { address: "10.3.0.2" });
    await flood.me();
    const statuses = [];
    for (let i = 0; i < 35; i += 1) statuses.push((await flood.post("/api/errors", { message: `flood ${i}` })).status);
    assert.equal(statuses.filter((s) => s === 202).length, 30, statuses.join(","));
    assert.equal(statuses.at(-1), 429);
    assert.equal((await flood.post("/api/errors", [1, 2])).status, 429, "still limited");
  });

  test("a server error is stored with its request id, scrubbed", async () => {
    const c = new Client(stack.url);
    const r = await c.send("GET", "/api/test/crash", { headers: { "x-request-id": "crash-test-1" } });
    assert.equal(r.status, 500);
    assert.equal(r.json.code, "internal");
    assert.ok(!r.body.includes("hunter2"), "no internals in the answer");
    let rows = [];
    for (let i = 0; i < 50 && rows.length === 0; i += 1) {
      rows = await stack.pg.psql("select source, page, message, report::text as report from error_reports where request_id = 'crash-test-1'");
      if (!rows.length) await sleep(100);
    }
    assert.equal(rows.length, 1);
    assert.equal(rows[0].source, "server");
    assert.equal(rows[0].page, "GET /api/test/crash");
    assert.match(rows[0].message, /test crash/);
    assert.ok(!rows[0].message.includes("hunter2") && !rows[0].report.includes("hunter2"));
    assert.ok(!stack.server.logs().includes("hunter2"), "the secret reached the log");
  });

  test("no password, session id or CSRF token appears in the server log", async () => {
    const u = await signUp(stack.server, stack.pg);
    await u.patch("/api/account/profile", { display_name: "Log Check" });
    const logs = stack.server.logs();
    assert.ok(!logs.includes(u.identity.password), "password in the log");
    assert.ok(!logs.includes(u.cookies.get("ms_session")), "session cookie in the log");
    assert.ok(!logs.includes(u.cookies.get("ms_session").split(".")[0]), "session id in the log");
    assert.ok(!logs.includes(u.csrf), "CSRF token in the log");
  });
});
