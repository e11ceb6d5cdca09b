// An account's life in a real browser (Debian's chromium driven by playwright-core) against an
// already running marketsim at MARKETSIM_URL: register through /register/, follow the
// verification link (read from the mail outbox through the admin API, signed in as the admin
// that MARKETSIM_E2E_ADMIN_EMAIL / MARKETSIM_E2E_ADMIN_PASSWORD name), sign in, rename in
// /settings/ and watch the header follow, open the public profile, sign out. Screenshots go to
// MARKETSIM_ARTIFACTS when that is set. The harness starts server and DB.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { openBrowser } from "../support/browser.mjs";
import fs from "node:fs/promises";
import path from "node:path";
import { waitFor } from "../support/util.mjs";

const BASE_URL = process.env.MARKETSIM_URL?.replace(/\/+$/, "");
const ADMIN_EMAIL = process.env.MARKETSIM_E2E_ADMIN_EMAIL;
const ADMIN_PASSWORD = process.env.MARKETSIM_E2E_ADMIN_PASSWORD;
const ARTIFACTS = process.env.MARKETSIM_ARTIFACTS;

const STEP_TIMEOUT_MS = 20_000;
const MAIL_TIMEOUT_MS = 15_000;

// Unique per run, within the rules: a tag is 3–20 of a-z 0-9 _.
const STAMP = `${Date.now().toString(36)}${Math.floor(Math.random() * 36 * 36).toString(36).padStart(2, "0")}`;
const PLAYER = {
  email: `e2e_${STAMP}@example.com`,
  password: `e2e-${STAMP}-Kx7!pass`,
  tag: `e2e_${STAMP}`.slice(0, 20),
  name: `E2E Player ${STAMP}`,
  renamed: `Renamed ${STAMP}`,
};

