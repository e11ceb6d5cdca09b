// The simulated traders (issue 11) on a real PostgreSQL. Bots are player accounts marked with
// their strategy that trade only through the order path players use, so what they do shows in
// the same tables, under the same ledger:
// - a server with bots opens their accounts (the starting grant, like anyone's) and they place
//   orders, some of which fill, while the ledger's invariants hold;
// - a bot's public profile says it is a bot and names its strategy; sign-up keeps their tags;
// - a player's market order meets a market maker's quote before the house's price;
// - all bots together stay within MARKETSIM_BOT_ORDER_RATE, however many want to trade.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Client, signUp } from "../support/accounts.mjs";
import { suiteStack } from "../support/stack.mjs";
import { assertLedgerSound, ledgerState, placeOrder } from "../support/trading.mjs";
import { sleep, waitFor } from "../support/util.mjs";

const BOT_ORDERS = `from orders o join accounts a on a.id = o.account_id join users u on u.id = a.user_id
  where u.bot_strategy is not null`;

// Waits until `sql` (one row, one column `n`) is at least `atLeast`; returns it.
async function waitForCount(pg, sql, atLeast, timeout = 60_000) {
  return waitFor(
    async () => {
      const [{ n }] = await pg.psql(sql);
      return Number(n) >= atLeast ? Number(n) : 0;
    },
    { timeout, interval: 250, message: `${atLeast} of: ${sql}` },
  );
}

describe("bots: a market with simulated traders", { timeout: 300_000 }, () => {
  const stack = suiteStack({
    env: {
      MARKETSIM_BOTS: "10",
      MARKETSIM_BOT_THINK: "200ms",
      MARKETSIM_BOT_ORDER_RATE: "200",
      MARKETSIM_TICK_INTERVAL: "100ms",
    },
  });

  test("bots open accounts and trade through the order path; some fill; the ledger holds", async () => {
    const orders = await waitForCount(stack.pg, `select count(*) as n ${BOT_ORDERS}`, 30);
    assert.ok(orders >= 30, `bots placed ${orders} orders`);
    const fills = await waitForCount(
      stack.pg,
      `select count(*) as n from fills f join orders o on o.id in (f.buy_order, f.sell_order)
         join accounts a on a.id = o.account_id join users u on u.id = a.user_id
        where u.bot_strategy is not null`,
      1,
    );
    assert.ok(fills >= 1, "no bot order filled");
    const bots = await stack.pg.psql(
      `select u.user_tag, u.bot_strategy, u.status, u.public_profile, a.id as account
         from users u join accounts a on a.user_id = u.id
        where u.bot_strategy is not null order by u.user_tag`,
    );
    assert.equal(bots.length, 10);
    assert.equal(bots[0].user_tag, "bot_01");
    assert.deepEqual(
      [...new Set(bots.map((b) => b.bot_strategy))].sort(),
      ["index_holder", "market_maker", "mean_reversion", "momentum", "noise"],
    );
    for (const b of bots) {
      assert.equal(b.status, "active");
      assert.equal(b.public_profile, "t");
    }
    // Each got the starting grant from the treasury, like a player's first account.
    const [{ grants }] = await stack.pg.psql(
      `select count(*) as grants from ledger l join accounts a on a.id = l.to_account
         join users u on u.id = a.user_id where l.kind = 'grant' and u.bot_strategy is not null`,
    );
    assert.equal(Number(grants), 10);
    assertLedgerSound(await ledgerState(stack.pg));
  });

  test("a bot's public profile says what it is; sign-up keeps the bots' tags", async () => {
    const anyone = new Client(stack.url);
    const profile = await anyone.get("/api/users/bot_01");
    assert.equal(profile.status, 200, profile.body);
    assert.equal(profile.json.bot, true);
    assert.equal(profile.json.strategy, "market_maker");
    assert.match(profile.json.display_name, /Market maker/);
    // A bot never signs in: its password hash is no hash.
    const login = await anyone.login("bot_01@bots.marketsim.invalid", "anything at all 1");
    assert.equal(login.status, 401, login.body);
    const taken = await anyone.post("/api/auth/register", {
      email: "person@example.test",
      user_tag: "bot_99",
      display_name: "Not a bot",
      password: "a long enough password 1",
    });
    assert.equal(taken.status, 400, taken.body);
    assert.equal(taken.json.code, "invalid_user_tag");
  });
});

describe("bots: a player meets a market maker's quote before the house", { timeout: 300_000 }, () => {
  // One bot, a market maker, in a frozen market: its quotes stand until the price moves.
  const stack = suiteStack({
    env: { MARKETSIM_BOTS: "1", MARKETSIM_BOT_THINK: "200ms", MARKETSIM_TICK_INTERVAL: "1h" },
  });

  test("a market buy fills at the bot's ask, inside the house's", async () => {
    const quoted = `select o.symbol, o.limit_e4, a.id as account ${BOT_ORDERS}
      and u.user_tag = 'bot_01' and o.side = 'sell' and o.status = 'new' order by o.seq limit 1`;
    const ask = await waitFor(async () => (await stack.pg.psql(quoted))[0], {
      timeout: 60_000,
      interval: 200,
      message: "the market maker's ask",
    });
    const player = await signUp(stack.server, stack.pg);
    const placed = await placeOrder(player, { symbol: ask.symbol, qty: "1", side: "buy", type: "market", time_in_force: "day" });
    assert.equal(placed.status, 200, placed.body);
    assert.equal(placed.json.status, "filled");
    const [fill] = await stack.pg.psql(
      `select sell_account, price_e4 from fills where buy_order = '${placed.json.id}'`,
    );
    assert.equal(fill.sell_account, ask.account, "the house sold, not the bot");
    assert.equal(fill.price_e4, ask.limit_e4);
    assertLedgerSound(await ledgerState(stack.pg));
  });
});

describe("bots: their order budget holds whatever they want", { timeout: 300_000 }, () => {
  // Thirty bots thinking every ~100 ms would send hundreds of orders a second; 3 may go.
  const RATE = 3;
  const stack = suiteStack({
    env: {
      MARKETSIM_BOTS: "30",
      MARKETSIM_BOT_THINK: "100ms",
      MARKETSIM_BOT_ORDER_RATE: String(RATE),
      MARKETSIM_TICK_INTERVAL: "100ms",
    },
  });

  test(`at most ${RATE} orders and cancels a second, all bots together`, async () => {
    await waitForCount(stack.pg, `select count(*) as n ${BOT_ORDERS}`, 1);
    const [{ t0 }] = await stack.pg.psql("select clock_timestamp() as t0");
    const seconds = 8;
    await sleep(seconds * 1000);
    const [{ t1 }] = await stack.pg.psql("select clock_timestamp() as t1");
    const [{ sent }] = await stack.pg.psql(
      `select (select count(*) ${BOT_ORDERS} and o.submitted_at between '${t0}' and '${t1}')
            + (select count(*) ${BOT_ORDERS} and o.canceled_at between '${t0}' and '${t1}') as sent`,
    );
    const elapsed = (Date.parse(t1) - Date.parse(t0)) / 1000;
    // The budget refills at RATE a second and holds at most RATE: a window may catch one full
    // bucket on top of what it refills.
    const allowed = RATE * (elapsed + 1) + 1;
    assert.ok(Number(sent) <= allowed, `${sent} orders and cancels in ${elapsed.toFixed(1)} s, allowed ${allowed}`);
    assert.ok(Number(sent) >= RATE, `only ${sent} orders and cancels in ${elapsed.toFixed(1)} s: the bots idled`);
    assertLedgerSound(await ledgerState(stack.pg));
  });
});
