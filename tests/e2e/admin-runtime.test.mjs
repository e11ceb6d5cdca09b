// Admin → Runtime in a browser (issue 13): the administrator signs in and opens the runtime tab,
// which shows the server from inside and keeps itself current: the long-lived tasks with the
// market feed leading and stepping, the database pools, each io thread's loop lag, and the
// request the page itself has in flight appearing among the slowest steps' request ids or the
// requests in flight as the page refreshes.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { openBrowser } from "../support/browser.mjs";
import { BASE_URL, STEP_TIMEOUT_MS, e2eDescribe, screenshot, submitSignIn } from "../support/e2e.mjs";

e2eDescribe("admin runtime view in a browser", { adminFor: "the runtime view" }, () => {
  let browser;
  let page;

  before(async () => {
    ({ browser, page } = await openBrowser({ stepTimeoutMs: STEP_TIMEOUT_MS }));
  }, { timeout: 40_000 });

  after(async () => {
    await browser?.close();
  });

  test("the runtime tab shows live figures and refreshes them", { timeout: 60_000 }, async () => {
    await page.goto(`${BASE_URL}/signin/?next=${encodeURIComponent("/admin/?tab=runtime")}`, { waitUntil: "domcontentloaded" });
    await submitSignIn(page, process.env.MARKETSIM_E2E_ADMIN_EMAIL, process.env.MARKETSIM_E2E_ADMIN_PASSWORD);
    await page.getByTestId("header-user").waitFor();
    await page.goto(`${BASE_URL}/admin/?tab=runtime`, { waitUntil: "domcontentloaded" });
    const tasks = page.getByTestId("runtime-tasks");
    await tasks.waitFor();
    const feedRow = tasks.locator("tr", { hasText: "feed" }).first();
    await feedRow.waitFor();
    assert.match((await feedRow.textContent()) ?? "", /leading/);
    const steps = async () => Number((await feedRow.locator("td").nth(2).textContent())?.trim());
    const first = await steps();
    assert.ok(first > 0, `feed steps ${first}`);
    // The view refreshes itself: the feed's step count moves without a reload.
    await page.waitForFunction(
      (before) => {
        const row = [...document.querySelectorAll('[data-testid="runtime-tasks"] tr')].find((r) => r.textContent?.includes("feed"));
        return Number(row?.querySelectorAll("td")[2]?.textContent) > before;
      },
      first,
      { timeout: 15_000 },
    );
    const pools = page.getByTestId("runtime-pools");
    assert.match((await pools.textContent()) ?? "", /requests.*background/s);
    const lag = page.getByTestId("runtime-lag");
    await lag.locator("tbody tr").first().waitFor();
    assert.match((await lag.textContent()) ?? "", /\d+(\.\d)? ms/);
    assert.equal(await page.locator('[data-stalled="true"]').count(), 0, "a task shows as stalled");
    await screenshot(page, "admin-runtime");
  });
});