async function screenshot(page, name) {
  if (!ARTIFACTS) return;
  await fs.mkdir(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
}

// A minimal API client with a cookie jar, as a script would use the API: GET /api/auth/me sets
// the ms_csrf cookie and returns the token; unsafe requests send both.
class ApiClient {
  cookies = new Map();
  csrf = null;

  cookieHeader() {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join("; ");
  }

  remember(response) {
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(";");
      const eq = pair.indexOf("=");
      if (eq > 0) this.cookies.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
    }
  }

  async request(method, route, body) {
    const headers = { Accept: "application/json" };
    if (this.cookies.size) headers.Cookie = this.cookieHeader();
    // What a browser tab of this origin sends on an unsafe request.
    if (method !== "GET") {
      headers["X-CSRF-Token"] = this.csrf ?? "";
      headers.Origin = BASE_URL;
    }
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const response = await fetch(`${BASE_URL}${route}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      redirect: "manual",
    });
    this.remember(response);
    const text = await response.text();
    let json = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      json = null;
    }
    if (!response.ok) {
      throw new Error(`${method} ${route} → ${response.status} ${text.slice(0, 300)}`);
    }
    return json;
  }

  async signIn(email, password) {
    const me = await this.request("GET", "/api/auth/me");
    this.csrf = me.csrf_token;
    const session = await this.request("POST", "/api/auth/login", { email, password });
    assert.equal(session.user?.role, "admin", "the e2e admin account is not an admin");
    this.csrf = session.csrf_token;
  }
}

// The verification token from the newest outbox message to `email`. The link's origin is the
// server's configured public URL, which need not be the URL the harness reaches it at.
async function verificationToken(admin, email) {
  return waitFor(
    async () => {
      const { messages } = await admin.request("GET", "/api/admin/outbox?limit=50");
      const message = messages.find((m) => m.to === email);
      if (!message) return null;
      const match = /\/verify\/\?token=([A-Za-z0-9_\-.~%]+)/.exec(message.body);
      assert.ok(match, `no verification link in the message to ${email}:\n${message.body}`);
      return decodeURIComponent(match[1]);
    },
    { timeout: MAIL_TIMEOUT_MS, interval: 250, message: `a verification mail to ${email}` },
  );
}

async function headerUserText(page) {
  return (await page.getByTestId("header-user").textContent())?.trim();
}

const skipReason = !BASE_URL
  ? "MARKETSIM_URL is not set: start marketsim and point MARKETSIM_URL at it to run the e2e tests"
  : !ADMIN_EMAIL || !ADMIN_PASSWORD
    ? "MARKETSIM_E2E_ADMIN_EMAIL / MARKETSIM_E2E_ADMIN_PASSWORD are not set: the test reads the verification mail as an admin"
    : null;

if (skipReason) {
  test("accounts in a browser", { skip: skipReason }, () => {});
} else describe("accounts in a browser", () => {
  let browser;
  let page;
  const admin = new ApiClient();
  let pageErrors = [];

  before(async () => {
    await admin.signIn(ADMIN_EMAIL, ADMIN_PASSWORD);
    ({ browser, page, pageErrors } = await openBrowser({ stepTimeoutMs: STEP_TIMEOUT_MS }));
  }, { timeout: 40_000 });

  after(async () => {
    await browser?.close();
  });

  test("a visitor registers through /register/", { timeout: 40_000 }, async () => {
    const response = await page.goto(`${BASE_URL}/register/`, { waitUntil: "domcontentloaded" });
    assert.equal(response?.status(), 200, "register page status");
    // The header knows nobody is signed in once /api/auth/me has answered.
    await page.getByTestId("header-signin").waitFor();
    await page.getByTestId("register-email").fill(PLAYER.email);
    await page.getByTestId("register-password").fill(PLAYER.password);
    await page.getByTestId("register-tag").fill(PLAYER.tag);
    await page.getByTestId("register-name").fill(PLAYER.name);
    await page.getByTestId("register-submit").click();
    const done = page.getByTestId("register-done");
    await done.waitFor();
    assert.match((await done.textContent()) ?? "", /check your email/i);
    await screenshot(page, "register-done");
  });

  test("the verification link from the outbox verifies the email", { timeout: 40_000 }, async () => {
    const token = await verificationToken(admin, PLAYER.email);
    await page.goto(`${BASE_URL}/verify/?token=${encodeURIComponent(token)}`, { waitUntil: "domcontentloaded" });
    const status = page.getByTestId("verify-status");
    await status.waitFor();
    assert.match((await status.textContent()) ?? "", /verified/i);
    await screenshot(page, "verified");
  });

  test("the player signs in and the header shows the display name", { timeout: 40_000 }, async () => {
    await page.getByTestId("verify-signin").click();
    await page.waitForURL((url) => url.pathname.replace(/\/+$/, "") === "/signin");
    await page.getByTestId("signin-email").fill(PLAYER.email);
    await page.getByTestId("signin-password").fill(PLAYER.password);
    await page.getByTestId("signin-submit").click();
    await page.getByTestId("header-user").waitFor();
    assert.equal(await headerUserText(page), PLAYER.name);
    await page.getByTestId("header-avatar").waitFor();
    // The session is a cookie: it survives a reload.
    await page.reload({ waitUntil: "domcontentloaded" });
    await page.getByTestId("header-user").waitFor();
    assert.equal(await headerUserText(page), PLAYER.name);
  });

  test("renaming in /settings/ updates the header", { timeout: 40_000 }, async () => {
    await page.goto(`${BASE_URL}/settings/`, { waitUntil: "domcontentloaded" });
    const name = page.getByTestId("settings-display-name");
    await name.waitFor();
    assert.equal(await name.inputValue(), PLAYER.name);
    await name.fill(PLAYER.renamed);
    await page.getByTestId("settings-public").check();
    await page.getByTestId("settings-save").click();
    await page.getByTestId("settings-saved").waitFor();
    await page.waitForFunction(
      (expected) => document.querySelector('[data-testid="header-user"]')?.textContent?.trim() === expected,
      PLAYER.renamed,
      { timeout: STEP_TIMEOUT_MS },
    );
    assert.equal(await headerUserText(page), PLAYER.renamed);
    await screenshot(page, "settings");
  });

  test("the public profile shows the new name", { timeout: 30_000 }, async () => {
    const response = await page.goto(`${BASE_URL}/u/${PLAYER.tag}`, { waitUntil: "domcontentloaded" });
    assert.equal(response?.status(), 200, "profile page status");
    const name = page.getByTestId("profile-name");
    await name.waitFor();
    assert.equal((await name.textContent())?.trim(), PLAYER.renamed);
    await page.getByTestId("profile-avatar").waitFor();
    await screenshot(page, "profile");
  });

  test("signing out brings back Sign in", { timeout: 30_000 }, async () => {
    await page.getByTestId("user-menu-button").click();
    await page.getByTestId("signout-button").click();
    const signIn = page.getByTestId("header-signin");
    await signIn.waitFor();
    assert.equal((await signIn.textContent())?.trim(), "Sign in");
    assert.equal(await page.getByTestId("header-user").count(), 0, "the header still shows a user");
    // The server agrees: after a reload nobody is signed in.
    await page.reload({ waitUntil: "domcontentloaded" });
    await page.getByTestId("header-signin").waitFor();
  });

  test("no uncaught errors in the page", () => {
    assert.deepEqual(pageErrors, []);
  });
});
