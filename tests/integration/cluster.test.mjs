// One engine per cluster: two marketsim instances on one database with nginx in front (the
// config scripts/cluster generates). One instance leads and produces the ticks; the other
// serves the same ticks under the same ids. Orders through either instance fill from that one
// price series. kill -9 the leader: the other takes over within 5 s, the ids go on without a
// reuse or a skip, the replay goes on at the next step of the day, a stream through nginx
// resumes on the survivor with Last-Event-ID with no gap and no duplicate, and every tick a
// client saw ends up in price_history once.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { Client, signUp } from "../support/accounts.mjs";
import { get } from "../support/http.mjs";
import { startNginx } from "../support/nginx.mjs";
import { freePort, startPostgres } from "../support/pg.mjs";
import { startServer } from "../support/server.mjs";
import { openStream } from "../support/sse.mjs";
import { e4 } from "../support/trading.mjs";
import { waitFor } from "../support/util.mjs";

const TICK_MS = 200;
const STEPS_PER_DAY = 15; // MARKETSIM_REPLAY_DAY 3s / 200 ms
const STEP_MS = (390 * 60_000) / STEPS_PER_DAY;
const SESSION_OPEN_MS = (14 * 60 + 30) * 60_000;
const DAY_MS = 86_400_000;

const ticksOf = (stream) => stream.ofType("tick");
const ids = (events) => events.map((e) => Number(e.id));

// Every id one more than the one before.
function assertContiguous(list, label) {
  assert.ok(list.length > 0, `${label}: no ticks`);
  for (let i = 1; i < list.length; i++) {
    assert.equal(list[i], list[i - 1] + 1, `${label}: id ${list[i]} follows ${list[i - 1]}`);
  }
}

async function readyz(url) {
  const r = await get(`${url}/readyz`, { timeout: 2000 });
  assert.equal(r.status, 200, r.body);
  return JSON.parse(r.body);
}

