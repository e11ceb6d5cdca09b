// One throwaway PostgreSQL plus one marketsim on it: what most integration test files need,
// started by hand or for the whole of a describe(), and stopped with a clean exit asserted.
import assert from "node:assert/strict";
import { after, before } from "node:test";
import { startPostgres } from "./pg.mjs";
import { startServer } from "./server.mjs";

// startStack({ env }) → { pg, server, url, stop() }. stop() SIGTERMs the server and resolves
// with its exit status, then deletes the cluster.
export async function startStack({ env = {}, pgSettings } = {}) {
  const pg = await startPostgres({ settings: pgSettings });
  let server;
  try {
    server = await startServer({ pg, env });
  } catch (err) {
    await pg.stop();
    throw err;
  }
  return {
    pg,
    server,
    url: server.url,
    async stop() {
      try {
        return server.running ? await server.stop("SIGTERM") : server.exitCode;
      } finally {
        await pg.stop();
      }
    },
  };
}

// Stops `stack` (if it started) and asserts a clean exit: status 0 and no sanitizer report. A
// server that died during the tests fails here too, with its exit status.
export async function stopCleanly(stack) {
  if (!stack) return;
  const code = await stack.stop();
  assert.equal(code, 0, `server exit status ${code}\n${stack.server.tail(120)}`);
  assert.equal(stack.server.sanitizerReport(), null);
}

// Call inside a describe(): a stack started before its tests and stopped cleanly after them
// (stopCleanly). Returns an object that has pg, server, url and stop() once the stack is up,
// so the tests (and hooks registered after this call) read them from it.
export function suiteStack(options = {}) {
  const stack = {};
  let started = false;
  before(async () => {
    Object.assign(stack, await startStack(options));
    started = true;
  });
  after(() => stopCleanly(started ? stack : undefined));
  return stack;
}
