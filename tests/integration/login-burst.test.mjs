// A burst of 200 concurrent sign-ins with production argon2id parameters (64 MiB each): the
// hashing pool runs at most MARKETSIM_HASH_THREADS at once, every attempt is answered (200, or
// 503 busy with Retry-After when the queue is full), and the server's peak memory stays within
// the pool's budget instead of growing with the burst. Meanwhile the market API stays responsive.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, test } from "node:test";
import { Client, makeAdmin, metrics, signUp } from "../support/accounts.mjs";
import { get } from "../support/http.mjs";
import { startStack, stopCleanly, suiteStack } from "../support/stack.mjs";

const MIB = 1024 * 1024;
const ARGON_MIB = 64; // crypto_pwhash_MEMLIMIT_INTERACTIVE
const THREADS = 2;

function memoryOf(pid) {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (name) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, "m").exec(status)[1]) * 1024;
  return { rss: kb("VmRSS"), peak: kb("VmHWM") };
}

describe("login burst", { timeout: 600_000 }, () => {
  const stack = suiteStack({
    env: {
      MARKETSIM_PASSWORD_HASH: "interactive",
      MARKETSIM_HASH_THREADS: String(THREADS),
      MARKETSIM_HASH_QUEUE: "256",
      MARKETSIM_TRUSTED_PROXIES: "127.0.0.1",
      // The sanitizer build keeps freed memory in a quarantine (256 MiB by default), which
      // would count as growth here; the pool's own bound is what this test measures.
      ASAN_OPTIONS: [process.env.ASAN_OPTIONS, "quarantine_size_mb=8"].filter(Boolean).join(":"),
    },
  });

  test("200 concurrent sign-ins stay within the hashing pool and its memory budget", async () => {
    const admin = await makeAdmin(stack.server, stack.pg);
    // 100 players, each signed in twice at once below (right and wrong password): within every
    // account's attempt budget, so the hashing pool is what this burst meets.
    const players = [];
    for (let i = 0; i < 100; i += 10)
      players.push(...(await Promise.all(Array.from({ length: 10 }, (_, j) => signUp(stack.server, stack.pg, undefined, { address: `10.7.${i}.${j + 1}` })))));
    // Warm up: the first hashes map the argon2 memory once per pool thread.
    await Promise.all([1, 2].map((i) => new Client(stack.url, { address: `10.6.0.${i}` }).login(players[0].identity.email, players[0].identity.password)));
    const base = memoryOf(stack.server.pid);

    const clients = Array.from({ length: 200 }, (_, i) => new Client(stack.url, { address: `10.9.${i >> 8}.${i & 255}`, timeout: 120_000 }));
    await Promise.all(clients.map((c) => c.me()));
    const started = Date.now();
    let marketSlowest = 0;
    let bursting = true;
    const probe = (async () => {
      while (bursting) {
        const t0 = Date.now();
        const r = await get(`${stack.url}/api/stocks`);
        assert.equal(r.status, 200);
        marketSlowest = Math.max(marketSlowest, Date.now() - t0);
      }
    })();
    const answers = await Promise.all(
      clients.map((c, i) => {
        const p = players[i >> 1].identity;
        return c.login(p.email, i % 2 ? p.password : "wrong password here");
      }),
    );
    bursting = false;
    await probe;
    const elapsed = Date.now() - started;
    const counts = {};
    for (const a of answers) counts[a.status] = (counts[a.status] ?? 0) + 1;
    console.log(`burst: ${JSON.stringify(counts)} in ${elapsed} ms; slowest /api/stocks during it: ${marketSlowest} ms`);
    for (const a of answers) {
      assert.ok([200, 401, 503].includes(a.status), `unexpected ${a.status}: ${a.body}`);
      if (a.status === 503) assert.ok(a.headers["retry-after"], "busy without Retry-After");
    }
    assert.equal(counts[200], 100, "every right password got in");
    assert.equal(counts[401], 100);

    const m = await metrics(admin);
    assert.ok(m.hash_pool.peak_in_flight <= THREADS, `peak ${m.hash_pool.peak_in_flight} hashes at once`);
    assert.equal(m.hash_pool.threads, THREADS);
    const mem = memoryOf(stack.server.pid);
    const grown = (mem.peak - base.rss) / MIB;
    console.log(`memory: rss before ${Math.round(base.rss / MIB)} MiB, peak ${Math.round(mem.peak / MIB)} MiB (+${Math.round(grown)} MiB)`);
    // Unbounded, 200 × 64 MiB would be 12.5 GiB; the pool allows THREADS × 64 MiB plus slack.
    assert.ok(grown < THREADS * ARGON_MIB + 160, `memory grew by ${Math.round(grown)} MiB`);
  });

  test("a full queue answers 503 busy with Retry-After, never hangs", async () => {
    const stack2 = await startStack({
      env: { MARKETSIM_PASSWORD_HASH: "interactive", MARKETSIM_HASH_THREADS: "1", MARKETSIM_HASH_QUEUE: "2", MARKETSIM_TRUSTED_PROXIES: "127.0.0.1" },
    });
    try {
      const clients = Array.from({ length: 30 }, (_, i) => new Client(stack2.url, { address: `10.8.0.${i + 1}` }));
      await Promise.all(clients.map((c) => c.me()));
      const answers = await Promise.all(clients.map((c, i) => c.login(`nobody${i}@example.test`, "whatever it is")));
      const busy = answers.filter((a) => a.status === 503);
      assert.ok(busy.length > 0, `no request was refused with a queue of 2: ${answers.map((a) => a.status)}`);
      for (const b of busy) {
        assert.equal(b.json.code, "busy");
        assert.ok(Number(b.headers["retry-after"]) >= 1);
      }
      assert.ok(answers.every((a) => a.status === 401 || a.status === 503));
    } finally {
      await stopCleanly(stack2);
    }
  });
});
