// The stock page's market activity in a real browser (issue 11, section 5), against an already
// running marketsim at MARKETSIM_URL: one player's resting limit buy shows in the order book as
// a players' level beside the house's own price, and another player's market buy, placed through
// the API while the page is open, appears at the top of the time-and-sales tape without a
// reload (the stream's `trade` event), marked as a house fill the buyer took. Players are
// registered through the API (their verification mail read from the outbox as the e2e admin).
// Screenshots go to MARKETSIM_ARTIFACTS when that is set. The harness starts server and DB.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { openBrowser } from "../support/browser.mjs";
import { BASE_URL, STAMP, STEP_TIMEOUT_MS, e2eDescribe, registerPlayer, screenshot, signInAdmin } from "../support/e2e.mjs";
import { waitFor } from "../support/util.mjs";

// A symbol the other e2e files do not trade, so their fills do not move this tape meanwhile.
const SYMBOL = "IBM";
// Far below any price the replay reaches: the order rests.
const QUOTE_PRICE = "1.00";

const player = (n) => ({
  email: `e2e_m${n}${STAMP}@example.com`,
  password: `e2e-${STAMP}-M4rket!${n}`,
  tag: `e2e_m${n}${STAMP}`.slice(0, 20),
  name: `E2E Market ${n} ${STAMP}`,
});

async function signedIn(admin, who) {
  const c = await registerPlayer(admin, who);
  const login = await c.login(who.email, who.password);
  assert.equal(login.status, 200, login.body);
  return c;
}

e2eDescribe("the stock page's market activity in a browser", { adminFor: "the verification mail" }, () => {
  let browser;
  let page;
  let pageErrors = [];
  let quoter;
  let buyer;

  before(async () => {
    const admin = await signInAdmin();
    quoter = await signedIn(admin, player(1));
    buyer = await signedIn(admin, player(2));
    ({ browser, page, pageErrors } = await openBrowser());
  });

  after(async () => {
    await browser?.close();
  });

  test("the book shows a player's quote beside the house's price", { timeout: 90_000 }, async () => {
    const r = await quoter.post("/v2/orders", {
      symbol: SYMBOL,
      qty: 3,
      side: "buy",
      type: "limit",
      limit_price: QUOTE_PRICE,
      time_in_force: "gtc",
    });
    assert.equal(r.status, 200, r.body);
    assert.equal(r.json.status, "new");

    await page.goto(`${BASE_URL}/stock/?symbol=${SYMBOL}`);
    const bids = page.getByTestId("book-bids");
    const level = bids.locator(`[data-testid="book-level"][data-quoted-by="players"]`, { hasText: "1.00" });
    // The first page of a fresh browser loads the whole app: twice a step's time.
    await level.first().waitFor({ timeout: 2 * STEP_TIMEOUT_MS });
    assert.match((await level.first().textContent()) ?? "", /Players/);
    // The house's bid has its own row on the bids' side, above the far-away quote.
    const house = bids.getByTestId("book-house-level");
    await house.waitFor({ timeout: STEP_TIMEOUT_MS });
    assert.match((await house.textContent()) ?? "", /House/);
    await screenshot(page, "market-activity-book");
  });

  test("a trade appears on the tape without a reload", { timeout: 60_000 }, async () => {
    const tape = page.getByTestId("tape");
    // Loaded: either rows or the empty note.
    await waitFor(
      async () => (await tape.getByTestId("tape-row").count()) > 0 || (await tape.getByTestId("tape-empty").count()) > 0,
      { timeout: STEP_TIMEOUT_MS, message: "the tape to load" },
    );
    const before = await tape.getByTestId("tape-row").count();
    const newestBefore = before > 0 ? await tape.getByTestId("tape-row").first().getAttribute("data-id") : null;
    await page.evaluate(() => {
      window.__marketsimNoReload = true;
    });

    const r = await buyer.post("/v2/orders", { symbol: SYMBOL, qty: 2, side: "buy", type: "market", time_in_force: "day" });
    assert.equal(r.status, 200, r.body);
    assert.equal(r.json.status, "filled", r.body);

    // The tape grows, and its newest row is that trade: 2 shares, taken by a buyer, with the house.
    const first = tape.getByTestId("tape-row").first();
    await waitFor(async () => (await first.getAttribute("data-id")) !== newestBefore && (await tape.getByTestId("tape-row").count()) > before, {
      timeout: STEP_TIMEOUT_MS,
      message: "a new row on the tape",
    });
    assert.equal(await first.getAttribute("data-taker"), "buy");
    assert.equal(await first.getAttribute("data-house"), "true");
    const text = (await first.textContent()) ?? "";
    assert.match(text, /Buy/);
    assert.match(text, /House/);
    const cells = await first.locator("td").allTextContents();
    assert.equal(cells[2].trim(), "2");
    assert.equal(await page.evaluate(() => window.__marketsimNoReload), true, "the page reloaded");
    assert.deepEqual(pageErrors, []);
    await screenshot(page, "market-activity-tape");
  });
});
