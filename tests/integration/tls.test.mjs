// Built-in HTTPS: TLS 1.2 and 1.3 only, HSTS, Secure __Host- cookies, sign-in over TLS, and the
// plain-HTTP port that redirects to HTTPS. The certificate is a throwaway self-signed one.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import https from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { get } from "../support/http.mjs";
import { freePort, startPostgres } from "../support/pg.mjs";
import { runServerCommand, startServer } from "../support/server.mjs";

function tlsRequest(port, path, { method = "GET", headers = {}, body, tls = {} } = {}) {
  return new Promise((resolve, reject) => {
    const req = https.request(
      { host: "127.0.0.1", port, path, method, headers, rejectUnauthorized: false, agent: false, timeout: 10_000, ...tls },
      (res) => {
        const chunks = [];
        res.on("data", (c) => chunks.push(c));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          let json;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode, headers: res.headers, body: text, json, protocol: res.socket?.getProtocol?.() });
        });
      },
    );
    req.on("error", reject);
    req.on("timeout", () => req.destroy(new Error("timeout")));
    if (body) req.end(body);
    else req.end();
  });
}

describe("HTTPS", { timeout: 180_000 }, () => {
  let pg;
  let server;
  let dir;
  let redirectPort;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "marketsim-tls-"));
    execFileSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=localhost",
      "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1", "-keyout", join(dir, "key.pem"), "-out", join(dir, "cert.pem")], { stdio: "ignore" });
    pg = await startPostgres();
    redirectPort = await freePort();
    // startServer probes /healthz over plain HTTP, which a TLS port does not answer: wait on
    // the redirect listener instead, then talk TLS.
    server = await startServer({
      pg,
      env: {
        MARKETSIM_TLS_CERT: join(dir, "cert.pem"),
        MARKETSIM_TLS_KEY: join(dir, "key.pem"),
        MARKETSIM_HTTP_REDIRECT_PORT: String(redirectPort),
      },
      probe: async (port) => (await tlsRequest(port, "/healthz")).status === 200,
    });
  });
  after(async () => {
    if (server?.running) assert.equal(await server.stop("SIGTERM"), 0);
    await pg?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test("serves over TLS 1.3 and 1.2 with HSTS; refuses TLS 1.1", async () => {
    const r13 = await tlsRequest(server.port, "/healthz");
    assert.equal(r13.status, 200);
    assert.equal(r13.protocol, "TLSv1.3");
    assert.match(r13.headers["strict-transport-security"], /max-age=\d+/);
    const r12 = await tlsRequest(server.port, "/api/stocks", { tls: { maxVersion: "TLSv1.2" } });
    assert.equal(r12.status, 200);
    assert.equal(r12.protocol, "TLSv1.2");
    await assert.rejects(
      tlsRequest(server.port, "/healthz", { tls: { minVersion: "TLSv1", maxVersion: "TLSv1.1", ciphers: "DEFAULT@SECLEVEL=0" } }),
      /protocol|version|alert|handshake|ECONNRESET|socket/i,
    );
  });

  test("plain HTTP on the TLS port gets nothing; the redirect port sends to HTTPS", async () => {
    await assert.rejects(get(`http://127.0.0.1:${server.port}/healthz`, { timeout: 3000 }));
    const r = await get(`http://127.0.0.1:${redirectPort}/api/stocks?x=1`);
    assert.equal(r.status, 308);
    assert.equal(r.headers.location, `https://127.0.0.1:${server.port}/api/stocks?x=1`);
  });

  test("sign-in over TLS sets Secure __Host- cookies", async () => {
    const who = { email: "tls-admin@example.test", tag: "tls_admin", password: "tls admin password 1" };
    const made = await runServerCommand({ pg, args: ["create-admin", "--email", who.email, "--tag", who.tag], input: `${who.password}\n` });
    assert.equal(made.code, 0, made.output);
    const me = await tlsRequest(server.port, "/api/auth/me");
    const csrfCookie = me.headers["set-cookie"].find((c) => c.startsWith("__Host-ms_csrf="));
    assert.ok(csrfCookie, JSON.stringify(me.headers["set-cookie"]));
    assert.match(csrfCookie, /; Secure/);
    assert.match(csrfCookie, /Path=\//);
    const origin = `https://127.0.0.1:${server.port}`;
    const login = await tlsRequest(server.port, "/api/auth/login", {
      method: "POST",
      headers: { "content-type": "application/json", cookie: csrfCookie.split(";")[0], "x-csrf-token": me.json.csrf_token, origin },
      body: JSON.stringify({ email: who.email, password: who.password }),
    });
    assert.equal(login.status, 200, login.body);
    const session = login.headers["set-cookie"].find((c) => c.startsWith("__Host-ms_session="));
    assert.ok(session, JSON.stringify(login.headers["set-cookie"]));
    assert.match(session, /; Secure/);
    assert.match(session, /HttpOnly/);
    const again = await tlsRequest(server.port, "/api/auth/me", { headers: { cookie: session.split(";")[0] } });
    assert.equal(again.json.user.email, who.email);
    // A plain-named cookie is not the session under TLS.
    const plain = await tlsRequest(server.port, "/api/auth/me", { headers: { cookie: session.split(";")[0].replace("__Host-", "") } });
    assert.equal(plain.json.user, null);
    // An Origin of the plain-HTTP site is foreign to the HTTPS one.
    const downgrade = await tlsRequest(server.port, "/api/auth/logout", {
      method: "POST",
      headers: { "content-type": "application/json", cookie: session.split(";")[0], "x-csrf-token": login.json.csrf_token, origin: `http://127.0.0.1:${server.port}` },
      body: "{}",
    });
    assert.equal(downgrade.status, 403);
  });
});
