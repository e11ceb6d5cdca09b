// Trading helpers for integration and end-to-end tests: exact decimal conversions, setting a
// symbol's price through the test hook (MARKETSIM_TEST_HOOKS), placing orders, reading accounts
// and orders, reading the ledger's invariants straight from PostgreSQL, and a frozen market for
// a describe() of trading tests.
import assert from "node:assert/strict";
import { afterEach, before } from "node:test";
import { request } from "./http.mjs";
import { suiteStack } from "./stack.mjs";
import { waitFor } from "./util.mjs";

// "123.45" → 1234500n (ten-thousandths), exactly.
export function e4(text) {
  assert.match(String(text), /^-?\d+(\.\d{1,4})?$/, `not a decimal: ${text}`);
  const negative = String(text).startsWith("-");
  const [whole, frac = ""] = String(text).replace("-", "").split(".");
  const v = BigInt(whole) * 10000n + BigInt((frac + "0000").slice(0, 4));
  return negative ? -v : v;
}

// Sets the symbol's price as if the feed ticked (and lets the order flow react).
export async function setPrice(server, symbol, price, time) {
  const body = { symbol, price: String(price) };
  if (time) body.time = time;
  const r = await request(`${server.url}/api/test/price`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  assert.equal(r.status, 200, r.body);
  return r.json;
}

export async function placeOrder(client, order) {
  return client.post("/v2/orders", order);
}

// GET /v2/account, asserted 200 → the account in Alpaca's shape.
export async function accountNow(client) {
  const r = await client.get("/v2/account");
  assert.equal(r.status, 200, r.body);
  return r.json;
}

export async function orderNow(client, id) {
  const r = await client.get(`/v2/orders/${id}`);
  assert.equal(r.status, 200, r.body);
  return r.json;
}

export async function waitForStatus(client, id, status, timeout = 10_000) {
  let last;
  await waitFor(
    async () => {
      last = await orderNow(client, id);
      return last.status === status;
    },
    { timeout, message: `order ${id} to become ${status}` },
  );
  return last;
}

// The ledger's invariants, read in one snapshot: every asset sums to zero over all accounts,
// materialized player balances equal their ledger sums, nothing negative, and the cash players
// and the house hold together equals what the treasury granted.
export async function ledgerState(pg) {
  const [row] = await pg.psql(`
    with flows as (
      select to_account as account, asset, amount from ledger
      union all select from_account, asset, -amount from ledger),
    sums as (select account, asset, sum(amount) as total from flows group by account, asset)
    select
      (select count(*) from (select asset from flows group by asset having sum(amount) <> 0) x) as unbalanced_assets,
      (select count(*) from sums s join accounts a on a.id = s.account
         where a.kind = 'player' and s.total <> case when s.asset = 'USD' then a.cash_e4
           else coalesce((select qty from positions p where p.account_id = a.id and p.symbol = s.asset), 0) end) as mismatched,
      (select count(*) from accounts where cash_e4 < 0 or reserved_e4 < 0 or reserved_e4 > cash_e4) as negative_cash,
      (select count(*) from positions where qty < 0 or reserved_qty < 0 or reserved_qty > qty) as negative_positions,
      (select coalesce(sum(amount), 0) from ledger where kind = 'grant') as granted,
      (select coalesce(sum(s.total), 0) from sums s join accounts a on a.id = s.account
         where s.asset = 'USD' and a.kind in ('player', 'house')) as held_cash,
      (select count(*) from ledger) as entries`);
  return {
    unbalancedAssets: Number(row.unbalanced_assets),
    mismatched: Number(row.mismatched),
    negativeCash: Number(row.negative_cash),
    negativePositions: Number(row.negative_positions),
    granted: BigInt(row.granted),
    heldCash: BigInt(row.held_cash),
    entries: Number(row.entries),
  };
}

export function assertLedgerSound(state, label = "ledger") {
  assert.equal(state.unbalancedAssets, 0, `${label}: an asset does not sum to zero`);
  assert.equal(state.mismatched, 0, `${label}: a player balance differs from its ledger sum`);
  assert.equal(state.negativeCash, 0, `${label}: negative or over-reserved cash`);
  assert.equal(state.negativePositions, 0, `${label}: negative or over-reserved position`);
  assert.equal(state.heldCash, state.granted, `${label}: cash held differs from cash granted`);
}

// Call inside a describe(): a stack whose market is frozen (one feed step an hour, so only the
// test hook moves prices and every figure is exact) with `prices` ({ symbol: price }) set before
// the tests, the ledger's invariants asserted after each test, and a clean exit after them all.
// `env` adds to or overrides the server's environment. Returns suiteStack()'s object.
export function frozenMarket({ env = {}, prices = {} } = {}) {
  const stack = suiteStack({ env: { MARKETSIM_TICK_INTERVAL: "1h", ...env } });
  before(async () => {
    for (const [symbol, price] of Object.entries(prices)) await setPrice(stack.server, symbol, price);
  });
  afterEach(async () => {
    assertLedgerSound(await ledgerState(stack.pg));
  });
  return stack;
}
