// A cookie-keeping HTTP client that behaves like one browser tab (session cookie, CSRF token
// header on unsafe methods, same Origin), plus helpers to sign up through the outbox, make an
// API key, make an admin with the CLI, and move the server's clock (MARKETSIM_TEST_HOOKS).
import assert from "node:assert/strict";
import { request } from "./http.mjs";
import { runServerCommand } from "./server.mjs";

export class Client {
  constructor(baseUrl, { origin = baseUrl, address, timeout = 15_000 } = {}) {
    this.baseUrl = baseUrl;
    this.timeout = timeout;
    this.origin = origin;
    this.address = address; // sent as X-Forwarded-For when the server trusts 127.0.0.1
    this.cookies = new Map();
    this.csrf = null;
  }

  cookieHeader() {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
  }

  keepCookies(headers) {
    const set = headers["set-cookie"] ?? [];
    for (const line of set) {
      const [pair, ...attrs] = line.split(";");
      const eq = pair.indexOf("=");
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const expired = attrs.some((a) => /^\s*max-age=0\s*$/i.test(a));
      if (expired || value === "") this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  // → { status, headers, body, json }. `csrf: false` leaves the token out; `headers` add or
  // override (null removes).
  async send(method, path, { body, csrf = true, headers = {}, raw } = {}) {
    const h = { accept: "application/json" };
    if (this.cookies.size) h.cookie = this.cookieHeader();
    const unsafe = !["GET", "HEAD", "OPTIONS"].includes(method);
    if (unsafe) h.origin = this.origin;
    if (unsafe && csrf && this.csrf) h["x-csrf-token"] = this.csrf;
    if (body !== undefined && raw === undefined) h["content-type"] = "application/json";
    if (this.address) h["x-forwarded-for"] = this.address;
    for (const [k, v] of Object.entries(headers)) {
      if (v === null) delete h[k.toLowerCase()];
      else h[k.toLowerCase()] = v;
    }
    const res = await request(this.baseUrl + path, {
      method,
      headers: h,
      body: raw ?? (body === undefined ? undefined : JSON.stringify(body)),
      timeout: this.timeout,
    });
    this.keepCookies(res.headers);
    if (res.json && typeof res.json.csrf_token === "string") this.csrf = res.json.csrf_token;
    return res;
  }

  get(path, opts) {
    return this.send("GET", path, opts);
  }
  post(path, body, opts = {}) {
    return this.send("POST", path, { ...opts, body });
  }
  patch(path, body, opts = {}) {
    return this.send("PATCH", path, { ...opts, body });
  }
  del(path, opts = {}) {
    return this.send("DELETE", path, opts);
  }

  // GET /api/auth/me: refreshes the CSRF token (and the anonymous double-submit cookie).
  async me() {
    const r = await this.get("/api/auth/me");
    assert.equal(r.status, 200, r.body);
    return r.json;
  }

  async login(email, password) {
    if (!this.csrf) await this.me();
    return this.post("/api/auth/login", { email, password });
  }
}

let counter = 0;
// A fresh identity for this test run.
export function newIdentity(prefix = "p") {
  counter += 1;
  const n = `${Date.now().toString(36).slice(-5)}${counter}`;
  return {
    email: `${prefix}${n}@example.test`,
    user_tag: `${prefix}_${n}`.slice(0, 20),
    display_name: `Player ${n}`,
    password: `correct horse ${n} battery`,
  };
}

// The newest verification token mailed to `email`, read from the outbox table.
export async function verificationToken(pg, email) {
  const rows = await pg.psql(
    `select body from outbox where to_address = '${email.replace(/'/g, "''")}' order by id desc limit 1`,
  );
  assert.ok(rows.length, `no mail to ${email}`);
  const m = /\/verify\/\?token=([A-Za-z0-9_-]+)/.exec(rows[0].body);
  assert.ok(m, `no verification link in: ${rows[0].body}`);
  return m[1];
}

// Registers and verifies `who` through the API; returns a signed-in Client. `address` is sent
// as X-Forwarded-For (for servers that trust 127.0.0.1 as a proxy: many sign-ups from one test
// would otherwise meet the per-address registration limit).
export async function signUp(server, pg, who = newIdentity(), { address } = {}) {
  const c = new Client(server.url, { address });
  await c.me();
  const reg = await c.post("/api/auth/register", who);
  assert.equal(reg.status, 202, reg.body);
  const token = await verificationToken(pg, who.email);
  const ver = await c.post("/api/auth/verify", { token });
  assert.equal(ver.status, 200, ver.body);
  const login = await c.login(who.email, who.password);
  assert.equal(login.status, 200, login.body);
  c.identity = who;
  c.user = login.json.user;
  return c;
}

// A sign-up function for a file that makes many players: each comes from an address of its own,
// `${prefix}.<n>.1` (the server must trust 127.0.0.1 as a proxy), so the per-address
// registration limit does not cap the file. `stack` is read at each call ({ server, pg }, e.g.
// suiteStack()'s object, filled in only once the stack is up).
export function playerMaker(stack, prefix) {
  let players = 0;
  return () => signUp(stack.server, stack.pg, undefined, { address: `${prefix}.${(players += 1)}.1` });
}

// Makes an API key through `client`'s session → the answer's { id, key_id, secret, ... } plus
// `headers`, the two Alpaca headers that authenticate with it.
export async function makeApiKey(client, name) {
  const made = await client.post("/api/account/keys", { name });
  assert.equal(made.status, 201, made.body);
  return { ...made.json, headers: { "APCA-API-KEY-ID": made.json.key_id, "APCA-API-SECRET-KEY": made.json.secret } };
}

// Creates an admin with `marketsim create-admin` and returns a signed-in Client.
export async function makeAdmin(server, pg, who = newIdentity("a")) {
  const r = await runServerCommand({
    pg,
    args: ["create-admin", "--email", who.email, "--tag", who.user_tag, "--name", who.display_name],
    input: `${who.password}\n`,
  });
  assert.equal(r.code, 0, r.output);
  return signIn(server, who);
}

// A new Client (another browser, or the same one after a sign-out) signed in as `who`.
export async function signIn(server, who) {
  const c = new Client(server.url);
  const login = await c.login(who.email, who.password);
  assert.equal(login.status, 200, login.body);
  c.identity = who;
  c.user = login.json.user;
  return c;
}

export async function advanceClock(server, ms) {
  const r = await request(`${server.url}/api/test/clock`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ advance_ms: ms }),
  });
  assert.equal(r.status, 200, r.body);
}

export async function metrics(admin) {
  const r = await admin.get("/api/admin/metrics");
  assert.equal(r.status, 200, r.body);
  return r.json;
}
