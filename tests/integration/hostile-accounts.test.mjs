// Account takeover paths and throttles under concurrency (issue: hostile players): the
// create-admin takeover of a pending sign-up, the pending re-registration, the password reset
// by mailed link, 80 parallel guesses against one account, the password-change flood, API-key
// failures budgeted before any lookup, and a session read racing a sign-out.
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import { Client, advanceClock, makeAdmin, makeApiKey, metrics, newIdentity, signUp, verificationToken } from "../support/accounts.mjs";
import { runServerCommand, startServer } from "../support/server.mjs";
import { openStream } from "../support/sse.mjs";
import { suiteStack } from "../support/stack.mjs";
import { sleep } from "../support/util.mjs";

const MINUTE = 60_000;

async function mailsTo(pg, email) {
  return pg.psql(`select subject, body from outbox where to_address = '${email.replace(/'/g, "''")}' order by id`);
}

function resetToken(body) {
  const m = /\/reset-password\/\?token=([A-Za-z0-9_-]+)/.exec(body);
  assert.ok(m, `no reset link in: ${body}`);
  return m[1];
}

async function createAdmin(pg, args, password) {
  return runServerCommand({ pg, args: ["create-admin", ...args], input: password === undefined ? undefined : `${password}\n` });
}

describe("hostile accounts", { timeout: 300_000 }, () => {
  const stack = suiteStack({ env: { MARKETSIM_TEST_HOOKS: "1", MARKETSIM_TRUSTED_PROXIES: "127.0.0.1" } });
  let admin;
  before(async () => {
    admin = await makeAdmin(stack.server, stack.pg);
  });

  test("create-admin replaces a pending sign-up of the address instead of promoting it", async () => {
    const operator = newIdentity("op");
    const attacker = { ...newIdentity("x"), email: operator.email };
    const c = new Client(stack.url, { address: "10.20.0.1" });
    await c.me();
    assert.equal((await c.post("/api/auth/register", attacker)).status, 202);
    const attackerLink = await verificationToken(stack.pg, operator.email);

    const made = await createAdmin(stack.pg, ["--email", operator.email, "--tag", operator.user_tag, "--name", "The Operator"], operator.password);
    assert.equal(made.code, 0, made.output);
    assert.match(made.stdout, /REPLACED/, "the terminal says the pending sign-up was replaced");
    assert.ok(!made.output.includes(operator.password), "the password is never printed");

    const own = await new Client(stack.url, { address: "10.20.0.2" }).login(operator.email, operator.password);
    assert.equal(own.status, 200, own.body);
    assert.equal(own.json.user.role, "admin");
    assert.equal(own.json.user.user_tag, operator.user_tag, "the operator's tag, not the attacker's");
    assert.equal(own.json.user.display_name, "The Operator");
    const theirs = await new Client(stack.url, { address: "10.20.0.3" }).login(operator.email, attacker.password);
    assert.equal(theirs.status, 401, "the attacker's password is gone");
    const clicker = new Client(stack.url, { address: "10.20.0.4" });
    await clicker.me();
    const link = await clicker.post("/api/auth/verify", { token: attackerLink });
    assert.equal(link.status, 400, "the pending sign-up's link is dead");
    assert.equal(link.json.code, "invalid_token");
  });

  test("create-admin refuses an active account unless --promote-existing, which keeps its password", async () => {
    const player = await signUp(stack.server, stack.pg, newIdentity(), { address: "10.21.0.1" });
    const email = player.identity.email;
    const refused = await createAdmin(stack.pg, ["--email", email, "--tag", "someone_else"], "operator typed this one");
    assert.equal(refused.code, 2, refused.output);
    assert.match(refused.stderr, /--promote-existing/);
    const still = await new Client(stack.url, { address: "10.21.0.2" }).login(email, player.identity.password);
    assert.equal(still.status, 200, still.body);
    assert.equal(still.json.user.role, "user", "nothing changed");
    assert.equal((await new Client(stack.url, { address: "10.21.0.3" }).login(email, "operator typed this one")).status, 401);

    const promoted = await createAdmin(stack.pg, ["--email", email, "--promote-existing"]);
    assert.equal(promoted.code, 0, promoted.output);
    assert.match(promoted.stdout, /keeps its own password/);
    const now = await new Client(stack.url, { address: "10.21.0.4" }).login(email, player.identity.password);
    assert.equal(now.status, 200, now.body);
    assert.equal(now.json.user.role, "admin");

    const nobody = await createAdmin(stack.pg, ["--email", newIdentity().email, "--promote-existing"]);
    assert.equal(nobody.code, 2, nobody.output);
  });

  test("a repeat sign-up of a pending address re-sends a link and changes nothing else", async () => {
    const victim = newIdentity("v");
    const attacker = { ...newIdentity("x"), email: victim.email };
    const v = new Client(stack.url, { address: "10.22.0.1" });
    await v.me();
    const first = await v.post("/api/auth/register", victim);
    assert.equal(first.status, 202);
    const a = new Client(stack.url, { address: "10.22.0.2" });
    await a.me();
    const second = await a.post("/api/auth/register", attacker);
    assert.equal(second.status, 202, "the same answer: nothing to enumerate");
    assert.deepEqual(second.json, first.json);
    const mails = await mailsTo(stack.pg, victim.email);
    assert.equal(mails.length, 2, "a second link was sent");
    assert.ok(!mails[1].body.includes(attacker.display_name), "the repeater's text is not in the mail");
    // The victim clicks the newest link: their own password, tag and name.
    const newest = await verificationToken(stack.pg, victim.email);
    const ver = await v.post("/api/auth/verify", { token: newest });
    assert.equal(ver.status, 200, ver.body);
    assert.equal(ver.json.user_tag, victim.user_tag);
    assert.equal((await new Client(stack.url, { address: "10.22.0.3" }).login(victim.email, attacker.password)).status, 401);
    const own = await new Client(stack.url, { address: "10.22.0.4" }).login(victim.email, victim.password);
    assert.equal(own.status, 200, own.body);
    assert.equal(own.json.user.display_name, victim.display_name);
    // The attacker's tag was never taken.
    const other = new Client(stack.url, { address: "10.22.0.5" });
    await other.me();
    assert.equal((await other.post("/api/auth/register", { ...newIdentity(), user_tag: attacker.user_tag })).status, 202);
  });

  test("80 parallel guesses at one account: at most 5 verifications, the rest 429 with Retry-After", async () => {
    const target = await signUp(stack.server, stack.pg, newIdentity(), { address: "10.23.0.1" });
    const guessers = Array.from({ length: 80 }, (_, i) => new Client(stack.url, { address: `10.24.${i >> 8}.${i & 255}` }));
    await Promise.all(guessers.map((g) => g.me()));
    const before = (await metrics(admin)).password_verifications;
    const answers = await Promise.all(guessers.map((g, i) => g.login(target.identity.email, `wrong guess ${i}`)));
    const verified = (await metrics(admin)).password_verifications - before;
    const counts = {};
    for (const a of answers) counts[a.status] = (counts[a.status] ?? 0) + 1;
    console.log(`80 parallel guesses: ${JSON.stringify(counts)}, ${verified} verifications`);
    assert.ok(verified <= 5, `${verified} verifications ran`);
    assert.equal(counts[401], verified, "every verification was a wrong password");
    assert.equal(counts[429], 80 - verified);
    for (const a of answers.filter((x) => x.status === 429)) {
      assert.equal(a.json.code, "too_many_attempts");
      assert.ok(Number(a.headers["retry-after"]) >= 1, "429 without Retry-After");
    }
    // The owner's browser (device cookie) still gets in; a stranger with the right password waits.
    assert.equal((await target.login(target.identity.email, target.identity.password)).status, 200);
    assert.equal((await new Client(stack.url, { address: "10.23.0.2" }).login(target.identity.email, target.identity.password)).status, 429);
  });

  test("one address gets at most 20 verifications per window, whatever the concurrency", async () => {
    const c = Array.from({ length: 60 }, () => new Client(stack.url, { address: "10.25.0.1" }));
    await Promise.all(c.map((x) => x.me()));
    const before = (await metrics(admin)).password_verifications;
    // In pairs (the hashing share of one address), each guess at another account, so only the
    // address's budget can stop them.
    const answers = [];
    for (let i = 0; i < c.length; i += 2)
      answers.push(...(await Promise.all(c.slice(i, i + 2).map((x, j) => x.login(`nobody${i + j}@example.test`, "not the password")))));
    const verified = (await metrics(admin)).password_verifications - before;
    assert.equal(verified, 20, `${verified} verifications from one address`);
    assert.equal(answers.filter((a) => a.status === 401).length, 20);
    assert.equal(answers.filter((a) => a.status === 429).length, 40);
    // Another address is unaffected.
    const other = await new Client(stack.url, { address: "10.25.0.2" }).login("nobody@example.test", "not the password");
    assert.equal(other.status, 401);
  });

  test("the password-change flood: a stolen session cannot guess without limit or fill the hashing pool", async () => {
    const victim = await signUp(stack.server, stack.pg, newIdentity(), { address: "10.26.0.1" });
    const bystander = await signUp(stack.server, stack.pg, newIdentity(), { address: "10.26.0.2" });
    const before = await metrics(admin);
    const answers = await Promise.all(
      Array.from({ length: 40 }, (_, i) => victim.post("/api/auth/password", { current_password: `guess ${i}`, new_password: "a brand new password 1" })),
    );
    const after = await metrics(admin);
    const verified = after.password_verifications - before.password_verifications;
    const counts = {};
    for (const a of answers) counts[`${a.status} ${a.json?.code}`] = (counts[`${a.status} ${a.json?.code}`] ?? 0) + 1;
    console.log(`40 parallel password changes: ${JSON.stringify(counts)}, ${verified} verifications`);
    assert.ok(verified <= 5, `${verified} wrong current passwords were checked`);
    assert.equal(counts["401 invalid_credentials"], verified);
    for (const a of answers) {
      assert.ok([401, 429].includes(a.status), `unexpected ${a.status}: ${a.body}`);
      if (a.status === 429) assert.ok(Number(a.headers["retry-after"]) >= 1);
    }
    // Guessing one at a time afterwards: the account's budget (5 per window, shared with
    // sign-in) is spent.
    let guesses = verified;
    for (let i = 0; i < 10; i += 1) {
      const r = await victim.post("/api/auth/password", { current_password: `slow guess ${i}`, new_password: "a brand new password 1" });
      if (r.status === 401) guesses += 1;
      else assert.equal(r.json.code, "too_many_attempts", r.body);
    }
    assert.ok(guesses <= 5, `${guesses} wrong current passwords were checked`);
    // A sign-in elsewhere with the right password waits too: the budget is the account's.
    assert.equal((await new Client(stack.url, { address: "10.26.0.4" }).login(victim.identity.email, victim.identity.password)).status, 429);
    // Meanwhile nobody else was refused: the bystander signs in at once.
    const other = await new Client(stack.url, { address: "10.26.0.3" }).login(bystander.identity.email, bystander.identity.password);
    assert.equal(other.status, 200, other.body);
  });

  test("password reset: same answer for any address, one-use link, every session and stream ends", async () => {
    const p = await signUp(stack.server, stack.pg, newIdentity(), { address: "10.27.0.1" });
    const email = p.identity.email;
    const laptop = new Client(stack.url, { address: "10.27.0.2" });
    assert.equal((await laptop.login(email, p.identity.password)).status, 200);
    const stream = await openStream(`${stack.url}/api/stream`, { headers: { cookie: laptop.cookieHeader() } });
    assert.equal(stream.status, 200);
    const keyHeaders = (await makeApiKey(laptop, "made by whoever had the account")).headers;
    assert.equal((await new Client(stack.url, { address: "10.27.0.9" }).get("/v2/account", { headers: keyHeaders })).status, 200);

    const anon = new Client(stack.url, { address: "10.27.0.3" });
    await anon.me();
    const known = await anon.post("/api/auth/password-reset", { email });
    const unknown = await anon.post("/api/auth/password-reset", { email: `nobody-${Date.now()}@example.test` });
    assert.equal(known.status, 202, known.body);
    assert.equal(unknown.status, 202, unknown.body);
    assert.deepEqual(known.json, unknown.json, "nothing says whether the address has an account");
    assert.equal((await anon.post("/api/auth/password-reset", { email: "not an address" })).status, 400);
    const mails = await mailsTo(stack.pg, email);
    const mail = mails.at(-1);
    assert.equal(mail.subject, "Reset your marketsim password");
    const token = resetToken(mail.body);
    assert.equal(Buffer.from(token, "base64url").length, 32, "a 256-bit token");
    const [{ raw, hashed }] = await stack.pg.psql(
      `select count(*) filter (where token_hash = decode('${Buffer.from(token, "base64url").toString("hex")}', 'hex'))::int as raw, ` +
        `count(*) filter (where token_hash = sha256(convert_to('${token}', 'UTF8')))::int as hashed from email_tokens where purpose = 'reset'`,
    );
    assert.equal(raw, "0", "the token is stored as is");
    assert.equal(hashed, "1", "the token's SHA-256 is stored");

    const weak = await anon.post("/api/auth/password-reset/confirm", { token, new_password: "short" });
    assert.equal(weak.status, 400);
    assert.equal(weak.json.code, "password_policy");
    const bad = await anon.post("/api/auth/password-reset/confirm", { token: token.replace(/^./, (ch) => (ch === "A" ? "B" : "A")), new_password: "my new password is long" });
    assert.equal(bad.status, 400);
    assert.equal(bad.json.code, "invalid_token");

    const ok = await anon.post("/api/auth/password-reset/confirm", { token, new_password: "my new password is long" });
    assert.equal(ok.status, 200, ok.body);
    assert.equal(ok.json.status, "password_reset");
    assert.equal(ok.json.revoked_api_keys, 1);
    await Promise.race([stream.ended, sleep(3000).then(() => assert.fail("stream still open 3 s after the reset"))]);
    assert.equal((await laptop.get("/api/auth/me")).json.user, null, "the other session ended");
    assert.equal((await p.get("/api/auth/me")).json.user, null, "every session ended");
    assert.equal((await new Client(stack.url, { address: "10.27.0.9" }).get("/v2/account", { headers: keyHeaders })).status, 401, "the API key was revoked");
    assert.equal((await new Client(stack.url, { address: "10.27.0.4" }).login(email, p.identity.password)).status, 401);
    assert.equal((await new Client(stack.url, { address: "10.27.0.5" }).login(email, "my new password is long")).status, 200);
    const again = await anon.post("/api/auth/password-reset/confirm", { token, new_password: "yet another long password" });
    assert.equal(again.status, 400, "single use");
    assert.equal((await mailsTo(stack.pg, email)).at(-1).subject, "Your marketsim password was changed");
  });

  test("a reset link expires after an hour, and a newer one replaces it", async () => {
    const p = await signUp(stack.server, stack.pg, newIdentity(), { address: "10.28.0.1" });
    const anon = new Client(stack.url, { address: "10.28.0.2" });
    await anon.me();
    assert.equal((await anon.post("/api/auth/password-reset", { email: p.identity.email })).status, 202);
    const first = resetToken((await mailsTo(stack.pg, p.identity.email)).at(-1).body);
    assert.equal((await anon.post("/api/auth/password-reset", { email: p.identity.email })).status, 202);
    const second = resetToken((await mailsTo(stack.pg, p.identity.email)).at(-1).body);
    assert.notEqual(first, second);
    const old = await anon.post("/api/auth/password-reset/confirm", { token: first, new_password: "replaced link password" });
    assert.equal(old.status, 400, "the older link died when a newer one was sent");
    await advanceClock(stack.server, 61 * MINUTE);
    const late = await anon.post("/api/auth/password-reset/confirm", { token: second, new_password: "expired link password" });
    assert.equal(late.status, 400);
    assert.equal(late.json.code, "invalid_token");
    assert.equal((await new Client(stack.url, { address: "10.28.0.3" }).login(p.identity.email, p.identity.password)).status, 200, "nothing changed");
  });

  test("reset requests are limited per account and per address, 429 with Retry-After", async () => {
    const p = await signUp(stack.server, stack.pg, newIdentity(), { address: "10.29.0.1" });
    const answers = await Promise.all(
      Array.from({ length: 12 }, (_, i) => {
        const c = new Client(stack.url, { address: `10.29.1.${i + 1}` });
        return c.me().then(() => c.post("/api/auth/password-reset", { email: p.identity.email }));
      }),
    );
    const ok = answers.filter((a) => a.status === 202).length;
    assert.equal(ok, 5, `${ok} reset mails asked for in parallel`);
    for (const a of answers.filter((x) => x.status !== 202)) {
      assert.equal(a.status, 429);
      assert.ok(Number(a.headers["retry-after"]) >= 1);
    }
    const resetMails = (await mailsTo(stack.pg, p.identity.email)).filter((m) => m.subject.startsWith("Reset"));
    assert.equal(resetMails.length, 5, "no mailbox flood");
  });

  test("wrong reset tokens spend the address's budget like wrong passwords", async () => {
    const anon = new Client(stack.url, { address: "10.30.0.1" });
    await anon.me();
    const answers = [];
    for (let i = 0; i < 25; i += 1) {
      const token = Buffer.alloc(32, i + 1).toString("base64url");
      answers.push(await anon.post("/api/auth/password-reset/confirm", { token, new_password: "some long new password" }));
    }
    assert.equal(answers.filter((a) => a.status === 400).length, 20);
    assert.equal(answers.filter((a) => a.status === 429).length, 5);
  });

  test("API keys: a wrong secret records no use, and an address over its failure budget is refused even with the right key", async () => {
    const p = await signUp(stack.server, stack.pg, newIdentity(), { address: "10.31.0.1" });
    const { key_id, secret } = await makeApiKey(p, "bot");
    const bot = new Client(stack.url, { address: "10.31.0.2" });
    for (let i = 0; i < 5; i += 1) {
      const r = await bot.get("/v2/account", { headers: { "APCA-API-KEY-ID": key_id, "APCA-API-SECRET-KEY": `wrong${i}` } });
      assert.equal(r.status, 401);
    }
    const [{ used }] = await stack.pg.psql(`select last_used_at is null as used from api_keys where key_id = '${key_id}'`);
    assert.equal(used, "t", "a wrong secret wrote last_used_at");
    // Unknown key ids from one address, in parallel: 20 lookups at most, then 429 for everyone
    // from there, including the right key.
    const guesses = await Promise.all(
      Array.from({ length: 40 }, (_, i) => bot.get("/v2/account", { headers: { "APCA-API-KEY-ID": `MKGUESS${i}`, "APCA-API-SECRET-KEY": "x".repeat(40) } })),
    );
    assert.equal(guesses.filter((g) => g.status === 401).length, 15, "5 earlier failures + 15 = the budget of 20");
    assert.equal(guesses.filter((g) => g.status === 429).length, 25);
    const right = await bot.get("/v2/account", { headers: { "APCA-API-KEY-ID": key_id, "APCA-API-SECRET-KEY": secret } });
    assert.equal(right.status, 429, "the right key from a spent address");
    assert.ok(Number(right.headers["retry-after"]) >= 1);
    const elsewhere = await new Client(stack.url, { address: "10.31.0.3" }).get("/v2/account", { headers: { "APCA-API-KEY-ID": key_id, "APCA-API-SECRET-KEY": secret } });
    assert.equal(elsewhere.status, 200, elsewhere.body);
    const [{ recorded }] = await stack.pg.psql(`select last_used_at is not null as recorded from api_keys where key_id = '${key_id}'`);
    assert.equal(recorded, "t", "the right key's use is recorded");
  });

  test("a session read that misses the cache while the session ends does not bring it back", async () => {
    // A second instance has nothing cached: every read there is a cache miss racing the
    // sign-out sent to it.
    const other = await startServer({ pg: stack.pg, env: { MARKETSIM_TRUSTED_PROXIES: "127.0.0.1" } });
    try {
      for (let round = 0; round < 5; round += 1) {
        const p = await signUp(stack.server, stack.pg, newIdentity(), { address: `10.32.0.${round + 1}` });
        const there = new Client(other.url);
        there.cookies = new Map(p.cookies);
        there.csrf = p.csrf;
        const saved = new Map(p.cookies);
        const reads = Array.from({ length: 30 }, () => there.get("/api/auth/me"));
        const out = there.post("/api/auth/logout", {});
        const [done] = await Promise.all([out, ...reads]);
        assert.equal(done.status, 204, done.body);
        for (const url of [other.url, stack.url]) {
          const stale = new Client(url);
          stale.cookies = new Map(saved);
          for (let i = 0; i < 3; i += 1) assert.equal((await stale.get("/api/auth/me")).json.user, null, `round ${round}: the ended session answered on ${url}`);
        }
      }
    } finally {
      assert.equal(await other.stop("SIGTERM"), 0);
    }
  });
});
