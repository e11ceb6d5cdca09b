// The API reference page (/docs/api/, issue 13) in a real browser against a running marketsim:
// it lists every operation of docs/openapi.json grouped by tag, the filter narrows them, a
// schema's fields open in place, the sidebar links to it, and nothing on it fails or is fetched
// from elsewhere. Screenshots go to MARKETSIM_ARTIFACTS when that is set.

import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { openBrowser } from "../support/browser.mjs";
import { BASE_URL, STEP_TIMEOUT_MS, e2eDescribe, screenshot } from "../support/e2e.mjs";
import { operations } from "../support/openapi.mjs";

e2eDescribe("the API reference page", {}, () => {
  let browser;
  let page;
  let pageErrors = [];
  const foreign = [];

  before(async () => {
    ({ browser, page, pageErrors } = await openBrowser({ stepTimeoutMs: STEP_TIMEOUT_MS }));
    page.on("request", (r) => {
      if (!r.url().startsWith(BASE_URL)) foreign.push(r.url());
    });
  }, { timeout: 30_000 });

  after(async () => {
    await browser?.close();
  });

  test("lists every operation, and the filter narrows them", { timeout: 60_000 }, async () => {
    await page.goto(`${BASE_URL}/`, { waitUntil: "domcontentloaded" });
    await page.getByTestId("nav-api").click();
    await page.waitForURL(/\/docs\/api\/$/);
    const total = operations().length;
    await page.getByTestId("api-count").getByText(`${total} of ${total} operations`).waitFor();
    assert.equal(await page.getByTestId("api-operation").count(), total);
    await page.getByTestId("api-filter").fill("POST orders 422");
    await page.getByTestId("api-count").getByText(/^[1-9] of \d+ operations/).waitFor();
    const shown = await page.getByTestId("api-operation").count();
    assert.ok(shown > 0 && shown < total, `${shown} operations shown`);
    assert.ok(await page.locator("#op-placeOrder").isVisible(), "POST /v2/orders is among them");
    await page.locator("#op-placeOrder summary", { hasText: "Fields of OrderRequest" }).click();
    await page.locator("#op-placeOrder").getByText("client_order_id").first().waitFor();
    await screenshot(page, "api-reference");
    assert.deepEqual(foreign, [], "requests to other hosts");
    assert.deepEqual(pageErrors, []);
  });
});
