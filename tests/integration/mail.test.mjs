// Account mail through SMTP: a plain relay, STARTTLS with a verified certificate and AUTH PLAIN
// (credentials only after TLS), and a relay that refuses: the message stays in the outbox with
// its error and is retried later, nothing is lost and the server keeps going.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { Client, newIdentity } from "../support/accounts.mjs";
import { startPostgres } from "../support/pg.mjs";
import { startServer } from "../support/server.mjs";
import { startSmtpServer } from "../support/smtp.mjs";
import { waitFor } from "../support/util.mjs";

async function register(server) {
  const who = newIdentity("m");
  const c = new Client(server.url);
  await c.me();
  const r = await c.post("/api/auth/register", who);
  assert.equal(r.status, 202, r.body);
  return who;
}

describe("mail delivery over SMTP", { timeout: 180_000 }, () => {
  let pg;
  let dir;
  before(async () => {
    pg = await startPostgres();
    dir = mkdtempSync(join(tmpdir(), "marketsim-smtp-"));
    execFileSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=localhost",
      "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1", "-keyout", join(dir, "key.pem"), "-out", join(dir, "cert.pem")], { stdio: "ignore" });
  });
  after(async () => {
    await pg?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test("a plain relay gets the verification mail", async () => {
    const smtp = await startSmtpServer();
    const server = await startServer({ pg, env: { MARKETSIM_SMTP_URL: `smtp://127.0.0.1:${smtp.port}`, MARKETSIM_MAIL_FROM: "Market Sim <noreply@example.test>" } });
    try {
      const who = await register(server);
      await waitFor(() => smtp.state.messages.length === 1, { timeout: 10_000, message: "the mail to arrive" });
      const m = smtp.state.messages[0];
      assert.equal(m.from, "noreply@example.test");
      assert.equal(m.to, who.email);
      assert.match(m.data, /^Subject: Confirm your marketsim account\r$/m);
      assert.match(m.data, /^From: Market Sim <noreply@example.test>\r$/m);
      assert.match(m.data, /\/verify\/\?token=[\w-]{43}/);
      const row = await pg.psql(`select sent_at is not null as sent, attempts from outbox where to_address = '${who.email}'`);
      assert.deepEqual(row[0], { sent: "t", attempts: "1" });
      assert.ok(!server.logs().includes("(log delivery)"), "with SMTP the mail is not written to the log");
    } finally {
      assert.equal(await server.stop("SIGTERM"), 0);
      await smtp.close();
    }
  });

  test("STARTTLS is required, the certificate verified, and AUTH sent only over TLS", async () => {
    const smtp = await startSmtpServer({ tlsOptions: { key: readFileSync(join(dir, "key.pem")), cert: readFileSync(join(dir, "cert.pem")) } });
    const server = await startServer({
      pg,
      env: {
        MARKETSIM_SMTP_URL: `smtp+starttls://mailer%40example.test:s3cret%2Fpass@127.0.0.1:${smtp.port}`,
        MARKETSIM_SMTP_CA_FILE: join(dir, "cert.pem"),
      },
    });
    try {
      const who = await register(server);
      await waitFor(() => smtp.state.messages.length === 1, { timeout: 10_000, message: "the mail to arrive" });
      assert.equal(smtp.state.messages[0].to, who.email);
      assert.equal(smtp.state.messages[0].secure, true);
      assert.deepEqual(smtp.state.authed, [{ user: "mailer@example.test", password: "s3cret/pass", secure: true }]);
      assert.ok(smtp.state.commands.filter((c) => !c.secure).every((c) => !/^(AUTH|MAIL|RCPT)/.test(c.line)), "sent in clear");
      assert.ok(!server.logs().includes("s3cret"), "the SMTP password reached the log");
    } finally {
      assert.equal(await server.stop("SIGTERM"), 0);
      await smtp.close();
    }
  });

  test("an untrusted certificate is refused; a refusing relay leaves the mail queued with its error", async () => {
    const smtp = await startSmtpServer({ tlsOptions: { key: readFileSync(join(dir, "key.pem")), cert: readFileSync(join(dir, "cert.pem")) } });
    const server = await startServer({ pg, env: { MARKETSIM_SMTP_URL: `smtp+starttls://127.0.0.1:${smtp.port}` } });
    let refusing;
    let server2;
    try {
      const who = await register(server);
      await waitFor(async () => (await pg.psql(`select attempts from outbox where to_address = '${who.email}'`))[0]?.attempts >= "1", { timeout: 10_000, message: "a failed attempt" });
      const row = (await pg.psql(`select sent_at, last_error from outbox where to_address = '${who.email}'`))[0];
      assert.equal(row.sent_at, null);
      assert.match(row.last_error, /TLS|certificate|verify/i);
      assert.equal(smtp.state.messages.length, 0);
      assert.equal(await server.stop("SIGTERM"), 0);

      refusing = await startSmtpServer({ refuseRcpt: true });
      server2 = await startServer({ pg, env: { MARKETSIM_SMTP_URL: `smtp://127.0.0.1:${refusing.port}` } });
      const who2 = await register(server2);
      await waitFor(async () => (await pg.psql(`select attempts from outbox where to_address = '${who2.email}'`))[0]?.attempts >= "1", { timeout: 10_000, message: "a failed attempt" });
      const row2 = (await pg.psql(`select sent_at, last_error, next_attempt_at > now() as later from outbox where to_address = '${who2.email}'`))[0];
      assert.equal(row2.sent_at, null);
      assert.match(row2.last_error, /RCPT refused: 451/);
      assert.equal(row2.later, "t", "the retry waits");
      // The relay recovers: the queued mail goes out on a later attempt.
      refusing.state.refuseRcpt = false;
      await waitFor(() => refusing.state.messages.some((m) => m.to === who2.email), { timeout: 15_000, message: "the retried mail" });
    } finally {
      if (server.running) await server.stop("SIGTERM");
      if (server2?.running) assert.equal(await server2.stop("SIGTERM"), 0);
      await smtp.close();
      await refusing?.close();
    }
  });
});
