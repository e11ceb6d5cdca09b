// The live stream: ticks with strictly increasing ids, the ?symbols= filter, and resumption with
// Last-Event-ID that replays exactly what was missed (checked against an uninterrupted client).
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import { suiteStack } from "../support/stack.mjs";
import { openStream } from "../support/sse.mjs";
import { sleep } from "../support/util.mjs";

const DECIMAL = /^-?\d+(\.\d+)?$/;

function assertIncreasing(events, what) {
  for (let i = 1; i < events.length; i++) {
    assert.ok(Number(events[i].id) > Number(events[i - 1].id), `${what}: id ${events[i].id} after ${events[i - 1].id}`);
  }
}

describe("SSE /api/stream", { timeout: 180_000 }, () => {
  const stack = suiteStack({ env: { MARKETSIM_TICK_INTERVAL: "100ms", MARKETSIM_REPLAY_DAY: "3s" } });
  let url;
  before(() => {
    url = stack.url;
  });

  test("sends tick events with strictly increasing integer ids and tick JSON", async () => {
    const s = await openStream(`${url}/api/stream`);
    try {
      assert.equal(s.status, 200);
      assert.match(s.headers["content-type"], /^text\/event-stream/);
      await s.waitForCount(30, { timeout: 20_000 });
      const ticks = s.ofType("tick");
      for (const t of ticks) {
        assert.match(t.id ?? "", /^\d+$/, "tick without an integer id");
        assert.ok(t.json, `tick data is not JSON: ${t.data}`);
        assert.equal(typeof t.json.symbol, "string");
        assert.match(String(t.json.price), DECIMAL, `price ${t.json.price}`);
        assert.equal(typeof t.json.price, "string", "price must be a decimal string");
        assert.ok(!Number.isNaN(Date.parse(t.json.time)), `time ${t.json.time}`);
      }
      assertIncreasing(ticks, "unfiltered");
      assert.ok(new Set(ticks.map((t) => t.json.symbol)).size > 1, "ticks for one symbol only");
    } finally {
      s.close();
    }
  });

  test("?symbols= yields those symbols only", async () => {
    const s = await openStream(`${url}/api/stream?symbols=AAPL,MSFT`);
    try {
      assert.equal(s.status, 200);
      await s.waitForCount(10, { timeout: 30_000 });
      const ticks = s.ofType("tick");
      const symbols = new Set(ticks.map((t) => t.json.symbol));
      assert.deepEqual([...symbols].filter((x) => x !== "AAPL" && x !== "MSFT"), []);
      assertIncreasing(ticks, "filtered");
    } finally {
      s.close();
    }
  });

  async function resumeCase(query) {
    // A reference client that stays connected the whole time.
    const ref = await openStream(`${url}/api/stream${query}`);
    await ref.waitForCount(1, { timeout: 20_000 });
    const a = await openStream(`${url}/api/stream${query}`);
    try {
      await a.waitForCount(8, { timeout: 20_000 });
      a.close();
      await a.ended;
      const before = a.ofType("tick");
      const lastId = before.at(-1).id;
      // Miss a few ticks, then resume.
      await sleep(700);
      const b = await openStream(`${url}/api/stream${query}`, { lastEventId: lastId });
      try {
        assert.equal(b.status, 200);
        await b.waitForCount(15, { timeout: 20_000 });
      } finally {
        b.close();
      }
      assert.equal(b.ofType("reset").length, 0, "server asked for a reset although the gap is small");
      const resumed = b.ofType("tick");
      assert.ok(Number(resumed[0].id) > Number(lastId), `resumed stream repeats id ${resumed[0].id} (Last-Event-ID ${lastId})`);
      const joined = [...before, ...resumed];
      assertIncreasing(joined, "interrupted client");
      // The reference saw the same ticks over the same range: same ids, same data, no gap.
      const lo = Number(before[0].id);
      const hi = Number(resumed.at(-1).id);
      await ref.waitFor((evs) => evs.some((e) => e.event === "tick" && Number(e.id) >= hi), { timeout: 20_000, message: `reference to reach id ${hi}` });
      const expected = ref.ofType("tick").filter((e) => Number(e.id) >= lo && Number(e.id) <= hi);
      assert.ok(Number(ref.ofType("tick")[0].id) <= lo, "reference client started after the interrupted one");
      assert.deepEqual(
        joined.map((e) => e.id),
        expected.map((e) => e.id),
        "interrupted + resumed ids differ from the uninterrupted client's",
      );
      assert.deepEqual(
        joined.map((e) => e.data),
        expected.map((e) => e.data),
        "replayed tick data differs from what was sent live",
      );
      return joined;
    } finally {
      ref.close();
      a.close();
    }
  }

  test("Last-Event-ID resumes with no gap and no duplicate", async () => {
    await resumeCase("");
  });

  test("Last-Event-ID with a filter replays only matching ticks, with no gap", async () => {
    const joined = await resumeCase("?symbols=IBM,SPX");
    assert.deepEqual([...new Set(joined.map((e) => e.json.symbol))].filter((x) => x !== "IBM" && x !== "SPX"), []);
  });

  test("shuts down cleanly on SIGTERM: exit status 0, no sanitizer report", async () => {
    const code = await stack.server.stop("SIGTERM");
    assert.equal(code, 0, `server exit status ${code}\n${stack.server.tail()}`);
    assert.equal(stack.server.sanitizerReport(), null);
  });
});
