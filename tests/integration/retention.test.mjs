// Data retention (db/retention.hpp): the leader's periodic job deletes what nothing can use any
// more, and nothing else. Sessions past their absolute expiry or idle past MARKETSIM_SESSION_IDLE
// (plus an hour's margin) go; a session in use stays and still signs its player in. Mailed-link
// tokens past their expiry go, a live one stays. Sign-ups never verified, sent mail and mail
// given up on, sign-in addresses and error reports older than MARKETSIM_RETENTION go; recent
// ones and mail still being retried stay. The job runs every 200 ms here, and the server's
// clock is moved forward.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { describe, test } from "node:test";
import { Client, advanceClock, newIdentity, signUp } from "../support/accounts.mjs";
import { suiteStack } from "../support/stack.mjs";
import { sleep, waitFor } from "../support/util.mjs";

const MINUTE = 60_000;

describe("data retention", { timeout: 120_000 }, () => {
  const stack = suiteStack({
    env: { MARKETSIM_RETENTION_INTERVAL: "200ms", MARKETSIM_RETENTION: "10m", MARKETSIM_SESSION_IDLE: "1h" },
  });
  const count = async (sql) => Number((await stack.pg.psql(sql))[0].n);
  const sessionsOf = (client) => count(`select count(*) as n from sessions where user_id = ${Number(client.user.id)}`);
  const signedIn = async (client) => (await client.get("/api/auth/me")).json.user !== null;

  test("expired and idle sessions, dead links, old sign-ups, mail, addresses and error reports go; what is live stays", async () => {
    const idle = await signUp(stack.server, stack.pg);
    const active = await signUp(stack.server, stack.pg);
    assert.ok(Number.isInteger(Number(idle.user.id)), JSON.stringify(idle.user));
    // A pending sign-up: its link is live for 24 hours.
    const pending = newIdentity();
    const stranger = new Client(stack.url);
    await stranger.me();
    const reg = await stranger.post("/api/auth/register", pending);
    assert.equal(reg.status, 202, reg.body);
    // A reset link for the active player: live for one hour.
    const reset = await stranger.post("/api/auth/password-reset", { email: active.identity.email });
    assert.ok(reset.status < 300, reset.body);
    await waitFor(async () => (await count(`select count(*) as n from email_tokens t join users u on u.id = t.user_id where u.email = '${active.identity.email}' and t.purpose = 'reset'`)) === 1, { message: "the reset link" });

    // Rows from the past, written as the server would have: a session past its absolute expiry
    // that was used a moment ago, mail and addresses an hour old.
    await stack.pg.psql(`insert into sessions (id_hash, user_id, role, created_at, last_seen_at, expires_at)
      values ('\\x${randomBytes(32).toString("hex")}', ${Number(active.user.id)}, 'user', now() - interval '8 days', now(), now() - interval '1 minute')`);
    await stack.pg.psql(`insert into outbox (to_address, subject, body, created_at, sent_at, attempts) values
      ('old-sent@example.com', 'old', 'sent an hour ago', now() - interval '1 hour', now() - interval '1 hour', 1),
      ('old-dead@example.com', 'old', 'given up on', now() - interval '1 hour', null, 10),
      ('old-retrying@example.com', 'old', 'still being retried', now() - interval '1 hour', null, 3)`);
    // Its next try is an hour away: the mail sender leaves it alone meanwhile.
    await stack.pg.psql("update outbox set next_attempt_at = now() + interval '1 hour' where to_address = 'old-retrying@example.com'");
    // More than one batch (5,000) of it: all of it goes, a batch per transaction.
    await stack.pg.psql(`insert into outbox (to_address, subject, body, created_at, sent_at, attempts)
      select 'old-bulk@example.com', 'old', 'bulk ' || i, now() - interval '1 hour', now() - interval '1 hour', 1 from generate_series(1, 12345) i`);
    // A sign-up never verified, 40 days old, with its dead link.
    await stack.pg.psql(`with u as (insert into users (email, user_tag, display_name, password_hash, created_at)
        values ('never-verified@example.com', 'never_verified', 'Never', 'x', now() - interval '40 days') returning id)
      insert into email_tokens (token_hash, user_id, purpose, created_at, expires_at)
        select '\\x${randomBytes(32).toString("hex")}', id, 'verify', now() - interval '40 days', now() - interval '39 days' from u`);
    await stack.pg.psql(`insert into error_reports (created_at, source, message, report) values
      (now() - interval '1 hour', 'client', 'old report', '{}'), (now() - interval '1 minute', 'client', 'recent report', '{}')`);
    await stack.pg.psql(`insert into user_addresses (user_id, address, first_at, last_at) values
      (${Number(idle.user.id)}, '198.51.100.7', now() - interval '2 hours', now() - interval '1 hour')`);

    await waitFor(async () => (await count("select count(*) as n from outbox where to_address like 'old-%'")) === 1, { message: "old mail deleted" });
    assert.equal(await count("select count(*) as n from outbox where to_address = 'old-retrying@example.com'"), 1);
    await waitFor(async () => (await count("select count(*) as n from user_addresses where address = '198.51.100.7'")) === 0, { message: "the old address deleted" });
    await waitFor(async () => (await count("select count(*) as n from users where email = 'never-verified@example.com'")) === 0, { message: "the old unverified sign-up deleted" });
    await waitFor(async () => (await count("select count(*) as n from error_reports where message = 'old report'")) === 0, { message: "the old error report deleted" });
    assert.equal(await count("select count(*) as n from error_reports where message = 'recent report'"), 1);
    await waitFor(async () => (await sessionsOf(active)) === 1, { message: "the expired session deleted" });
    // Several runs later, nothing live has gone: both sessions, the recent mail, the links, the
    // addresses the players signed in from.
    await sleep(1_000);
    assert.equal(await sessionsOf(idle), 1);
    assert.ok(await signedIn(idle));
    assert.ok(await signedIn(active));
    assert.ok((await count(`select count(*) as n from outbox where to_address = '${pending.email}'`)) >= 1);
    assert.equal(await count(`select count(*) as n from email_tokens t join users u on u.id = t.user_id where u.email in ('${pending.email}', '${active.identity.email}') and t.used_at is null`), 2);
    assert.ok((await count(`select count(*) as n from user_addresses where user_id in (${Number(idle.user.id)}, ${Number(active.user.id)})`)) >= 2);

    // 150 minutes on, the active player having made a request every 50: the idle session is
    // 150 minutes unused (over the hour plus the hour's margin) and goes, the reset link (an
    // hour) goes, the active session and the pending sign-up's link (a day) stay.
    for (let i = 0; i < 3; i += 1) {
      await advanceClock(stack.server, 50 * MINUTE);
      if (i < 2) assert.ok(await signedIn(active), `active after ${(i + 1) * 50} minutes`);
    }
    await waitFor(async () => (await sessionsOf(idle)) === 0, { message: "the idle session deleted" });
    await waitFor(async () => (await count(`select count(*) as n from email_tokens t join users u on u.id = t.user_id where u.email = '${active.identity.email}' and t.purpose = 'reset'`)) === 0, { message: "the expired reset link deleted" });
    await sleep(1_000);
    assert.equal(await sessionsOf(active), 1);
    assert.ok(await signedIn(active));
    assert.equal(await count(`select count(*) as n from email_tokens t join users u on u.id = t.user_id where u.email = '${pending.email}'`), 1);
    assert.equal(await count(`select count(*) as n from users where email = '${pending.email}' and status = 'pending'`), 1);
    // The idle player signs in again: a new session, kept like any other.
    assert.equal(await signedIn(idle), false);
    const back = await idle.login(idle.identity.email, idle.identity.password);
    assert.equal(back.status, 200, back.body);
    await sleep(1_000);
    assert.equal(await sessionsOf(idle), 1);
    assert.ok(await signedIn(idle));
  });
});
