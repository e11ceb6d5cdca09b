// A forgotten password in a real browser (Debian's chromium driven by playwright-core) against an
// already running marketsim at MARKETSIM_URL. A player registered and verified through the API
// signs in in one browser context (the "other device"); in a second context they follow "Forgot
// your password?" from the sign-in page, get the reset link from the mail outbox (read through
// the admin API as MARKETSIM_E2E_ADMIN_EMAIL / MARKETSIM_E2E_ADMIN_PASSWORD), set a new password,
// and then: the new password signs in, the old one does not, the link does not work twice, and
// the other device was signed out. Screenshots go to MARKETSIM_ARTIFACTS when that is set. The
// harness starts server and DB.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { openBrowser, openPage } from "../support/browser.mjs";
import { BASE_URL, STAMP, STEP_TIMEOUT_MS, e2eDescribe, mailTo, registerPlayer, screenshot, signInAdmin, submitSignIn } from "../support/e2e.mjs";

const RESET_SUBJECT = "Reset your marketsim password";

const PLAYER = {
  email: `pwr_${STAMP}@example.com`,
  password: `pwr-${STAMP}-old-Kx7!`,
  newPassword: `pwr-${STAMP}-new-Qz4?`,
  tag: `pwr_${STAMP}`.slice(0, 20),
  name: `Reset Player ${STAMP}`,
};

