// Deeply nested JSON (8,000 levels of arrays, and of objects) sent to every route that reads a
// JSON body gets 400 invalid_json, and the server stays up. The routes come from the server's
// own table (GET /api/test/routes), so a new route is covered the day it is registered: a route
// reads a JSON body when a text/plain body gets 415 unsupported_media_type. Requests come from
// a signed-in admin with the CSRF token, so the guard lets every one through to its handler;
// path parameters name nothing that exists, so probing a route without a body changes nothing
// that matters (a sign-out is undone by signing in again).
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import { makeAdmin } from "../support/accounts.mjs";
import { get } from "../support/http.mjs";
import { suiteStack } from "../support/stack.mjs";

const DEPTH = 8000;
const deepArray = "[".repeat(DEPTH) + "]".repeat(DEPTH);
const deepObject = '{"a":'.repeat(DEPTH) + "1" + "}".repeat(DEPTH);

describe("deeply nested JSON bodies", { timeout: 300_000 }, () => {
  const stack = suiteStack();
  let admin;
  let jsonRoutes;

  before(async () => {
    admin = await makeAdmin(stack.server, stack.pg);
  });

  // "/api/admin/users/{id}/role" → "/api/admin/users/999999999/role": nothing by that id.
  const concrete = (path) =>
    path.replace(/\{symbol\}/g, "ZZZZ").replace(/\{[a-z_]+\}/g, "999999999");

  async function stillSignedIn() {
    const me = await admin.me();
    if (me.user) return;
    const again = await admin.login(admin.identity.email, admin.identity.password);
    assert.equal(again.status, 200, again.body);
  }

  async function send(method, path, raw, type = "application/json") {
    const r = await admin.send(method, path, { raw, headers: { "content-type": type } });
    await stillSignedIn();
    return r;
  }

  test("the routes that read a JSON body are found from the route table", async (t) => {
    const table = await get(`${stack.url}/api/test/routes`);
    assert.equal(table.status, 200, table.body);
    const routes = JSON.parse(table.body);
    assert.ok(routes.length > 40, `only ${routes.length} routes listed`);
    jsonRoutes = [];
    for (const { method, path } of routes) {
      if (!["POST", "PUT", "PATCH", "DELETE"].includes(method)) continue;
      const r = await send(method, concrete(path), "x", "text/plain");
      if (r.status === 415) {
        assert.equal(r.json?.code, "unsupported_media_type", `${method} ${path}: ${r.body}`);
        jsonRoutes.push({ method, path: concrete(path) });
      }
    }
    const found = jsonRoutes.map((r) => `${r.method} ${r.path}`);
    t.diagnostic(`${found.length} routes read a JSON body: ${found.join(", ")}`);
    for (const known of [
      "POST /v2/orders",
      "PATCH /v2/orders/999999999",
      "POST /api/auth/register",
      "POST /api/auth/login",
      "POST /api/auth/password",
      "PATCH /api/account/profile",
      "POST /v2/watchlists",
      "PUT /v2/watchlists/999999999",
      "POST /api/errors",
      "POST /api/admin/users/999999999/role",
      "POST /api/account/keys",
    ]) {
      assert.ok(found.includes(known), `${known} not found among ${found.join(", ")}`);
    }
  });

  test("8,000 levels of arrays: 400 invalid_json on every one", async () => {
    assert.ok(jsonRoutes?.length, "no JSON routes (the discovery test failed)");
    for (const { method, path } of jsonRoutes) {
      const r = await send(method, path, deepArray);
      assert.equal(r.status, 400, `${method} ${path}: ${r.body.slice(0, 200)}`);
      assert.equal(r.json?.code, "invalid_json", `${method} ${path}: ${r.body.slice(0, 200)}`);
    }
  });

  test("8,000 levels of objects: 400 invalid_json (413 where a route caps its body below)", async () => {
    assert.ok(jsonRoutes?.length, "no JSON routes (the discovery test failed)");
    for (const { method, path } of jsonRoutes) {
      const r = await send(method, path, deepObject);
      const what = `${method} ${path}: ${r.status} ${r.body.slice(0, 200)}`;
      // Error reports are capped at 16 KiB, and 8,000 object levels take 40 KB.
      if (r.status === 413) {
        assert.equal(r.json?.code, "payload_too_large", what);
        assert.equal(path, "/api/errors", what);
        continue;
      }
      assert.equal(r.status, 400, what);
      assert.equal(r.json?.code, "invalid_json", what);
    }
  });

  test("the server is alive and well afterwards", async () => {
    assert.ok(stack.server.running, "the server exited");
    const health = await get(`${stack.url}/healthz`);
    assert.equal(health.status, 200, health.body);
    const me = await admin.me();
    assert.equal(me.user?.user_tag, admin.identity.user_tag);
    const account = await admin.get("/v2/account");
    assert.equal(account.status, 200, account.body);
  });
});
