// The home feed in a real browser (Debian's chromium driven by playwright-core), signed out,
// against an already running marketsim at MARKETSIM_URL: the home page shows the feed's panels
// and the leaderboard's top entries, a player registered here among the newest (anonymised as
// "Player #N"), and
// when that player makes a large trade through the API, the trade appears on the open page
// without a reload (the stream's `feed` event). A sector's page lists its stocks. The player is
// registered and verified through the API with the admin of MARKETSIM_E2E_ADMIN_EMAIL /
// _PASSWORD. Screenshots go to MARKETSIM_ARTIFACTS when that is set.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { openBrowser } from "../support/browser.mjs";
import { BASE_URL, STAMP, STEP_TIMEOUT_MS, e2eDescribe, registerPlayer, screenshot, signInAdmin } from "../support/e2e.mjs";
import { waitFor } from "../support/util.mjs";

const PLAYER = {
  email: `e2e_f${STAMP}@example.com`,
  password: `e2e-${STAMP}-Fe3d!pass`,
  tag: `e2e_f${STAMP}`.slice(0, 20),
  name: `E2E Feeder ${STAMP}`,
};
// The feed's leaderboard reads equity snapshots: the harness takes them every few seconds.
const RANKED_TIMEOUT_MS = 60_000;

e2eDescribe("the home feed, signed out", { adminFor: "the verification mail" }, () => {
  let browser;
  let page;
  let pageErrors = [];
  let player;
  let account;

  before(async () => {
    const admin = await signInAdmin();
    player = await registerPlayer(admin, PLAYER);
    const login = await player.login(PLAYER.email, PLAYER.password);
    assert.equal(login.status, 200, login.body);
    // The trading account opens (with its grant) on first use: from its first snapshot on it
    // is ranked.
    const opened = await player.get("/v2/account");
    assert.equal(opened.status, 200, opened.body);
    account = opened.json.account_number;
    ({ browser, page, pageErrors } = await openBrowser({ stepTimeoutMs: STEP_TIMEOUT_MS }));
  }, { timeout: 60_000 });

  after(async () => {
    await browser?.close();
  });

  test("the feed's panels and the leaderboard's top entries", { timeout: RANKED_TIMEOUT_MS + 30_000 }, async () => {
    const response = await page.goto(`${BASE_URL}/`, { waitUntil: "domcontentloaded" });
    assert.equal(response?.status(), 200);
    for (const id of ["feed-trending", "feed-sectors", "feed-notable", "feed-leaderboard", "feed-newest"])
      await page.getByTestId(id).waitFor();
    await page.locator('[data-testid^="sector-"]').first().waitFor();
    // Someone is ranked (the harness snapshots equity every few seconds; other files' players
    // count too), and the new player is among the newest, without a name: they did not opt in.
    await page.getByTestId("feed-rank").first().waitFor({ timeout: RANKED_TIMEOUT_MS });
    const ranks = await page.getByTestId("feed-rank").count();
    assert.ok(ranks >= 1 && ranks <= 10, `${ranks} ranked`);
    const number = Number(account.replace(/^MS0*/, ""));
    await page.getByTestId("feed-newest").getByText(`Player #${number}`, { exact: true }).waitFor();
    for (const id of ["feed-leaderboard", "feed-newest", "feed-notable"]) {
      const text = await page.getByTestId(id).textContent();
      assert.ok(!text.includes(PLAYER.name) && !text.includes(PLAYER.tag), `a private player named in ${id}`);
    }
    await screenshot(page, "home-feed");
    assert.deepEqual(pageErrors, []);
  });

  test("a large trade appears on the open page without a reload", { timeout: 60_000 }, async () => {
    await page.evaluate(() => {
      window.__feedMarker = "kept";
    });
    const stock = await player.get("/api/stocks/AAPL");
    assert.equal(stock.status, 200, stock.body);
    const price = Number(stock.json.price);
    // Worth more than the feed's $10,000 threshold, within the $100,000 of cash.
    const qty = Math.ceil(12_000 / price);
    assert.ok(qty * price < 90_000, `AAPL at ${price}`);
    const order = await player.post("/v2/orders", { symbol: "AAPL", qty: String(qty), side: "buy", type: "market", time_in_force: "day" });
    assert.equal(order.status, 200, order.body);
    const number = Number(account.replace(/^MS0*/, ""));
    await page
      .getByTestId("feed-notable")
      .getByTestId("feed-trade")
      .filter({ hasText: `Player #${number} bought ${qty.toLocaleString("en-US")} AAPL` })
      .waitFor({ timeout: 30_000 });
    assert.equal(await page.evaluate(() => window.__feedMarker), "kept", "the page reloaded");
    await screenshot(page, "home-feed-trade");
    assert.deepEqual(pageErrors, []);
  });

  test("a sector's page lists its stocks", { timeout: 30_000 }, async () => {
    await page.getByTestId("sector-Technology").click();
    await page.waitForURL(/\/sector\/\?name=Technology/);
    await page.getByTestId("sector-name").filter({ hasText: "Technology" }).waitFor();
    for (const symbol of ["AAPL", "IBM", "MSFT"]) await page.getByTestId(`sector-stock-${symbol}`).waitFor();
    await waitFor(async () => (await page.locator('[data-testid^="sector-stock-"]').count()) >= 3, { message: "the sector's stocks" });
    assert.deepEqual(pageErrors, []);
  });
});