e2eDescribe("password reset in a browser", { adminFor: "the reset mail" }, () => {
  let browser;
  let device; // the first context's page: the player's other device, signed in throughout
  let page; // a fresh context: the browser where the password is forgotten
  let pageErrors = [];
  let resetUrl;
  let admin;

  before(async () => {
    admin = await signInAdmin();
    // A registered, verified player, made through the API.
    await registerPlayer(admin, PLAYER);

    ({ browser, page: device, pageErrors } = await openBrowser({ stepTimeoutMs: STEP_TIMEOUT_MS }));
    page = await openPage(browser, { stepTimeoutMs: STEP_TIMEOUT_MS, pageErrors });
  }, { timeout: 60_000 });

  after(async () => {
    await browser?.close();
  });

  test("the player is signed in on another device", { timeout: 40_000 }, async () => {
    await device.goto(`${BASE_URL}/signin/`, { waitUntil: "domcontentloaded" });
    await submitSignIn(device, PLAYER.email, PLAYER.password);
    await device.getByTestId("header-user").waitFor();
    const account = await device.request.get(`${BASE_URL}/v2/account`);
    assert.equal(account.status(), 200, "the other device's session works");
  });

  test("sign-in → Forgot your password? → a neutral confirmation", { timeout: 40_000 }, async () => {
    const response = await page.goto(`${BASE_URL}/signin/`, { waitUntil: "domcontentloaded" });
    assert.equal(response?.status(), 200, "sign-in page status");
    await page.getByTestId("header-signin").waitFor();
    await page.getByTestId("signin-forgot").click();
    await page.waitForURL((url) => url.pathname.replace(/\/+$/, "") === "/forgot-password");
    const email = page.getByTestId("forgot-email");
    await email.waitFor();
    // The field has a label a screen reader announces.
    assert.equal(await page.getByLabel("Email").count(), 1, "the email field is labelled");
    await screenshot(page, "forgot-password");

    // A malformed address is caught before anything is sent.
    await email.fill("not an address");
    await page.getByTestId("forgot-submit").click();
    await page.getByTestId("forgot-email-error").waitFor();

    await email.fill(PLAYER.email);
    await page.getByTestId("forgot-submit").click();
    const done = page.getByTestId("forgot-done");
    await done.waitFor();
    const known = (await done.textContent()) ?? "";
    assert.match(known, /if an account uses/i);
    assert.match(known, /one hour/i);
    await screenshot(page, "forgot-password-sent");

    // An address nobody uses gets the same words (only the address differs).
    const nobody = `nobody_${STAMP}@example.com`;
    await page.getByTestId("forgot-again").click();
    await email.fill(nobody);
    await page.getByTestId("forgot-submit").click();
    await done.waitFor();
    const unknown = (await done.textContent()) ?? "";
    assert.equal(unknown.replace(nobody, "<address>"), known.replace(PLAYER.email, "<address>"));
  });

  test("the reset link from the outbox sets a new password", { timeout: 60_000 }, async () => {
    const mail = await mailTo(admin, PLAYER.email, (m) => m.subject === RESET_SUBJECT, "a password reset mail");
    const match = /\/reset-password\/\?token=([A-Za-z0-9_-]+)/.exec(mail.body);
    assert.ok(match, `no reset link in the message:\n${mail.body}`);
    const token = match[1];
    assert.equal(token.length, 43, "a 43-character base64url token");
    // The link's origin is the server's public URL, which need not be where the harness reaches it.
    resetUrl = `${BASE_URL}/reset-password/?token=${token}`;

    const response = await page.goto(resetUrl, { waitUntil: "domcontentloaded" });
    assert.equal(response?.status(), 200, "reset page status");
    const password = page.getByTestId("reset-password");
    await password.waitFor();
    // The token leaves the address bar (and so the history) as soon as the page has it.
    await page.waitForFunction(() => window.location.search === "");
    assert.ok(!page.url().includes(token), `the token is still in the URL: ${page.url()}`);
    assert.equal(await page.getByLabel("New password", { exact: true }).count(), 1, "the field is labelled");
    await screenshot(page, "reset-password");

    // The two fields must agree before anything is sent.
    await password.fill(PLAYER.newPassword);
    await page.getByTestId("reset-confirm").fill(`${PLAYER.newPassword}x`);
    await page.getByTestId("reset-submit").click();
    await page.getByTestId("reset-confirm-error").waitFor();

    await page.getByTestId("reset-confirm").fill(PLAYER.newPassword);
    await page.getByTestId("reset-submit").click();
    const done = page.getByTestId("reset-done");
    await done.waitFor();
    assert.match((await done.textContent()) ?? "", /signed out/i);
    await screenshot(page, "reset-password-done");
    assert.ok(!page.url().includes(token), "the token came back into the URL");
  });

  test("the old password fails and the new one signs in", { timeout: 40_000 }, async () => {
    await page.getByTestId("reset-signin").click();
    await page.waitForURL((url) => url.pathname.replace(/\/+$/, "") === "/signin");
    await submitSignIn(page, PLAYER.email, PLAYER.password);
    const error = page.getByTestId("signin-error");
    await error.waitFor();
    assert.match((await error.textContent()) ?? "", /wrong email or password/i);

    await page.getByTestId("signin-password").fill(PLAYER.newPassword);
    await page.getByTestId("signin-submit").click();
    await page.getByTestId("header-user").waitFor();
    assert.equal((await page.getByTestId("header-user").textContent())?.trim(), PLAYER.name);
  });

  test("the other device was signed out", { timeout: 30_000 }, async () => {
    const account = await device.request.get(`${BASE_URL}/v2/account`);
    assert.equal(account.status(), 401, "the old session still works");
    await device.reload({ waitUntil: "domcontentloaded" });
    await device.getByTestId("header-signin").waitFor();
    assert.equal(await device.getByTestId("header-user").count(), 0, "the header still shows a user");
  });

  test("the link works only once", { timeout: 30_000 }, async () => {
    await page.goto(resetUrl, { waitUntil: "domcontentloaded" });
    await page.getByTestId("reset-password").fill(`${PLAYER.newPassword}2`);
    await page.getByTestId("reset-confirm").fill(`${PLAYER.newPassword}2`);
    await page.getByTestId("reset-submit").click();
    const invalid = page.getByTestId("reset-invalid");
    await invalid.waitFor();
    assert.match((await invalid.textContent()) ?? "", /does not work/i);
    await screenshot(page, "reset-password-invalid");
    await page.getByTestId("reset-new-link").click();
    await page.waitForURL((url) => url.pathname.replace(/\/+$/, "") === "/forgot-password");
  });

  test("no uncaught errors in the pages", () => {
    assert.deepEqual(pageErrors, []);
  });
});
