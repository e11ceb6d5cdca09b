// The living market in a real browser (issue 11): a server of its own with simulated traders,
// as `./scripts/run` starts one (bots on, default pacing, a faster clock), and no player yet.
// Within a minute, signed out, the leaderboard lists the bots, labelled as bots; a stock's book
// shows a level of another trader's quotes beside the house's price. Then a player signs up, trades, and
// finds their own row highlighted on the leaderboard as "Player #N" (no public profile yet);
// after opting in under Settings, the row carries their name and links to their profile.
// Its own PostgreSQL and server (not e2e-run's shared one, which runs without bots so the other
// files' fills are the house's). Screenshots go to MARKETSIM_ARTIFACTS when that is set.

import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { signUp } from "../support/accounts.mjs";
import { openBrowser } from "../support/browser.mjs";
import { STEP_TIMEOUT_MS, screenshot, submitSignIn } from "../support/e2e.mjs";
import { startPostgres } from "../support/pg.mjs";
import { startServer } from "../support/server.mjs";
import { placeOrder, waitForStatus } from "../support/trading.mjs";
import { REPO_ROOT, waitFor } from "../support/util.mjs";

describe("a living market in a browser", { timeout: 300_000 }, () => {
  let pg;
  let server;
  let browser;
  let page;
  let pageErrors = [];

  before(async () => {
    pg = await startPostgres();
    server = await startServer({
      pg,
      env: {
        MARKETSIM_PROVIDER: "replay",
        MARKETSIM_BOTS: "10",
        MARKETSIM_TICK_INTERVAL: "200ms",
        MARKETSIM_REPLAY_DAY: "30s",
        MARKETSIM_EQUITY_SNAPSHOT: "1s",
        MARKETSIM_WEB_ROOT: join(REPO_ROOT, "web", "out"),
      },
    });
    ({ browser, page, pageErrors } = await openBrowser({ stepTimeoutMs: STEP_TIMEOUT_MS }));
  });

  after(async () => {
    await browser?.close();
    await server?.stop("SIGTERM");
    await pg?.stop();
  });

  test("signed out: the leaderboard ranks the bots, the book has other traders' quotes", async () => {
    await page.goto(`${server.url}/leaderboard/`);
    const rows = page.getByTestId("leaderboard-row");
    await waitFor(async () => (await rows.count()) >= 10, { timeout: 60_000, interval: 500, message: "10 bots on the leaderboard" });
    const first = (await rows.first().textContent()) ?? "";
    assert.match(first, /bot/i, `the first row is not labelled as a bot: ${first}`);
    await page.getByTestId("period-week").click();
    await waitFor(async () => (await rows.count()) >= 10, { timeout: STEP_TIMEOUT_MS, message: "the week's board" });
    await screenshot(page, "living-leaderboard");

    // A stock's book shows another trader's level (the house's prices are not levels). Market
    // makers requote as prices move, so a quote found in the database may be gone when the page
    // asks: pick a symbol with a resting quote, give its page a few seconds, else try again.
    await waitFor(
      async () => {
        const [row] = await pg.psql(
          "select o.symbol from orders o join accounts a on a.id = o.account_id join users u on u.id = a.user_id where u.bot_strategy = 'market_maker' and o.status in ('new', 'partially_filled') and o.type = 'limit' order by o.seq desc limit 1",
        );
        if (!row) return false;
        await page.goto(`${server.url}/stock/?symbol=${row.symbol}`);
        return page
          .getByTestId("book-level")
          .first()
          .waitFor({ timeout: 6_000 })
          .then(() => true)
          .catch(() => false);
      },
      { timeout: 90_000, interval: 500, message: "a book level of a bot's quote on a stock's page" },
    );
    await screenshot(page, "living-stock");
  });

  test("a new player trades, finds their row, opts in and is named", async () => {
    const player = await signUp(server, pg);
    const buy = await placeOrder(player, { symbol: "AAPL", qty: "2", side: "buy", type: "market", time_in_force: "day" });
    assert.equal(buy.status, 200, buy.body);
    await waitForStatus(player, buy.json.id, "filled");
    const [{ id: account }] = await pg.psql(`select id from accounts where user_id = ${player.user.id}`);
    // The board ranks an account from its first equity snapshot on, and the page refreshes every
    // 30 s: wait until the board the page asks for has the player, or a page loaded just before
    // could miss them until its next refresh.
    await waitFor(async () => (await player.get("/api/leaderboard?period=all&metric=return&limit=50")).json?.you != null, {
      timeout: 30_000,
      interval: 500,
      message: "the player ranked by the API",
    });

    await page.goto(`${server.url}/signin/`);
    await submitSignIn(page, player.identity.email, player.identity.password);
    await page.waitForURL((url) => !url.pathname.startsWith("/signin"));
    await page.goto(`${server.url}/leaderboard/`);
    const you = page.getByTestId("leaderboard-you");
    await waitFor(async () => (await you.count()) > 0, { timeout: 30_000, interval: 500, message: "the player's own row" });
    assert.match((await you.first().textContent()) ?? "", new RegExp(`Player #${account}`));

    await page.goto(`${server.url}/settings/`);
    await page.getByTestId("settings-public").check();
    await page.getByTestId("settings-save").click();
    await page.getByTestId("settings-saved").waitFor();
    await page.goto(`${server.url}/leaderboard/`);
    // The standings are kept for a few seconds (and those read before the change show nobody's
    // name): the name shows on a later load at the latest, so the page is loaded again.
    await waitFor(async () => {
      await page.goto(`${server.url}/leaderboard/`);
      return ((await you.first().textContent({ timeout: 3_000 }).catch(() => "")) ?? "").includes(player.identity.display_name);
    }, {
      timeout: 30_000,
      interval: 1_500,
      message: "the player's name on their row",
    });
    const link = you.first().getByRole("link", { name: player.identity.display_name });
    assert.equal(await link.getAttribute("href"), `/u/${player.user.user_tag}/`);
    await screenshot(page, "living-leaderboard-you");
    assert.deepEqual(pageErrors, []);
  });
});
