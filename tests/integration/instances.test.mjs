// Two marketsim instances on one database, as behind a load balancer: a session used on both,
// then ended on one (sign-out, disable), is dead on the other at once, streams included, and a
// role change made through one takes effect on the other's next request (LISTEN/NOTIFY, not
// waiting for the cached copy to time out). An order taken by one instance and delivered to the
// player's stream by the other carries the placing request's id into the other's log.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { Client, makeAdmin, makeApiKey, signUp } from "../support/accounts.mjs";
import { startPostgres } from "../support/pg.mjs";
import { startServer } from "../support/server.mjs";
import { openStream } from "../support/sse.mjs";
import { sleep, waitFor } from "../support/util.mjs";

// The same browser talking to the other instance: same cookies, same CSRF token.
function sameBrowserOn(server, client) {
  const other = new Client(server.url);
  other.cookies = client.cookies;
  other.csrf = client.csrf;
  return other;
}

describe("several instances", { timeout: 180_000 }, () => {
  let pg;
  let a;
  let b;
  let admin;
  before(async () => {
    pg = await startPostgres();
    a = await startServer({ pg });
    // Only one instance flushes tick history in this test (a shared feed is not this test's topic).
    // B logs at debug: the line that names an order's placing request when B delivers its updates.
    b = await startServer({ pg, env: { MARKETSIM_FLUSH_INTERVAL: "1h", MARKETSIM_LOG_LEVEL: "debug" } });
    admin = await makeAdmin(a, pg);
  });
  after(async () => {
    if (b?.running) assert.equal(await b.stop("SIGTERM"), 0);
    if (a?.running) assert.equal(await a.stop("SIGTERM"), 0);
    await pg?.stop();
  });

  test("signing out on one instance ends the session and its stream on the other", async () => {
    const onA = await signUp(a, pg);
    const onB = sameBrowserOn(b, onA);
    assert.ok((await onB.get("/api/auth/me")).json.user, "B accepts A's session (and caches it)");
    const stream = await openStream(`${b.url}/api/stream`, { headers: { cookie: onA.cookieHeader() } });
    assert.equal(stream.status, 200);
    const stale = onA.cookieHeader();
    assert.equal((await onA.post("/api/auth/logout", {})).status, 204);
    await Promise.race([stream.ended, sleep(3000).then(() => assert.fail("B's stream still open 3 s after sign-out on A"))]);
    const replay = new Client(b.url);
    replay.cookies = new Map(stale.split("; ").map((p) => p.split("=")));
    assert.equal((await replay.get("/api/auth/me")).json.user, null, "B still accepts the ended session");
  });

  test("disabling on one instance ends the user's sessions and streams on the other", async () => {
    const player = await signUp(b, pg);
    const stream = await openStream(`${b.url}/api/stream`, { headers: { cookie: player.cookieHeader() } });
    assert.ok((await player.get("/api/auth/me")).json.user);
    assert.equal((await admin.post(`/api/admin/users/${player.user.id}/disable`, {})).status, 200);
    await Promise.race([stream.ended, sleep(3000).then(() => assert.fail("B's stream still open 3 s after disable on A"))]);
    assert.equal((await player.get("/api/auth/me")).json.user, null);
  });

  test("a role change made on one instance applies on the other's next request", async () => {
    const player = await signUp(b, pg);
    assert.equal((await player.get("/api/admin/users")).status, 403);
    assert.equal((await admin.post(`/api/admin/users/${player.user.id}/role`, { role: "admin" })).status, 200);
    await waitFor(async () => (await player.get("/api/admin/users")).status === 200, { timeout: 3000, message: "admin access on B" });
    assert.equal((await player.get("/api/auth/me")).json.user.role, "admin");
  });

  test("an order on one instance reaches the player's stream on the other; revoked keys die on both", async () => {
    const player = await signUp(a, pg);
    const onB = sameBrowserOn(b, player);
    const stream = await openStream(`${b.url}/api/stream?symbols=AAPL`, { headers: { cookie: player.cookieHeader() } });
    try {
      const rid = `trace${Date.now().toString(36)}`;
      const order = await player.post("/v2/orders", { symbol: "AAPL", qty: 1, side: "buy", type: "market", time_in_force: "day" }, { headers: { "X-Request-Id": rid } });
      assert.equal(order.status, 200, order.body);
      assert.equal(order.headers["x-request-id"], rid);
      await waitFor(
        () => stream.events.some((e) => e.event === "trade_update" && JSON.parse(e.data).order.id === order.json.id),
        { timeout: 3000, message: "the trade update on B" },
      );
      // One order followed across instances: A took it under this id, B delivered its updates
      // and says so under the same id; the id itself stays out of what the player receives.
      // The access line is written just after the answer: wait for it rather than race it.
      await waitFor(() => new RegExp(`POST /v2/orders 200 .*rid=${rid}`).test(a.tail(400)), {
        timeout: 3000,
        message: "A's access line with the request's id",
      });
      await waitFor(() => new RegExp(`orders: fill of order ${order.json.id} delivered to user \\d+'s streams rid=${rid}`).test(b.tail(400)), {
        timeout: 3000,
        message: "B's log line with the placing request's id",
      });
      assert.ok(stream.events.every((e) => !e.data.includes(rid)));
      // And the database names each instance's sessions (pg_stat_activity, its log).
      const names = (await pg.psql("select distinct application_name as n from pg_stat_activity where application_name like 'marketsim %'")).map((r) => r.n);
      for (const kind of ["requests", "background", "changes", "leader lock"])
        assert.ok(names.filter((n) => n.endsWith(` ${kind}`)).length >= 2, `${kind}: ${names.join(", ")}`);
      // Both instances serve one book and one account.
      assert.equal((await onB.get(`/v2/orders/${order.json.id}`)).json.status, order.json.status);
    } finally {
      stream.close();
    }
    const key = await makeApiKey(player, "two instances");
    const h = key.headers;
    const bot = new Client(b.url);
    assert.equal((await bot.get("/v2/account", { headers: h })).status, 200, "B knows the key (and caches it)");
    assert.equal((await player.send("DELETE", `/api/account/keys/${key.id}`)).status, 204);
    await waitFor(async () => (await bot.get("/v2/account", { headers: h })).status === 401, { timeout: 3000, message: "the revoked key refused on B" });
  });
});
