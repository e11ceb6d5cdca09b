// "Since you were away" (issue 11): the header's change and the summary card are measured from
// the end of the player's previous visit, not from this sign-in. A frozen market (only the test
// hook moves prices), equity snapshots every 200 ms, and the server's clock moved forward to
// make the absences (MARKETSIM_TEST_HOOKS). Worked by hand, AAPL at 40 (the house sells at
// 40.01, buys at 39.99):
//   visit 1: A buys 10 AAPL at market (40.01): cash 99,599.90, equity 99,999.90; A rests a
//            gtc limit sell of 4 at 41 and signs out. B (never trades) stays at 100,000.
//   away:    AAPL goes to 42: the house fills A's resting sell at its limit, 4 × 41 = 164;
//            A's API key looks at the account (a program, not A: no visit).
//   visit 2: A signs in two hours later: equity then 99,999.90 (the snapshot at the sign-out),
//            now 99,763.90 + 6 × 42 = 100,015.90, change +16; one fill while away; AAPL +5%;
//            rank 2 of 2 then (below B's 0%), 1 now.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Client, advanceClock, makeApiKey, signIn, signUp } from "../support/accounts.mjs";
import { accountNow, e4, frozenMarket, placeOrder, setPrice } from "../support/trading.mjs";
import { waitFor } from "../support/util.mjs";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

