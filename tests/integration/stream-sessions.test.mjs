// The stream and the session it was opened with: its answer carries what every answer carries
// (above all the new session cookie after a role change, which a hand-written header used to
// drop, signing the player out), and it closes when the session expires, idle or absolute, as
// it does at sign-out. An open stream is not activity: only requests keep a session alive.
// The server's clock is moved with the test hook; sessions here idle out after 60 s and end
// 150 s after sign-in, so expiry is checked every second.
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import { advanceClock, Client, makeAdmin, signUp } from "../support/accounts.mjs";
import { suiteStack } from "../support/stack.mjs";
import { openStream } from "../support/sse.mjs";
import { sleep } from "../support/util.mjs";

describe("streams and sessions", { timeout: 180_000 }, () => {
  const stack = suiteStack({
    env: { MARKETSIM_TICK_INTERVAL: "100ms", MARKETSIM_SESSION_IDLE: "60s", MARKETSIM_SESSION_ABSOLUTE: "150s" },
  });
  let url;
  before(() => {
    url = `${stack.url}/api/stream`;
  });

  const withCookie = (client) => ({ headers: { cookie: client.cookieHeader() } });
  const signedIn = async (client) => (await client.get("/api/auth/me")).json.user;
  const endsSoon = (stream, what) =>
    Promise.race([stream.ended, sleep(10_000).then(() => assert.fail(`stream still open 10 s after ${what}`))]);
  // A new player opens a stream with their session; `during(u, s)` runs while it is open. The
  // stream is closed after, and by then the player's session must be over.
  async function streamUntilSignedOut(during) {
    const u = await signUp(stack.server, stack.pg);
    const s = await openStream(url, withCookie(u));
    assert.equal(s.status, 200);
    try {
      await during(u, s);
    } finally {
      s.close();
    }
    assert.equal(await signedIn(u), null);
  }

  test("a stream opened after a role change carries the rotated session cookie and every usual header", async () => {
    const admin = await makeAdmin(stack.server, stack.pg);
    const u = await signUp(stack.server, stack.pg);
    const stale = new Client(stack.url);
    stale.cookies = new Map(u.cookies);
    assert.equal((await admin.post(`/api/admin/users/${u.user.id}/role`, { role: "admin" })).status, 200);
    // The stream is the player's first request since the change: its session gets a new id here.
    const s = await openStream(url, withCookie(u));
    try {
      assert.equal(s.status, 200);
      assert.match(s.headers["content-type"], /^text\/event-stream/);
      const cookies = s.headers["set-cookie"] ?? [];
      assert.ok(cookies.some((c) => c.startsWith("ms_session=")), `no rotated session cookie: ${JSON.stringify(s.headers)}`);
      assert.equal(s.headers["x-frame-options"], "DENY");
      assert.equal(s.headers["x-content-type-options"], "nosniff");
      assert.ok(s.headers["content-security-policy"], "no Content-Security-Policy");
      assert.equal(s.headers["cache-control"], "no-store");
      assert.match(s.headers["x-request-id"] ?? "", /^[0-9a-f]{16}$/);
      u.keepCookies(s.headers);
      await s.waitForCount(1);
    } finally {
      s.close();
    }
    const me = await signedIn(u);
    assert.ok(me, "the rotated cookie from the stream does not sign the player in");
    assert.equal(me.role, "admin");
    assert.equal(await signedIn(stale), null, "the old session id still works");
  });

  test("a stream closes when its session idles out, though it was open all along", async () => {
    await streamUntilSignedOut(async (u, s) => {
      await s.waitForCount(1);
      await advanceClock(stack.server, 61_000);
      await endsSoon(s, "the idle timeout");
    });
  });

  test("a player's requests keep the stream open past the idle timeout; the absolute one closes it", async () => {
    await streamUntilSignedOut(async (u, s) => {
      for (let step = 0; step < 3; step++) {
        await advanceClock(stack.server, 40_000);
        assert.ok(await signedIn(u), `signed out ${40 * (step + 1)} s after sign-in despite requests`);
      }
      // 120 s after sign-in, 40 s after the last request: alive, and a sweep (every second)
      // has had time to look at it.
      await sleep(1500);
      assert.equal(s.closed, false, "the stream of a live session was closed");
      await advanceClock(stack.server, 31_000);
      await endsSoon(s, "the absolute timeout");
    });
  });

  test("shuts down cleanly: exit status 0, no sanitizer report", async () => {
    const code = await stack.server.stop("SIGTERM");
    assert.equal(code, 0, `server exit status ${code}\n${stack.server.tail()}`);
    assert.equal(stack.server.sanitizerReport(), null);
  });
});
