// An account's life in a real browser (Debian's chromium driven by playwright-core) against an
// already running marketsim at MARKETSIM_URL: register through /register/, follow the
// verification link (read from the mail outbox through the admin API, signed in as the admin
// that MARKETSIM_E2E_ADMIN_EMAIL / MARKETSIM_E2E_ADMIN_PASSWORD name), sign in, rename in
// /settings/ and watch the header follow, open the public profile, sign out. Screenshots go to
// MARKETSIM_ARTIFACTS when that is set. The harness starts server and DB.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { openBrowser } from "../support/browser.mjs";
import { BASE_URL, STAMP, STEP_TIMEOUT_MS, e2eDescribe, screenshot, signInAdmin, submitSignIn, verificationToken } from "../support/e2e.mjs";

const PLAYER = {
  email: `e2e_${STAMP}@example.com`,
  password: `e2e-${STAMP}-Kx7!pass`,
  tag: `e2e_${STAMP}`.slice(0, 20),
  name: `E2E Player ${STAMP}`,
  renamed: `Renamed ${STAMP}`,
};

async function headerUserText(page) {
  return (await page.getByTestId("header-user").textContent())?.trim();
}

e2eDescribe("accounts in a browser", { adminFor: "the verification mail" }, () => {
  let browser;
  let page;
  let admin;
  let pageErrors = [];

  before(async () => {
    admin = await signInAdmin();
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
    await submitSignIn(page, PLAYER.email, PLAYER.password);
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