describe("since you were away", { timeout: 300_000 }, () => {
  const stack = frozenMarket({ env: { MARKETSIM_EQUITY_SNAPSHOT: "200ms" }, prices: { AAPL: "40" } });
  const SUMMARY = "/api/account/since-last-visit";
  let a; // A's browser (a new Client at each sign-in)
  let aAccount;
  let aKey;
  let sellId;
  let signedOutBetween;

  async function summary(client) {
    const r = await client.get(SUMMARY);
    assert.equal(r.status, 200, r.body);
    return r.json;
  }

  async function accountId(client) {
    await accountNow(client); // opens the trading account
    const [row] = await stack.pg.psql(`select id from accounts where user_id = ${client.user.id}`);
    return Number(row.id);
  }

  // The newest snapshot of the account, once it shows `equity` (a decimal string).
  async function snapshotShows(account, equity) {
    await waitFor(
      async () => {
        const [row] = await stack.pg.psql(
          `select equity_e4 from equity_snapshots where account_id = ${account} order by at desc limit 1`,
        );
        return row && BigInt(row.equity_e4) === e4(equity);
      },
      { message: `a snapshot of ${equity}` },
    );
  }

  test("a first visit has nothing to summarize: the change is since the starting grant", async () => {
    a = await signUp(stack.server, stack.pg);
    const b = await signUp(stack.server, stack.pg);
    aAccount = await accountId(a);
    const bAccount = await accountId(b);
    const s = await summary(a);
    assert.equal(s.previous_visit_ended_at, null);
    assert.equal(s.dismissed, false);
    assert.equal(e4(s.equity_then), e4("100000"));
    assert.deepEqual(s.fills, []);
    assert.equal(s.fill_count, 0);
    assert.deepEqual(s.moves, []);
    assert.equal(s.rank, null);
    assert.match(s.visit_id, /^\d+$/);
    const acct = await accountNow(a);
    assert.equal(acct.previous_visit_ended_at, null);
    assert.equal(e4(acct.previous_visit_equity), e4("100000"));
    await snapshotShows(bAccount, "100000");
  });

  test("after an absence: measured from the previous visit's end, fills while away counted", async () => {
    const buy = await placeOrder(a, { symbol: "AAPL", qty: "10", side: "buy", type: "market", time_in_force: "day" });
    assert.equal(buy.status, 200, buy.body);
    assert.equal(buy.json.status, "filled");
    const sell = await placeOrder(a, {
      symbol: "AAPL", qty: "4", side: "sell", type: "limit", limit_price: "41", time_in_force: "gtc",
    });
    assert.equal(sell.status, 200, sell.body);
    assert.equal(sell.json.status, "new");
    sellId = sell.json.id;
    aKey = await makeApiKey(a, "a program");
    assert.equal(e4((await accountNow(a)).equity), e4("99999.9"));
    await snapshotShows(aAccount, "99999.9");

    const before = Date.now();
    const out = await a.post("/api/auth/logout");
    assert.equal(out.status, 204, out.body);
    signedOutBetween = [before, Date.now()];

    // Away: the price crosses the resting sell, and a program uses A's key an hour later.
    await setPrice(stack.server, "AAPL", "42");
    const program = new Client(stack.url);
    await waitFor(
      async () => {
        const r = await program.get(`/v2/orders/${sellId}`, { headers: aKey.headers });
        return r.status === 200 && r.json.status === "filled";
      },
      { message: "the resting sell to fill while A is away" },
    );
    await snapshotShows(aAccount, "100015.9");
    await advanceClock(stack.server, HOUR);
    const keyRead = await program.get("/v2/account", { headers: aKey.headers });
    assert.equal(keyRead.status, 200, keyRead.body);
    await advanceClock(stack.server, HOUR);

    const signInAt = Date.now() + 2 * HOUR;
    a = await signIn(stack.server, a.identity);
    const s = await summary(a);
    // The previous visit ended at the sign-out (the key's request an hour later is not A's).
    const ended = Date.parse(s.previous_visit_ended_at);
    assert.ok(ended >= Math.floor(signedOutBetween[0] / 1000) * 1000 && ended <= signedOutBetween[1], s.previous_visit_ended_at);
    assert.ok(Date.parse(s.visit_started_at) >= Math.floor(signInAt / 1000) * 1000 - 1000, s.visit_started_at);
    assert.equal(s.dismissed, false);
    assert.equal(e4(s.equity_then), e4("99999.9"));
    assert.equal(e4(s.equity_now), e4("100015.9"));
    assert.equal(e4(s.change), e4("16"));
    // Only the resting order's fill while away; not the market buy of the visit before.
    assert.equal(s.fill_count, 1);
    assert.equal(s.fills.length, 1);
    const [fill] = s.fills;
    assert.equal(fill.order_id, sellId);
    assert.equal(fill.symbol, "AAPL");
    assert.equal(fill.side, "sell");
    assert.equal(fill.qty, "4");
    assert.equal(e4(fill.price), e4("41"));
    assert.equal(s.moves.length, 1);
    const [move] = s.moves;
    assert.equal(move.symbol, "AAPL");
    assert.equal(move.qty, "6");
    assert.equal(e4(move.price_then), e4("40"));
    assert.equal(e4(move.price_now), e4("42"));
    assert.equal(e4(move.change), e4("2"));
    assert.equal(move.change_percent, 5);
    assert.deepEqual(s.rank, { then: 2, now: 1, players_then: 2, players_now: 2 });

    // The header's figures: from the previous visit's end, not from this sign-in.
    const acct = await accountNow(a);
    assert.equal(e4(acct.previous_visit_equity), e4("99999.9"));
    assert.equal(acct.previous_visit_ended_at, s.previous_visit_ended_at);
    assert.equal(e4(acct.login_equity), e4("100015.9"));
    assert.equal(e4(acct.equity), e4("100015.9"));

  });

  test("dismissed for the rest of the visit; a short absence continues it; a long one starts another", async () => {
    const first = await summary(a);
    // Bad dismissals: a clear 400 each, nothing stored.
    for (const body of [{}, { visit_id: 5 }, { visit_id: "soon" }, { visit_id: first.visit_id, extra: 1 }]) {
      const r = await a.post(`${SUMMARY}/dismiss`, body);
      assert.equal(r.status, 400, `${JSON.stringify(body)}: ${r.body}`);
      assert.equal(r.json.code, "bad_request", JSON.stringify(body));
    }
    const raw = await a.send("POST", `${SUMMARY}/dismiss`, { raw: "{not json", headers: { "content-type": "application/json" } });
    assert.equal(raw.status, 400, raw.body);
    assert.equal(raw.json.code, "invalid_json");
    const noCsrf = await a.post(`${SUMMARY}/dismiss`, { visit_id: first.visit_id }, { csrf: false });
    assert.equal(noCsrf.status, 403, noCsrf.body);
    assert.equal((await summary(a)).dismissed, false);

    const done = await a.post(`${SUMMARY}/dismiss`, { visit_id: first.visit_id });
    assert.equal(done.status, 204, done.body);
    assert.equal((await summary(a)).dismissed, true);

    // Signed out for ten minutes: the same visit, still dismissed.
    assert.equal((await a.post("/api/auth/logout")).status, 204);
    await advanceClock(stack.server, 10 * MINUTE);
    a = await signIn(stack.server, a.identity);
    const same = await summary(a);
    assert.equal(same.visit_id, first.visit_id);
    assert.equal(same.dismissed, true);
    assert.equal(same.previous_visit_ended_at, first.previous_visit_ended_at);

    // Forty minutes without a request, still signed in: the next request starts a new visit,
    // whose card shows again, and a dismissal of the old visit does not hide it.
    await advanceClock(stack.server, 40 * MINUTE);
    const next = await summary(a);
    assert.notEqual(next.visit_id, first.visit_id);
    assert.equal(next.dismissed, false);
    assert.ok(Date.parse(next.previous_visit_ended_at) > Date.parse(first.previous_visit_ended_at), next.previous_visit_ended_at);
    assert.deepEqual(next.fills, []); // nothing filled during this absence
    const stale = await a.post(`${SUMMARY}/dismiss`, { visit_id: first.visit_id });
    assert.equal(stale.status, 204, stale.body);
    assert.equal((await summary(a)).dismissed, false);
    const acct = await accountNow(a);
    assert.equal(e4(acct.previous_visit_equity), e4("100015.9"));
  });

  test("only the signed-in player, with the session cookie", async () => {
    const anonymous = await new Client(stack.url).get(SUMMARY);
    assert.equal(anonymous.status, 401, anonymous.body);
    assert.equal(anonymous.json.code, "unauthenticated");
    const byKey = await new Client(stack.url).get(SUMMARY, { headers: aKey.headers });
    assert.equal(byKey.status, 401, byKey.body);
    const dismissByKey = await new Client(stack.url).post(`${SUMMARY}/dismiss`, { visit_id: "1" }, { headers: aKey.headers });
    assert.ok([401, 403].includes(dismissByKey.status), dismissByKey.body);
  });
});
