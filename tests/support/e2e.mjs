// What the end-to-end test files share (e2e-run.mjs starts the stack they run against): the
// server's URL (MARKETSIM_URL) and the administrator e2e-run.mjs made
// (MARKETSIM_E2E_ADMIN_EMAIL / MARKETSIM_E2E_ADMIN_PASSWORD), a describe() that is skipped with
// the reason when they are missing, screenshots into MARKETSIM_ARTIFACTS, and players registered
// and verified through the API, their mail read from the outbox through the admin API, and
// the sign-in form filled in.
import assert from "node:assert/strict";
import fs from "node:fs/promises";
import path from "node:path";
import { describe, test } from "node:test";
import { Client } from "./accounts.mjs";
import { waitFor } from "./util.mjs";

export const BASE_URL = process.env.MARKETSIM_URL?.replace(/\/+$/, "");
const ADMIN_EMAIL = process.env.MARKETSIM_E2E_ADMIN_EMAIL;
const ADMIN_PASSWORD = process.env.MARKETSIM_E2E_ADMIN_PASSWORD;
const ARTIFACTS = process.env.MARKETSIM_ARTIFACTS;

export const STEP_TIMEOUT_MS = 20_000;
const MAIL_TIMEOUT_MS = 15_000;

// Unique per run, for identities: within a tag's rules (3–20 of a-z 0-9 _) with a short prefix.
export const STAMP = `${Date.now().toString(36)}${Math.floor(Math.random() * 36 * 36).toString(36).padStart(2, "0")}`;

// describe(name, fn) when the stack is there; otherwise one skipped test that says what is
// missing, so that running a file by hand explains itself. `adminFor` says what the file reads
// as the admin (which then needs the admin's credentials too).
export function e2eDescribe(name, { adminFor } = {}, fn) {
  const skip = !BASE_URL
    ? "MARKETSIM_URL is not set: start marketsim and point MARKETSIM_URL at it to run the e2e tests"
    : adminFor && (!ADMIN_EMAIL || !ADMIN_PASSWORD)
      ? `MARKETSIM_E2E_ADMIN_EMAIL / MARKETSIM_E2E_ADMIN_PASSWORD are not set: the test reads ${adminFor} as an admin`
      : null;
  if (skip) test(name, { skip }, () => {});
  else describe(name, fn);
}

export async function screenshot(page, name) {
  if (!ARTIFACTS) return;
  await fs.mkdir(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
}

// Fills in the sign-in form that `page` shows and sends it.
export async function submitSignIn(page, email, password) {
  await page.getByTestId("signin-email").fill(email);
  await page.getByTestId("signin-password").fill(password);
  await page.getByTestId("signin-submit").click();
}

// The e2e administrator, signed in through the API.
export async function signInAdmin() {
  const admin = new Client(BASE_URL);
  const login = await admin.login(ADMIN_EMAIL, ADMIN_PASSWORD);
  assert.equal(login.status, 200, login.body);
  assert.equal(login.json.user?.role, "admin", "the e2e admin account is not an admin");
  return admin;
}

// The newest outbox message to `email` that `accept` takes, polled until it arrives.
export async function mailTo(admin, email, accept, what) {
  return waitFor(
    async () => {
      const r = await admin.get("/api/admin/outbox?limit=50");
      assert.equal(r.status, 200, r.body);
      return r.json.messages.find((m) => m.to === email && accept(m)) ?? null;
    },
    { timeout: MAIL_TIMEOUT_MS, interval: 250, message: `${what} to ${email}` },
  );
}

// The verification token from the newest outbox message to `email`. The link's origin is the
// server's configured public URL, which need not be the URL the harness reaches it at.
export async function verificationToken(admin, email) {
  const message = await mailTo(admin, email, () => true, "a verification mail");
  const match = /\/verify\/\?token=([A-Za-z0-9_\-.~%]+)/.exec(message.body);
  assert.ok(match, `no verification link in the message to ${email}:\n${message.body}`);
  return decodeURIComponent(match[1]);
}

// Registers `player` ({ email, password, tag, name }) through the API and verifies the address
// with the mailed token, as the admin reads it; → the player's Client (not signed in).
export async function registerPlayer(admin, player) {
  const c = new Client(BASE_URL);
  await c.me();
  const registered = await c.post("/api/auth/register", {
    email: player.email,
    password: player.password,
    user_tag: player.tag,
    display_name: player.name,
  });
  assert.equal(registered.status, 202, registered.body);
  assert.equal(registered.json?.status, "verification_sent", registered.body);
  const token = await verificationToken(admin, player.email);
  const verified = await c.post("/api/auth/verify", { token });
  assert.equal(verified.status, 200, verified.body);
  assert.equal(verified.json?.status, "verified", verified.body);
  return c;
}

// `player` registered (registerPlayer) and signed in through the API → its Client.
export async function signedInPlayer(player) {
  const c = await registerPlayer(await signInAdmin(), player);
  const login = await c.login(player.email, player.password);
  assert.equal(login.status, 200, login.body);
  return c;
}
