// HTTP behaviour common to every route: JSON errors for unknown paths and wrong methods, body
// and header limits, request ids, security headers, and static files without path traversal.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { get, rawRequest, request } from "../support/http.mjs";
import { startStack } from "../support/stack.mjs";

const INLINE_SCRIPT = "self.itBoot = 1;";

function assertJsonError(res, status, code) {
  assert.equal(res.status, status, `expected ${status}, got ${res.status}: ${res.body.slice(0, 300)}`);
  assert.match(res.headers["content-type"] ?? "", /application\/json/, "error is not JSON");
  assert.ok(res.json, `error body is not JSON: ${res.body.slice(0, 300)}`);
  if (code) assert.equal(res.json.code, code);
  assert.equal(typeof res.json.message, "string");
}

describe("HTTP layer", { timeout: 180_000 }, () => {
  let stack;
  let url;
  let webRoot;
  before(async () => {
    // A web root of our own, so static serving is tested without building the web app.
    webRoot = mkdtempSync(join(tmpdir(), "marketsim-webroot-"));
    writeFileSync(join(webRoot, "index.html"), `<!doctype html><title>it-index</title><p>it-index</p><script>${INLINE_SCRIPT}</script><script src="/_next/app.js"></script>\n`);
    mkdirSync(join(webRoot, "_next"));
    writeFileSync(join(webRoot, "_next", "app.js"), "console.log('it-js');\n");
    stack = await startStack({ env: { MARKETSIM_WEB_ROOT: webRoot } });
    url = stack.url;
  });
  after(async () => {
    await stack?.stop();
    rmSync(webRoot, { recursive: true, force: true });
  });

  test("unknown API path → 404 JSON not_found", async () => {
    assertJsonError(await get(`${url}/api/no-such-thing`), 404, "not_found");
    assertJsonError(await get(`${url}/api/stocks/AAPL/no-such-thing`), 404, "not_found");
  });

  test("wrong method → 405 method_not_allowed with Allow", async () => {
    const res = await request(`${url}/api/stocks`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
    assertJsonError(res, 405, "method_not_allowed");
    assert.ok(res.headers.allow, "no Allow header");
    assert.match(res.headers.allow, /\bGET\b/);
    const del = await request(`${url}/api/stocks/AAPL`, { method: "DELETE" });
    assertJsonError(del, 405, "method_not_allowed");
    assert.match(del.headers.allow ?? "", /\bGET\b/);
  });

  test("a 2 MiB body → 413 payload_too_large (Content-Length and chunked)", async () => {
    const sized = await rawRequest(`${url}/api/stocks`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      bodySize: 2 << 20,
    });
    assertJsonError(sized, 413, "payload_too_large");
    const chunked = await rawRequest(`${url}/api/no-such-thing`, {
      method: "POST",
      headers: { "content-type": "application/octet-stream" },
      bodySize: 2 << 20,
      chunked: true,
    });
    assertJsonError(chunked, 413, "payload_too_large");
    // The server is still fine afterwards.
    assert.equal((await get(`${url}/healthz`)).status, 200);
  });

  test("headers over 16 KiB → 431 headers_too_large", async () => {
    const res = await rawRequest(`${url}/api/stocks`, { method: "GET", headers: { "x-padding": "a".repeat(20 << 10) } });
    assertJsonError(res, 431, "headers_too_large");
    const many = {};
    for (let i = 0; i < 200; i++) many[`x-h${i}`] = "b".repeat(100);
    assert.equal((await rawRequest(`${url}/api/stocks`, { method: "GET", headers: many })).status, 431);
    assert.equal((await get(`${url}/healthz`)).status, 200);
  });

  test("X-Request-Id is echoed when sent and generated otherwise", async () => {
    const sent = await get(`${url}/healthz`, { headers: { "x-request-id": "it-req-0123456789" } });
    assert.equal(sent.headers["x-request-id"], "it-req-0123456789");
    const a = await get(`${url}/healthz`);
    const b = await get(`${url}/healthz`);
    assert.ok(a.headers["x-request-id"], "no generated X-Request-Id");
    assert.ok(b.headers["x-request-id"], "no generated X-Request-Id");
    assert.notEqual(a.headers["x-request-id"], b.headers["x-request-id"], "generated request ids repeat");
    const err = await get(`${url}/api/stocks/ZZZZZ`, { headers: { "x-request-id": "it-req-err" } });
    assert.equal(err.status, 404);
    assert.equal(err.headers["x-request-id"], "it-req-err");
    assert.equal(err.json?.request_id, "it-req-err");
  });

  test("security headers on API, error and static responses", async () => {
    for (const path of ["/healthz", "/api/stocks", "/api/no-such-thing", "/"]) {
      const res = await get(`${url}${path}`);
      assert.equal(res.headers["x-content-type-options"], "nosniff", `${path}: X-Content-Type-Options`);
      assert.ok(res.headers["content-security-policy"], `${path}: no Content-Security-Policy`);
      assert.ok(res.headers["referrer-policy"], `${path}: no Referrer-Policy`);
      assert.equal(res.headers["server"], undefined, `${path}: Server header discloses the software`);
      assert.match(res.headers["content-security-policy"], /frame-ancestors 'none'/);
    }
  });

  test("a page's CSP allows exactly its own inline scripts by hash, never 'unsafe-inline'", async () => {
    const page = await get(`${url}/`);
    const csp = page.headers["content-security-policy"];
    const scriptSrc = csp.split(";").map((d) => d.trim()).find((d) => d.startsWith("script-src"));
    assert.ok(scriptSrc, csp);
    assert.ok(!scriptSrc.includes("unsafe-inline"), scriptSrc);
    const hash = createHash("sha256").update(INLINE_SCRIPT).digest("base64");
    assert.ok(scriptSrc.includes(`'sha256-${hash}'`), `${scriptSrc} lacks the inline script's hash`);
    assert.equal(scriptSrc.match(/sha256-/g).length, 1, "only the inline script is hashed");
    const api = await get(`${url}/api/stocks`);
    assert.ok(!/script-src[^;]*unsafe-inline/.test(api.headers["content-security-policy"]));
  });

  test("static files are served from the web root, and never from outside it", async () => {
    const index = await get(`${url}/`);
    assert.equal(index.status, 200);
    assert.match(index.headers["content-type"] ?? "", /text\/html/);
    assert.match(index.body, /it-index/);
    const js = await get(`${url}/_next/app.js`);
    assert.equal(js.status, 200);
    assert.match(js.headers["content-type"] ?? "", /javascript/);
    for (const path of ["/../../../../etc/passwd", "/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd", "/_next/..%2f..%2f..%2f..%2f..%2fetc/passwd", "/..\\..\\..\\etc\\passwd"]) {
      const res = await request(url, { path });
      assert.doesNotMatch(res.body, /root:.*:0:0:/, `${path} leaked /etc/passwd`);
      assert.ok(res.status >= 400 || /it-index/.test(res.body), `${path}: status ${res.status}`);
    }
  });

  test("shuts down cleanly on SIGTERM: exit status 0, no sanitizer report", async () => {
    const code = await stack.server.stop("SIGTERM");
    assert.equal(code, 0, `server exit status ${code}\n${stack.server.tail()}`);
    assert.equal(stack.server.sanitizerReport(), null);
  });
});
