// The stream's edges: the cap on concurrent streams (503 with Retry-After, and room again once a
// stream closes), heartbeat comments on a quiet stream, a `reset` event for a Last-Event-ID older
// than the replay ring, and a filter naming an unknown symbol.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { startStack } from "../support/stack.mjs";
import { openStream } from "../support/sse.mjs";
import { sleep } from "../support/util.mjs";

describe("SSE limits", { timeout: 120_000 }, () => {
  let stack;
  let url;
  before(async () => {
    stack = await startStack({
      env: {
        MARKETSIM_TICK_INTERVAL: "100ms",
        MARKETSIM_REPLAY_DAY: "3s",
        MARKETSIM_MAX_STREAMS: "2",
        MARKETSIM_REPLAY_RING: "16",
        MARKETSIM_HEARTBEAT: "300ms",
        // GOOG has no ticks before its 2004 listing: a stream filtered to it stays quiet.
        MARKETSIM_REPLAY_START: "2000-01-03",
      },
    });
    url = stack.url;
  });
  after(async () => {
    await stack?.stop();
  });

  test("beyond the stream cap → 503 too_many_streams with Retry-After; a closed stream frees a slot", async () => {
    const a = await openStream(`${url}/api/stream`);
    const b = await openStream(`${url}/api/stream`);
    try {
      assert.equal(a.status, 200);
      assert.equal(b.status, 200);
      const c = await openStream(`${url}/api/stream`);
      c.close();
      assert.equal(c.status, 503);
      assert.equal(c.headers["retry-after"], "5");
      assert.equal(JSON.parse(c.body).code, "too_many_streams");
      a.close();
      // The server notices the closed stream on its next write (ticks every 100 ms).
      let d;
      for (let i = 0; i < 30; i++) {
        await sleep(100);
        d = await openStream(`${url}/api/stream`);
        if (d.status === 200) break;
        d.close();
      }
      assert.equal(d.status, 200, "no slot freed after a stream closed");
      d.close();
    } finally {
      a.close();
      b.close();
      // Let the server notice the closed streams before the next test opens its own.
      await sleep(500);
    }
  });

  test("a Last-Event-ID older than the replay ring gets a reset event, then live ticks", async () => {
    const first = await openStream(`${url}/api/stream`);
    assert.equal(first.status, 200);
    await first.waitForCount(40, { timeout: 20_000 });
    first.close();
    await sleep(300);
    const s = await openStream(`${url}/api/stream`, { lastEventId: "1" });
    try {
      assert.equal(s.status, 200);
      await s.waitForCount(3, { timeout: 10_000 });
      const resets = s.ofType("reset");
      assert.equal(resets.length, 1, "expected exactly one reset event");
      assert.equal(JSON.parse(resets[0].data).reason, "too_far_behind");
      assert.ok(s.events.indexOf(resets[0]) === 0, "the reset must come before any tick");
    } finally {
      s.close();
    }
    await sleep(300);
  });

  test("a quiet stream gets heartbeat comments", async () => {
    const s = await openStream(`${url}/api/stream?symbols=GOOG`);
    try {
      assert.equal(s.status, 200);
      await sleep(1500);
      assert.equal(s.ofType("tick").length, 0, "GOOG ticked before its listing");
      assert.ok(s.comments.some((c) => /heartbeat/.test(c)), `no heartbeat in ${JSON.stringify(s.comments)}`);
    } finally {
      s.close();
    }
    await sleep(300);
  });

  test("a filter naming an unknown symbol → 404 not_found, no stream", async () => {
    const s = await openStream(`${url}/api/stream?symbols=AAPL,NOPE`);
    s.close();
    assert.equal(s.status, 404);
    assert.equal(JSON.parse(s.body).code, "not_found");
  });
});
