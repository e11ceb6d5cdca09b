// A public profile in a real browser (Debian's chromium driven by playwright-core) against an
// already running marketsim at MARKETSIM_URL: a player registered through the API signs in,
// buys from the stock page's ticket and, while the profile is private, a second browser context
// (signed out: another person) sees "this player's profile is private" at /u/<tag>/; the player
// switches it on in Settings, and the other context, on a phone-sized screen, sees the returns,
// the equity curve and the allocation (weights only: no share count on the page), without
// scrolling sideways. Switched off again, the other context sees it private at the next load.
// Screenshots go to MARKETSIM_ARTIFACTS when that is set. The harness starts server and DB.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { openBrowser, openPage } from "../support/browser.mjs";
import { BASE_URL, STAMP, STEP_TIMEOUT_MS, e2eDescribe, registerPlayer, screenshot, signInAdmin, submitSignIn } from "../support/e2e.mjs";
import { waitFor } from "../support/util.mjs";

const SYMBOL = "AAPL";
const BUY_QTY = 7;
const PHONE = { width: 390, height: 844 };

const PLAYER = {
  email: `e2e_p${STAMP}@example.com`,
  password: `e2e-${STAMP}-Pr0file!pass`,
  tag: `e2e_p${STAMP}`.slice(0, 20),
  name: `E2E Public ${STAMP}`,
};

e2eDescribe("a public profile seen from another browser", { adminFor: "the verification mail" }, () => {
  let browser;
  let page; // the player's
  let visitor; // someone else's, signed out
  let pageErrors = [];

  before(async () => {
    await registerPlayer(await signInAdmin(), PLAYER);
    ({ browser, page, pageErrors } = await openBrowser({ stepTimeoutMs: STEP_TIMEOUT_MS }));
    visitor = await openPage(browser, { stepTimeoutMs: STEP_TIMEOUT_MS, viewport: PHONE, pageErrors });
  }, { timeout: 60_000 });

  after(async () => {
    await browser?.close();
  });

  const profileUrl = `${BASE_URL}/u/${PLAYER.tag}/`;

  async function expectPrivate() {
    await visitor.goto(profileUrl, { waitUntil: "domcontentloaded" });
    await visitor.getByTestId("profile-missing").waitFor();
    await visitor.getByText("This player's profile is private").waitFor();
    assert.equal(await visitor.getByTestId("profile-allocation").count(), 0);
  }

  test("the player signs in and buys from the ticket; the profile is private", { timeout: 60_000 }, async () => {
    await page.goto(`${BASE_URL}/signin/?next=${encodeURIComponent(`/stock/?symbol=${SYMBOL}`)}`, { waitUntil: "domcontentloaded" });
    await submitSignIn(page, PLAYER.email, PLAYER.password);
    const ticket = page.getByTestId("trade-ticket");
    await ticket.waitFor();
    await waitFor(async () => /\d/.test((await page.getByTestId("trade-price").first().textContent()) ?? ""), {
      timeout: STEP_TIMEOUT_MS,
      message: "a price on the ticket",
    });
    await ticket.getByTestId("trade-side-buy").click();
    await ticket.getByTestId("trade-qty").fill(String(BUY_QTY));
    await ticket.getByTestId("trade-submit").click();
    const result = ticket.getByTestId("trade-result");
    await result.waitFor();
    assert.equal(await result.getAttribute("data-status"), "filled", (await result.textContent()) ?? "");
    await expectPrivate();
  });

  test("switched on in Settings, another browser sees equity and allocation", { timeout: 90_000 }, async () => {
    await page.goto(`${BASE_URL}/settings/`, { waitUntil: "domcontentloaded" });
    const box = page.getByTestId("settings-public");
    await box.waitFor();
    assert.equal(await box.isChecked(), false, "public profiles are off by default");
    await box.check();
    await page.getByTestId("settings-save").click();
    await page.getByTestId("settings-saved").waitFor();

    await visitor.goto(profileUrl, { waitUntil: "domcontentloaded" });
    await visitor.getByTestId("profile").waitFor();
    assert.equal((await visitor.getByTestId("profile-name").textContent())?.trim(), PLAYER.name);
    // The allocation: the stock bought and the cash, as percentages only.
    const allocation = visitor.getByTestId("profile-allocation");
    await allocation.locator("li", { hasText: SYMBOL }).first().waitFor();
    await allocation.locator("li", { hasText: "Cash" }).first().waitFor();
    const legend = (await allocation.textContent()) ?? "";
    assert.match(legend, /\d+\.\d%/, legend);
    assert.doesNotMatch(legend, /\$/, `an amount of money in the allocation: ${legend}`);
    // The equity curve fills in as snapshots are taken (every few seconds here).
    await waitFor(
      async () => {
        await visitor.reload({ waitUntil: "domcontentloaded" });
        const chart = visitor.getByTestId("profile-equity-chart");
        await chart.waitFor();
        return waitFor(async () => Number(await chart.getAttribute("data-points")) >= 1, { timeout: 3_000, interval: 200 }).catch(() => false);
      },
      { timeout: 60_000, interval: 1_000, message: "a point on the public equity curve" },
    );
    await visitor.getByTestId("profile-returns").waitFor();
    assert.match((await visitor.getByTestId("profile-rank-all").textContent()) ?? "", /^#\d+ of \d+$/);
    // Nothing says how many shares: the quantity bought appears nowhere as a count.
    const text = (await visitor.locator("main").first().textContent()) ?? "";
    assert.doesNotMatch(text, new RegExp(`\\b${BUY_QTY} shares?\\b`), text);
    // Readable on a phone: nothing wider than the screen.
    const overflow = await visitor.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.ok(overflow <= 0, `the page scrolls sideways by ${overflow}px on a phone`);
    await screenshot(visitor, "profile-public-phone");
    assert.deepEqual(pageErrors, []);
  });

  test("switched off, the other browser sees it private again", { timeout: 40_000 }, async () => {
    const box = page.getByTestId("settings-public");
    await box.uncheck();
    await page.getByTestId("settings-save").click();
    await page.getByTestId("settings-saved").waitFor();
    await expectPrivate();
  });
});
