// "Since you were away" in a real browser (Debian's chromium driven by playwright-core) against
// an already running marketsim at MARKETSIM_URL (with MARKETSIM_TEST_HOOKS, as e2e-run.mjs
// starts it): a player registered through the API (the verification mail read as the admin
// that MARKETSIM_E2E_ADMIN_EMAIL / MARKETSIM_E2E_ADMIN_PASSWORD name) buys through the API and
// signs out; the server's clock moves 31 minutes (an absence: a gap over 30 minutes, short
// enough for the other files' links and sessions); the player signs in through /signin/ and the
// card shows the figures GET /api/account/since-last-visit gives, and Dismiss hides it for good
// in this visit. Then a phone-sized browser (another device) signs in: its header still shows
// the equity and its change, and the dismissed card stays away. Screenshots go to
// MARKETSIM_ARTIFACTS when that is set. The harness starts server and DB.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { advanceClock } from "../support/accounts.mjs";
import { openBrowser, openPage } from "../support/browser.mjs";
import { BASE_URL, STAMP, STEP_TIMEOUT_MS, e2eDescribe, screenshot, signedInPlayer, submitSignIn } from "../support/e2e.mjs";
import { waitFor } from "../support/util.mjs";

const PLAYER = {
  email: `e2e_a${STAMP}@example.com`,
  password: `e2e-${STAMP}-Aw4y!pass`,
  tag: `e2e_a${STAMP}`.slice(0, 20),
  name: `E2E Away ${STAMP}`,
};
const PHONE = { width: 390, height: 844 };

// "98,765.43" → 9876543 (cents), and "98765.4321" → 9876543: compared as the card rounds.
function cents(text) {
  const clean = (text ?? "").replace(/[^\d.-]/g, "");
  assert.match(clean, /^-?\d+(\.\d+)?$/, `not an amount: "${text}"`);
  return Math.round(Number(clean) * 100);
}

async function testIdText(page, testId) {
  return (await page.getByTestId(testId).first().textContent())?.trim() ?? "";
}

async function signIn(page) {
  const response = await page.goto(`${BASE_URL}/signin/`, { waitUntil: "domcontentloaded" });
  assert.equal(response?.status(), 200, "sign-in page status");
  await page.getByTestId("signin-email").waitFor();
  await submitSignIn(page, PLAYER.email, PLAYER.password);
  await page.waitForURL((url) => url.pathname === "/");
  await waitFor(async () => /\d/.test(await testIdText(page, "header-equity")), {
    timeout: STEP_TIMEOUT_MS,
    message: "the header's equity",
  });
}

e2eDescribe("since you were away, in a browser", { adminFor: "the verification mail" }, () => {
  let browser;
  let page;
  let pageErrors = [];

  before(async () => {
    // The first visit, through the API: a buy (so there is a holding), then a sign-out.
    const player = await signedInPlayer(PLAYER);
    const buy = await player.post("/v2/orders", { symbol: "AAPL", qty: "2", side: "buy", type: "market", time_in_force: "day" });
    assert.equal(buy.status, 200, buy.body);
    const first = await player.get("/api/account/since-last-visit");
    assert.equal(first.status, 200, first.body);
    assert.equal(first.json.previous_visit_ended_at, null, "a first visit has no previous one");
    assert.equal((await player.post("/api/auth/logout")).status, 204);
    await advanceClock({ url: BASE_URL }, 31 * 60_000);

    ({ browser, page, pageErrors } = await openBrowser({ stepTimeoutMs: STEP_TIMEOUT_MS }));
  }, { timeout: 60_000 });

  after(async () => {
    await browser?.close();
  });

  test("after an absence the card shows what happened, and Dismiss hides it", { timeout: 60_000 }, async () => {
    await signIn(page);
    const card = page.getByTestId("away-card");
    await card.waitFor();
    // The same figures the API gives, asked from this browser's session.
    const summary = await page.evaluate(async () => (await fetch("/api/account/since-last-visit")).json());
    assert.ok(summary.previous_visit_ended_at, "a previous visit");
    assert.equal(cents(await testIdText(page, "away-equity-then")), cents(summary.equity_then));
    // "Now" moves with every tick of the live market: an amount, whatever it is by now.
    assert.ok(Number.isInteger(cents(await testIdText(page, "away-equity-now"))));
    assert.match(await testIdText(page, "away-change"), /[▲▼■]/, "the change has an arrow");
    assert.equal(await page.getByTestId("away-move").count(), summary.moves.length);
    assert.match(await testIdText(page, "away-fill-count"), summary.fill_count ? /\d+ fills?/ : /No orders filled/);
    // The rank "now" moves with the live market too (other players' equity ticks): a rank.
    assert.match(await testIdText(page, "away-rank-now"), /^#\d+$/);
    // The header measures its change from the same point: the previous visit's end.
    const account = await page.evaluate(async () => (await fetch("/v2/account")).json());
    assert.equal(account.previous_visit_equity, summary.equity_then);
    await page.getByTestId("header-visit-change").waitFor();
    await screenshot(page, "since-last-visit-card");

    await page.getByTestId("away-dismiss").click();
    await card.waitFor({ state: "detached" });
    // Remembered by the server for the visit: a reload does not bring it back.
    await waitFor(async () => (await page.evaluate(async () => (await fetch("/api/account/since-last-visit")).json())).dismissed, {
      timeout: STEP_TIMEOUT_MS,
      message: "the dismissal to be stored",
    });
    const refetched = page.waitForResponse((r) => r.url().endsWith("/api/account/since-last-visit"));
    await page.reload({ waitUntil: "domcontentloaded" });
    assert.equal((await refetched).status(), 200);
    await waitFor(async () => /\d/.test(await testIdText(page, "header-equity")), {
      timeout: STEP_TIMEOUT_MS,
      message: "the header after the reload",
    });
    assert.equal(await page.getByTestId("away-card").count(), 0, "the card came back after a reload");
    assert.deepEqual(pageErrors, []);
  });

  test("on a phone the header still shows the equity and its change", { timeout: 60_000 }, async () => {
    const phoneErrors = [];
    const phone = await openPage(browser, { stepTimeoutMs: STEP_TIMEOUT_MS, viewport: PHONE, pageErrors: phoneErrors });
    const fetched = phone.waitForResponse((r) => r.url().endsWith("/api/account/since-last-visit"));
    await signIn(phone);
    assert.equal((await fetched).status(), 200);
    assert.ok(await phone.getByTestId("header-equity").isVisible(), "the equity is hidden on a phone");
    const change = phone.getByTestId("header-visit-change");
    await change.waitFor();
    assert.ok(await change.isVisible(), "the change is hidden on a phone");
    assert.match((await change.innerText()).trim(), /[▲▼■]\s*[+−]?\d+\.\d{2}%/);
    // The header fits: nothing pushed past the screen's edge.
    const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `the page is ${overflow}px wider than the phone`);
    // Dismissed on the other device in this visit: not shown here either.
    assert.equal(await phone.getByTestId("away-card").count(), 0);
    await screenshot(phone, "since-last-visit-phone");
    assert.deepEqual(phoneErrors, []);
    await phone.context().close();
  });
});
