// Accounts against the real server and PostgreSQL: sign-up through the outbox, sign-in and
// out, no enumeration (same answer, exactly one argon2id verification per attempt), session
// fixation, forged cookies that never reach the database, idle and absolute timeouts with the
// server's clock moved, password change, profiles, and the upgrade of old hashes at sign-in.
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import { Client, advanceClock, makeAdmin, metrics, newIdentity, signUp, verificationToken } from "../support/accounts.mjs";
import { startServer } from "../support/server.mjs";
import { startStack, suiteStack } from "../support/stack.mjs";

const HOUR = 3_600_000;

// What an attacker can compare between two answers.
function observable(res) {
  const headers = { ...res.headers };
  for (const h of ["date", "x-request-id", "content-length"]) delete headers[h];
  const body = { ...res.json };
  delete body.request_id;
  return { status: res.status, headers, body, length: res.body.length - (res.json?.request_id?.length ?? 0) };
}

describe("accounts", { timeout: 300_000 }, () => {
  const stack = suiteStack();
  let admin;
  before(async () => {
    admin = await makeAdmin(stack.server, stack.pg);
  });

  test("sign up, verify through the mailed link, sign in, me, sign out", async () => {
    const who = newIdentity();
    const c = new Client(stack.url);
    const anon = await c.me();
    assert.equal(anon.user, null);
    assert.ok(anon.csrf_token.length > 20);
    assert.ok(c.cookies.has("ms_csrf"), "anonymous CSRF cookie not set");

    const reg = await c.post("/api/auth/register", who);
    assert.equal(reg.status, 202, reg.body);
    assert.equal(reg.json.status, "verification_sent");
    const early = await c.login(who.email, who.password);
    assert.equal(early.status, 403, early.body);
    assert.equal(early.json.code, "email_not_verified");

    const token = await verificationToken(stack.pg, who.email);
    assert.equal((await c.post("/api/auth/verify", { token: token.slice(0, -2) + "AA" })).json.code, "invalid_token");
    const ver = await c.post("/api/auth/verify", { token });
    assert.equal(ver.status, 200, ver.body);
    assert.equal(ver.json.user_tag, who.user_tag);
    assert.equal((await c.post("/api/auth/verify", { token })).status, 400, "a link works once");

    const login = await c.login(who.email.toUpperCase(), who.password);
    assert.equal(login.status, 200, login.body);
    assert.equal(login.json.user.user_tag, who.user_tag);
    const setCookie = login.headers["set-cookie"].find((l) => l.startsWith("ms_session="));
    assert.match(setCookie, /HttpOnly/);
    assert.match(setCookie, /SameSite=Lax/);
    assert.match(setCookie, /Path=\//);
    const me = await c.get("/api/auth/me");
    assert.equal(me.json.user.email, who.email);
    assert.equal(me.headers["cache-control"], "no-store");

    const out = await c.post("/api/auth/logout");
    assert.equal(out.status, 204);
    assert.equal((await c.get("/api/auth/me")).json.user, null);
    const rows = await stack.pg.psql("select count(*) as n from sessions s join users u on u.id = s.user_id where u.email = '" + who.email + "'");
    assert.equal(rows[0].n, "0", "logout must delete the session row");
  });

  test("sign-up does not reveal a registered email; its owner is told", async () => {
    const owner = await signUp(stack.server, stack.pg);
    const attacker = new Client(stack.url);
    await attacker.me();
    const fresh = newIdentity();
    const a = await attacker.post("/api/auth/register", fresh);
    const b = await attacker.post("/api/auth/register", { ...newIdentity(), email: owner.identity.email });
    assert.deepEqual(observable(b), observable(a));
    const mails = await stack.pg.psql(`select subject from outbox where to_address = '${owner.identity.email}' order by id`);
    assert.equal(mails.length, 2, "owner gets the verification mail, then the warning");
    assert.match(mails[1].subject, /tried to sign up/);
    // The owner's account is untouched: the old password still works.
    const again = await new Client(stack.url).login(owner.identity.email, owner.identity.password);
    assert.equal(again.status, 200);
  });

  test("wrong password, unknown email, disabled account: same answer, one verification each", async () => {
    const victim = await signUp(stack.server, stack.pg);
    const disabled = await signUp(stack.server, stack.pg);
    const d = await admin.post(`/api/admin/users/${disabled.user.id}/disable`, {});
    assert.equal(d.status, 200, d.body);

    const before = (await metrics(admin)).password_verifications;
    const answers = [];
    for (const [email, password] of [
      [victim.identity.email, "wrong password 123"],
      [`nobody${Date.now()}@example.test`, "wrong password 123"],
      [disabled.identity.email, disabled.identity.password],
    ]) {
      const c = new Client(stack.url);
      answers.push(observable(await c.login(email, password)));
    }
    const after = (await metrics(admin)).password_verifications;
    assert.equal(after - before, 3, "exactly one argon2id verification per attempt");
    assert.equal(answers[0].status, 401);
    assert.equal(answers[0].body.code, "invalid_credentials");
    assert.deepEqual(answers[1], answers[0]);
    assert.deepEqual(answers[2], answers[0]);
  });

  test("a session id never survives sign-in (fixation)", async () => {
    const who = await signUp(stack.server, stack.pg);
    const before = who.cookies.get("ms_session");
    const again = await who.login(who.identity.email, who.identity.password);
    assert.equal(again.status, 200);
    const afterLogin = who.cookies.get("ms_session");
    assert.notEqual(afterLogin, before);
    const stale = new Client(stack.url);
    stale.cookies.set("ms_session", before);
    assert.equal((await stale.get("/api/auth/me")).json.user, null, "the pre-login cookie must be dead");
  });

  test("forged, truncated, empty and huge cookies are anonymous and cost no database query", async () => {
    const who = await signUp(stack.server, stack.pg);
    const real = who.cookies.get("ms_session");
    const [id, mac] = real.split(".");
    const flip = (s) => (s[0] === "A" ? "B" : "A") + s.slice(1);
    const forged = [`${flip(id)}.${mac}`, `${id}.${flip(mac)}`, real.slice(0, -3), "", ".", `${id}.`, "x".repeat(6000), `${real}.${mac}`];
    const base = (await metrics(admin)).db_jobs;
    for (const value of forged) {
      const c = new Client(stack.url);
      c.cookies.set("ms_session", value);
      const r = await c.get("/api/auth/me");
      assert.equal(r.status, 200);
      assert.equal(r.json.user, null);
      const p = await c.patch("/api/account/profile", { display_name: "x" }, { csrf: false });
      assert.equal(p.status, 401);
    }
    const jobs = (await metrics(admin)).db_jobs;
    assert.equal(jobs - base, 0, "forged cookies reached the database");
  });

  test("sessions end after 12 h idle and 7 days in all (server clock moved)", async () => {
    const idle = await signUp(stack.server, stack.pg);
    const busy = await signUp(stack.server, stack.pg);
    await advanceClock(stack.server, 11 * HOUR);
    assert.ok((await busy.get("/api/auth/me")).json.user, "11 h idle is fine");
    await advanceClock(stack.server, 2 * HOUR);
    assert.equal((await idle.get("/api/auth/me")).json.user, null, "13 h idle ends the session");
    assert.ok((await busy.get("/api/auth/me")).json.user, "2 h after its last request");
    // Signed in at 0 h, now at 13 h: requests every 11 h keep it alive until 167 h; at 178 h it
    // is past the absolute limit of 168 h.
    for (let hours = 24; hours <= 178; hours += 11) {
      await advanceClock(stack.server, 11 * HOUR);
      const r = await busy.get("/api/auth/me");
      if (hours < 168) assert.ok(r.json.user, `active session ended early at ${hours} h`);
      else assert.equal(r.json.user, null, "7 days after sign-in the session ends");
    }
  });

  test("password change: new session here, every other session ends", async () => {
    const who = await signUp(stack.server, stack.pg);
    const other = new Client(stack.url);
    assert.equal((await other.login(who.identity.email, who.identity.password)).status, 200);
    const wrong = await who.post("/api/auth/password", { current_password: "nope nope nope", new_password: "another good one 42" });
    assert.equal(wrong.status, 401);
    const weak = await who.post("/api/auth/password", { current_password: who.identity.password, new_password: "password1" });
    assert.equal(weak.json.code, "password_policy");
    const oldCookie = who.cookies.get("ms_session");
    const ok = await who.post("/api/auth/password", { current_password: who.identity.password, new_password: "another good one 42" });
    assert.equal(ok.status, 200, ok.body);
    assert.notEqual(who.cookies.get("ms_session"), oldCookie);
    assert.ok((await who.get("/api/auth/me")).json.user);
    assert.equal((await other.get("/api/auth/me")).json.user, null);
    assert.equal((await new Client(stack.url).login(who.identity.email, who.identity.password)).status, 401);
    assert.equal((await new Client(stack.url).login(who.identity.email, "another good one 42")).status, 200);
  });

  test("password policy: length in characters, common passwords refused, sent exactly", async () => {
    const c = new Client(stack.url);
    await c.me();
    for (const password of ["short", "x".repeat(129), "password1", "Iloveyou", "qwertyuiop"]) {
      const r = await c.post("/api/auth/register", { ...newIdentity(), password });
      assert.equal(r.status, 400, password);
      assert.equal(r.json.code, "password_policy", password);
    }
    // 8 characters that are 16+ bytes of UTF-8 are fine, and trailing spaces count.
    const who = { ...newIdentity(), password: "ünïcödé " };
    const r = await c.post("/api/auth/register", who);
    assert.equal(r.status, 202, r.body);
    await c.post("/api/auth/verify", { token: await verificationToken(stack.pg, who.email) });
    assert.equal((await new Client(stack.url).login(who.email, "ünïcödé")).status, 401, "no trimming");
    assert.equal((await new Client(stack.url).login(who.email, "ünïcödé ")).status, 200);
  });

  test("bad sign-up input: clear 4xx codes and nothing stored", async () => {
    const c = new Client(stack.url);
    await c.me();
    const count = async () => (await stack.pg.psql("select count(*) as n from users"))[0].n;
    const before = await count();
    const cases = [
      [{ ...newIdentity(), email: "not-an-email" }, 400, "invalid_email"],
      [{ ...newIdentity(), user_tag: "No Caps" }, 400, "invalid_user_tag"],
      [{ ...newIdentity(), user_tag: "ab" }, 400, "invalid_user_tag"],
      [{ ...newIdentity(), display_name: "" }, 400, "invalid_display_name"],
      [{ ...newIdentity(), display_name: "a\u0007b" }, 400, "invalid_display_name"],
      [{ ...newIdentity(), email: 42 }, 400, "bad_request"],
      [{ ...newIdentity(), extra: true }, 400, "bad_request"],
      [{ ...newIdentity(), user_tag: admin.identity.user_tag }, 409, "user_tag_taken"],
    ];
    for (const [body, status, code] of cases) {
      const r = await c.post("/api/auth/register", body);
      assert.equal(r.status, status, JSON.stringify(body) + r.body);
      assert.equal(r.json.code, code);
    }
    const raw = await c.send("POST", "/api/auth/register", { raw: "{not json", headers: { "content-type": "application/json" } });
    assert.equal(raw.json.code, "invalid_json");
    const form = await c.send("POST", "/api/auth/register", { raw: "email=a", headers: { "content-type": "application/x-www-form-urlencoded" } });
    assert.equal(form.status, 415);
    assert.equal(await count(), before);
  });

  test("profile: display name, public profile opt-in, /api/users/{tag}", async () => {
    const who = await signUp(stack.server, stack.pg);
    const tag = who.identity.user_tag;
    assert.equal((await new Client(stack.url).get(`/api/users/${tag}`)).status, 404, "private by default");
    const p = await who.patch("/api/account/profile", { display_name: "  Ada Lovelace ", public_profile: true });
    assert.equal(p.status, 200, p.body);
    assert.equal(p.json.user.display_name, "Ada Lovelace");
    const pub = await new Client(stack.url).get(`/api/users/${tag}`);
    assert.equal(pub.status, 200);
    // Nothing but these (tests/integration/profiles.test.mjs checks each section); "bot" says
    // whether a simulated trader is behind the profile. Never the email.
    assert.deepEqual(Object.keys(pub.json).sort(), [
      "allocation", "as_of", "bot", "display_name", "equity", "member_since", "returns",
      "trade_delay_seconds", "trades", "user_tag",
    ]);
    assert.ok(!JSON.stringify(pub.json).includes(who.identity.email), "the email is published");
    assert.equal(pub.json.bot, false);
    assert.equal((await who.get("/api/auth/me")).json.user.display_name, "Ada Lovelace");
    assert.equal((await who.patch("/api/account/profile", { public_profile: "yes" })).status, 400);
  });
});

describe("password hashes are upgraded at sign-in", { timeout: 300_000 }, () => {
  test("a test-minimal hash becomes interactive after a sign-in under the production setting", async () => {
    const stack = await startStack();
    let server2;
    try {
      const who = await signUp(stack.server, stack.pg);
      const hashOf = async () => (await stack.pg.psql(`select password_hash from users where email = '${who.identity.email}'`))[0].password_hash;
      const weak = await hashOf();
      assert.match(weak, /^\$argon2id\$/);
      assert.equal(await stack.server.stop("SIGTERM"), 0);
      server2 = await startServer({ pg: stack.pg, env: { MARKETSIM_PASSWORD_HASH: "interactive" } });
      const c = new Client(server2.url);
      assert.equal((await c.login(who.identity.email, who.identity.password)).status, 200);
      const strong = await hashOf();
      assert.notEqual(strong, weak);
      assert.match(strong, /\$m=65536,t=2,/, strong);
      assert.equal((await new Client(server2.url).login(who.identity.email, who.identity.password)).status, 200);
    } finally {
      if (server2?.running) await server2.stop("SIGTERM");
      await stack.stop();
    }
  });
});