describe("a cluster of two instances behind nginx", { timeout: 300_000 }, () => {
  let pg;
  let nginx;
  const servers = {};
  let env;

  before(async () => {
    pg = await startPostgres();
    const publicPort = await freePort();
    env = {
      MARKETSIM_TICK_INTERVAL: `${TICK_MS}ms`,
      MARKETSIM_PUBLIC_URL: `http://127.0.0.1:${publicPort}`,
      MARKETSIM_TRUSTED_PROXIES: "127.0.0.1",
    };
    // One after the other, so "a" takes the lock first (the tests find the leader anyway).
    servers.a = await startServer({ pg, env: { ...env, MARKETSIM_INSTANCE: "a" } });
    servers.b = await startServer({ pg, env: { ...env, MARKETSIM_INSTANCE: "b" } });
    nginx = await startNginx({ port: publicPort, upstreams: [servers.a.port, servers.b.port] });
  });

  after(async () => {
    await nginx?.stop();
    for (const s of Object.values(servers)) {
      if (s?.running) {
        assert.equal(await s.stop("SIGTERM"), 0, s.tail());
        assert.equal(s.sanitizerReport(), null);
      }
    }
    await pg?.stop();
  });

  async function roles() {
    const out = {};
    for (const [name, s] of Object.entries(servers)) if (s.running) out[name] = await readyz(s.url);
    return out;
  }

  test("/readyz names each instance and exactly one leads; nginx spreads requests over both", async () => {
    const r = await roles();
    assert.equal(r.a.instance, "a");
    assert.equal(r.b.instance, "b");
    assert.equal([r.a.leader, r.b.leader].filter(Boolean).length, 1, JSON.stringify(r));
    assert.equal(r.a.leader, true, "the first instance started takes the lock");
    const seen = new Set();
    for (let i = 0; i < 4; i++) seen.add((await readyz(nginx.url)).instance);
    assert.deepEqual([...seen].sort(), ["a", "b"]);
  });

  test("the follower publishes the leader's ticks under the same ids with the same data", async () => {
    const onA = await openStream(`${servers.a.url}/api/stream`);
    const onB = await openStream(`${servers.b.url}/api/stream`);
    try {
      await onA.waitForCount(60, { timeout: 20_000 });
      await onB.waitForCount(60, { timeout: 20_000 });
      const byId = new Map(ticksOf(onA).map((e) => [e.id, e.data]));
      const shared = ticksOf(onB).filter((e) => byId.has(e.id));
      assert.ok(shared.length >= 30, `only ${shared.length} ids on both streams`);
      for (const e of shared) assert.equal(e.data, byId.get(e.id), `tick ${e.id} differs between the instances`);
      assertContiguous(ids(ticksOf(onB)), "follower");
      const statusA = JSON.parse((await get(`${servers.a.url}/api/market/status`)).body);
      const statusB = JSON.parse((await get(`${servers.b.url}/api/market/status`)).body);
      assert.ok(Math.abs(statusA.last_event_id - statusB.last_event_id) <= 26 * 2, "the follower lags behind");
    } finally {
      onA.close();
      onB.close();
    }
  });

  test("orders placed through either instance fill from the one price series", async () => {
    const player = await signUp({ url: nginx.url }, pg);
    const through = {};
    for (const name of ["a", "b"]) {
      through[name] = new Client(servers[name].url, { origin: nginx.url });
      through[name].cookies = player.cookies;
      through[name].csrf = player.csrf;
    }
    const stream = await openStream(`${nginx.url}/api/stream?symbols=AAPL`);
    try {
      await stream.waitForCount(3, { timeout: 10_000 });
      for (let round = 0; round < 3; round++) {
        for (const name of ["b", "a"]) {
          const before = ticksOf(stream).length;
          const order = await through[name].post("/v2/orders", {
            symbol: "AAPL",
            qty: 1,
            side: "buy",
            type: "market",
            time_in_force: "day",
          });
          assert.equal(order.status, 200, order.body);
          assert.equal(order.json.status, "filled", order.body);
          await stream.waitForCount(ticksOf(stream).length + 1, { timeout: 10_000 });
          // The price the order met: one of the cluster's AAPL ticks from just before it was
          // sent to just after it filled (a follower may apply a step a moment after the
          // leader). The house sells at that price plus the half spread (0.01).
          const window = ticksOf(stream).slice(Math.max(0, before - 3));
          const prices = window.map((e) => e4(JSON.parse(e.data).price));
          const paid = e4(order.json.filled_avg_price) - e4("0.01");
          assert.ok(
            prices.includes(paid),
            `an order through ${name} paid ${order.json.filled_avg_price}, not one of the cluster's last AAPL prices ` +
              `${window.map((e) => `${e.id}:${JSON.parse(e.data).price}`).join(" ")}`,
          );
        }
      }
    } finally {
      stream.close();
    }
  });

  test("kill -9 the leader: the other takes over within 5 s, ids and the replay go on, streams resume", async () => {
    const r = await roles();
    const leaderName = r.a.leader ? "a" : "b";
    const survivorName = leaderName === "a" ? "b" : "a";
    const leader = servers[leaderName];
    const survivor = servers[survivorName];

    const direct = await openStream(`${survivor.url}/api/stream`);
    // Two streams opened one after the other through nginx: round robin puts one on each.
    const viaNginx = [await openStream(`${nginx.url}/api/stream`), await openStream(`${nginx.url}/api/stream`)];
    const collected = viaNginx.map(() => []);
    let resumed = 0;
    try {
      await direct.waitForCount(30, { timeout: 20_000 });
      for (const s of viaNginx) await s.waitForCount(30, { timeout: 20_000 });

      const killedAt = Date.now();
      assert.equal(await leader.stop("SIGKILL"), 137);

      // A stream that was on the dead instance ends: resume it through nginx from its last id.
      for (let i = 0; i < viaNginx.length; i++) {
        const s = viaNginx[i];
        const ended = await Promise.race([s.ended.then(() => true), new Promise((res) => setTimeout(() => res(false), 3000))]);
        if (!ended) continue;
        collected[i].push(...ticksOf(s));
        viaNginx[i] = await openStream(`${nginx.url}/api/stream`, { lastEventId: s.lastEventId });
        assert.equal(viaNginx[i].status, 200, viaNginx[i].body);
        resumed += 1;
      }
      assert.equal(resumed, 1, "exactly one nginx stream was on the killed leader");

      await waitFor(async () => (await readyz(survivor.url)).leader, { timeout: 5000, message: `${survivorName} to lead` });
      const m = await waitFor(() => /cluster: \S+ leads from id (\d+)/.exec(survivor.logs().split("took the leader lock").at(-1)), {
        timeout: 5000,
        message: "the new leader's first id in its log",
      });
      const firstNew = Number(m[1]);
      await direct.waitFor((evs) => evs.some((e) => e.event === "tick" && Number(e.id) >= firstNew + 30), {
        timeout: 15_000,
        message: "ticks from the new leader",
      });
      const ticks = ticksOf(direct);
      const first = ticks.find((e) => Number(e.id) === firstNew);
      assert.ok(first, `the survivor's stream has no tick ${firstNew}`);
      const handoverMs = first.receivedAt - killedAt;
      console.log(`# handover: first tick of the new leader ${handoverMs} ms after kill -9`);
      assert.ok(handoverMs < 5000, `the first new tick came ${handoverMs} ms after the kill`);

      // No id reused or skipped on the survivor's own stream, across the handover.
      const all = ids(ticks);
      assertContiguous(all, "survivor's stream");
      assert.ok(all.includes(firstNew - 1), "the old leader's last step is on the stream");

      // The replay went on at the next step of the day (or the next day's first step).
      const lastOld = ticks.filter((e) => Number(e.id) < firstNew).at(-1);
      const tOld = Date.parse(JSON.parse(lastOld.data).time);
      const tNew = Date.parse(JSON.parse(first.data).time);
      const lastStepOfDay = SESSION_OPEN_MS + (STEPS_PER_DAY - 1) * STEP_MS;
      if (tOld % DAY_MS === lastStepOfDay) {
        assert.equal(tNew % DAY_MS, SESSION_OPEN_MS, "the next day starts at its first step");
        assert.ok(tNew > tOld && tNew - tOld <= 5 * DAY_MS, `market time jumped from ${lastOld.data} to ${first.data}`);
      } else {
        assert.equal(tNew - tOld, STEP_MS, `market time went from ${JSON.parse(lastOld.data).time} to ${JSON.parse(first.data).time}`);
      }

      // Both nginx streams: one id after the other across the failover, none twice.
      for (let i = 0; i < viaNginx.length; i++) {
        await viaNginx[i].waitFor((evs) => evs.some((e) => e.event === "tick" && Number(e.id) >= firstNew + 20), {
          timeout: 15_000,
          message: `ticks after the handover on nginx stream ${i}`,
        });
        assert.equal(viaNginx[i].ofType("reset").length, 0, `nginx stream ${i} was told to reset`);
        const seen = ids([...collected[i], ...ticksOf(viaNginx[i])]);
        assertContiguous(seen, `nginx stream ${i}`);
        assert.ok(seen.includes(firstNew - 1) && seen.includes(firstNew), `nginx stream ${i} does not span the handover`);
      }

      // Every tick a client saw is stored once: the new leader flushed what the old one had
      // only relayed.
      const top = all.at(-1);
      await waitFor(
        async () => {
          const [row] = await pg.psql(`select count(*) as n, count(distinct seq) as d, min(seq) as lo, max(seq) as hi from price_history where seq <= ${top}`);
          return Number(row.hi) === top && row;
        },
        { timeout: 15_000, message: `price_history to reach id ${top}` },
      );
      const [row] = await pg.psql(`select count(*) as n, count(distinct seq) as d, min(seq) as lo, max(seq) as hi from price_history where seq <= ${top}`);
      assert.equal(Number(row.n), Number(row.d), "an id stored twice");
      assert.equal(Number(row.lo), 1);
      assert.equal(Number(row.n), top, "an id missing from price_history");
    } finally {
      direct.close();
      for (const s of viaNginx) s.close();
    }
  });

  test("the killed instance comes back as a follower and serves the cluster's ids", async () => {
    const name = servers.a.running ? "b" : "a";
    servers[name] = await startServer({ pg, env: { ...env, MARKETSIM_INSTANCE: name } });
    const r = await roles();
    assert.equal(r[name].leader, false, "the restarted instance took the lead from a live leader");
    const other = name === "a" ? "b" : "a";
    assert.equal(r[other].leader, true);
    // It caught up from the relay before serving: a stream resuming from a recent id replays.
    const status = JSON.parse((await get(`${servers[other].url}/api/market/status`)).body);
    const from = status.last_event_id - 40;
    const resumedHere = await openStream(`${servers[name].url}/api/stream`, { lastEventId: from });
    try {
      await resumedHere.waitForCount(60, { timeout: 20_000 });
      assert.equal(resumedHere.ofType("reset").length, 0);
      const seen = ids(ticksOf(resumedHere));
      assert.equal(seen[0], from + 1);
      assertContiguous(seen, "restarted follower");
    } finally {
      resumedHere.close();
    }
  });
});
