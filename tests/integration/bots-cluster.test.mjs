// One bot runner per cluster (issue 11): two marketsim instances on one database, bots on.
// Only the leader runs them: only its log says it opened their accounts, and their accounts
// are opened once. kill -9 the leader and the survivor, once it leads, takes the same bots on:
// their orders go on, no bot gets a second account or a second grant, and the ledger holds.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { get } from "../support/http.mjs";
import { startPostgres } from "../support/pg.mjs";
import { startServer } from "../support/server.mjs";
import { assertLedgerSound, ledgerState } from "../support/trading.mjs";
import { waitFor } from "../support/util.mjs";

const BOTS = 5;
const RUNS_THEM = new RegExp(`bots: ${BOTS} simulated traders`);

async function botOrders(pg) {
  const [{ n }] = await pg.psql(
    `select count(*) as n from orders o join accounts a on a.id = o.account_id
       join users u on u.id = a.user_id where u.bot_strategy is not null`,
  );
  return Number(n);
}

async function leads(server) {
  const r = await get(`${server.url}/readyz`, { timeout: 2000 });
  assert.equal(r.status, 200, r.body);
  return JSON.parse(r.body).leader;
}

describe("bots in a cluster of two instances", { timeout: 300_000 }, () => {
  let pg;
  const servers = {};

  before(async () => {
    pg = await startPostgres();
    const env = {
      MARKETSIM_TICK_INTERVAL: "200ms",
      MARKETSIM_BOTS: String(BOTS),
      MARKETSIM_BOT_THINK: "200ms",
      MARKETSIM_BOT_ORDER_RATE: "100",
    };
    servers.a = await startServer({ pg, env: { ...env, MARKETSIM_INSTANCE: "a" } });
    servers.b = await startServer({ pg, env: { ...env, MARKETSIM_INSTANCE: "b" } });
  });

  after(async () => {
    for (const s of Object.values(servers)) {
      if (s?.running) {
        assert.equal(await s.stop("SIGTERM"), 0, s.tail());
        assert.equal(s.sanitizerReport(), null);
      }
    }
    await pg?.stop();
  });

  test("only the leader runs the bots; after kill -9 the new leader runs the same ones", async () => {
    const leaderName = (await leads(servers.a)) ? "a" : "b";
    const leader = servers[leaderName];
    const survivor = servers[leaderName === "a" ? "b" : "a"];
    assert.equal(await leads(survivor), false);

    await waitFor(async () => (await botOrders(pg)) >= 10, { timeout: 30_000, message: "the bots' first orders" });
    assert.match(leader.logs(), RUNS_THEM);
    assert.doesNotMatch(survivor.logs(), RUNS_THEM, "the follower runs bots too");

    assert.equal(await leader.stop("SIGKILL"), 137);
    await waitFor(() => leads(survivor), { timeout: 10_000, message: "the survivor to lead" });
    await waitFor(() => RUNS_THEM.test(survivor.logs()), { timeout: 10_000, message: "the survivor's bots" });
    const atHandover = await botOrders(pg);
    await waitFor(async () => (await botOrders(pg)) >= atHandover + 10, {
      timeout: 30_000,
      message: "the bots' orders through the new leader",
    });

    // The same bots: one user, one account and one grant each.
    const [counts] = await pg.psql(
      `select (select count(*) from users where bot_strategy is not null) as users,
              (select count(*) from accounts a join users u on u.id = a.user_id
                where u.bot_strategy is not null) as accounts,
              (select count(*) from ledger l join accounts a on a.id = l.to_account
                 join users u on u.id = a.user_id
                where l.kind = 'grant' and u.bot_strategy is not null) as grants`,
    );
    assert.deepEqual(counts, { users: String(BOTS), accounts: String(BOTS), grants: String(BOTS) });
    assertLedgerSound(await ledgerState(pg));
  });
});
