// HTTP requests over node:http with full control of method, headers and body (fetch hides some
// of what the tests look at: raw paths, oversized bodies on a server that stops reading, etc.).
import http from "node:http";
import net from "node:net";

// request(url, { method, headers, body, path, timeout }) → { status, headers, body, json }.
// `body` may be a string/Buffer, or { size, chunk, chunked } to stream `size` bytes without
// holding them in memory. Writing stops as soon as the response arrives, and a connection reset
// after the response is not an error (a server may close instead of reading a rejected body).
// `path` overrides the URL's path verbatim (no normalisation), for traversal tests.
export function request(url, { method = "GET", headers = {}, body, path, timeout = 15_000 } = {}) {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    let gotResponse = false;
    let settled = false;
    const finish = (fn, v) => {
      if (!settled) {
        settled = true;
        fn(v);
      }
    };
    const hdrs = { ...headers };
    const streamed = body && typeof body === "object" && !Buffer.isBuffer(body) && "size" in body;
    if (streamed && !body.chunked) hdrs["content-length"] = String(body.size);
    if (streamed && body.chunked) hdrs["transfer-encoding"] = "chunked";
    const req = http.request(
      {
        host: u.hostname,
        port: u.port,
        method,
        path: path ?? u.pathname + u.search,
        headers: hdrs,
        agent: false,
        timeout,
        insecureHTTPParser: false,
      },
      (res) => {
        gotResponse = true;
        const chunks = [];
        res.on("data", (c) => chunks.push(c));
        res.on("error", (err) => finish(reject, err));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          let json;
          if (/json/.test(res.headers["content-type"] ?? "")) {
            try {
              json = JSON.parse(text);
            } catch {
              json = undefined;
            }
          }
          finish(resolve, { status: res.statusCode, headers: res.headers, body: text, json });
          req.destroy();
        });
      },
    );
    req.on("timeout", () => req.destroy(new Error(`request timed out after ${timeout} ms: ${method} ${url}`)));
    req.on("error", (err) => {
      if (!gotResponse) finish(reject, new Error(`${method} ${url}: ${err.code ?? ""} ${err.message}`));
    });
    if (streamed) {
      const chunk = Buffer.alloc(Math.min(body.chunk ?? 64 << 10, body.size), body.fill ?? "a");
      let left = body.size;
      const pump = () => {
        while (left > 0 && !gotResponse && !req.destroyed) {
          const n = Math.min(left, chunk.length);
          left -= n;
          if (!req.write(n === chunk.length ? chunk : chunk.subarray(0, n))) {
            req.once("drain", pump);
            return;
          }
        }
        if (left === 0 && !req.destroyed) req.end();
      };
      pump();
    } else {
      req.end(body);
    }
  });
}

export const get = (url, opts = {}) => request(url, { ...opts, method: "GET" });

// GET that also asserts a JSON body came back; returns the response.
export async function getJson(url, opts = {}) {
  const res = await get(url, opts);
  if (res.json === undefined) throw new Error(`GET ${url}: expected JSON, got ${res.status} ${res.headers["content-type"]}: ${res.body.slice(0, 200)}`);
  return res;
}

// A request written straight to a TCP socket, reading the answer while writing: for limits
// tests, where the server may answer and close before the client has finished sending (node's
// http client then reports EPIPE and drops the answer). opts: { method, path, headers, bodySize,
// chunked, headerPauseMs, timeout }. Resolves { status, headers, body, json } from the first response.
export function rawRequest(url, { method = "POST", path, headers = {}, bodySize = 0, chunked = false, headerPauseMs = 200, timeout = 15_000 } = {}) {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host: u.hostname, port: Number(u.port) });
    let received = Buffer.alloc(0);
    let settled = false;
    const finish = (fn, v) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      sock.destroy();
      fn(v);
    };
    const timer = setTimeout(() => finish(reject, new Error(`no complete response within ${timeout} ms (got ${received.length} bytes)`)), timeout);
    const tryParse = (final) => {
      const headEnd = received.indexOf("\r\n\r\n");
      if (headEnd === -1) return final ? finish(reject, new Error(`connection closed without a response (${received.length} bytes)`)) : undefined;
      const lines = received.subarray(0, headEnd).toString("latin1").split("\r\n");
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(lines[0]);
      if (!m) return finish(reject, new Error(`bad status line: ${lines[0]}`));
      const hdrs = {};
      for (const l of lines.slice(1)) {
        const i = l.indexOf(":");
        if (i > 0) hdrs[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
      }
      let body = received.subarray(headEnd + 4);
      const len = hdrs["content-length"];
      if (len !== undefined) {
        if (body.length < Number(len)) return final ? finish(reject, new Error("response body cut short")) : undefined;
        body = body.subarray(0, Number(len));
      } else if (/chunked/i.test(hdrs["transfer-encoding"] ?? "")) {
        const text = body.toString("latin1");
        if (!/(^|\r\n)0\r\n\r\n$/.test(text) && !final) return undefined;
        let out = "";
        let rest = text;
        for (;;) {
          const i = rest.indexOf("\r\n");
          const n = parseInt(rest.slice(0, i), 16);
          if (!n) break;
          out += rest.slice(i + 2, i + 2 + n);
          rest = rest.slice(i + 4 + n);
        }
        body = Buffer.from(out, "latin1");
      } else if (!final) {
        return undefined; // close-delimited
      }
      const text = body.toString("utf8");
      let json;
      try {
        json = JSON.parse(text);
      } catch {
        json = undefined;
      }
      finish(resolve, { status: Number(m[1]), headers: hdrs, body: text, json });
    };
    sock.on("data", (c) => {
      received = Buffer.concat([received, c]);
      tryParse(false);
    });
    sock.on("end", () => tryParse(true));
    sock.on("close", () => tryParse(true));
    sock.on("error", () => {
      // EPIPE/ECONNRESET while writing: keep what was received; 'close' follows.
    });
    sock.on("connect", () => {
      const hdrs = { host: u.host, connection: "close", ...headers };
      if (bodySize && !chunked) hdrs["content-length"] = String(bodySize);
      if (bodySize && chunked) hdrs["transfer-encoding"] = "chunked";
      const head = `${method} ${path ?? u.pathname + u.search} HTTP/1.1\r\n${Object.entries(hdrs).map(([k, v]) => `${k}: ${v}`).join("\r\n")}\r\n\r\n`;
      sock.write(head);
      // Give the server a moment to answer from the headers alone (as with Expect: 100-continue)
      // before sending the body: a server that rejects on Content-Length closes at once, and node
      // drops unread response bytes when a later write fails with EPIPE (curl reads them).
      const chunk = Buffer.alloc(64 << 10, "a");
      let left = bodySize;
      const pump = () => {
        while (left > 0 && !settled && !sock.destroyed) {
          const n = Math.min(left, chunk.length);
          left -= n;
          const piece = chunk.subarray(0, n);
          const data = chunked ? Buffer.concat([Buffer.from(`${n.toString(16)}\r\n`), piece, Buffer.from("\r\n")]) : piece;
          if (!sock.write(data)) return void sock.once("drain", pump);
        }
        if (left === 0 && chunked && !settled && !sock.destroyed) sock.write("0\r\n\r\n");
      };
      if (bodySize) setTimeout(pump, headerPauseMs);
    });
  });
}
