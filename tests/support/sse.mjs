// A minimal Server-Sent Events client over node:http, for tests: parses id/event/data/retry
// fields and comment lines as the HTML spec says, keeps every event, supports Last-Event-ID on
// connect and abort at any time. No automatic reconnection: tests reconnect explicitly.
import { EventEmitter } from "node:events";
import http from "node:http";

export class SseStream extends EventEmitter {
  constructor() {
    super();
    this.events = [];
    this.comments = [];
    this.lastEventId = "";
    this.retry = undefined;
    this.status = undefined;
    this.headers = undefined;
    this.body = ""; // the body of a non-200 answer
    this.closed = false;
    this.error = undefined;
    this._buf = "";
    this._data = [];
    this._event = "";
    this._id = undefined;
    this.ended = new Promise((r) => this.once("close", r));
  }

  _feed(text) {
    this._buf += text;
    for (;;) {
      const m = /\r\n|\r|\n/.exec(this._buf);
      if (!m) break;
      // A lone \r at the very end may be the first half of \r\n: wait for more.
      if (m[0] === "\r" && m.index === this._buf.length - 1) break;
      const line = this._buf.slice(0, m.index);
      this._buf = this._buf.slice(m.index + m[0].length);
      this._line(line);
    }
  }

  _line(line) {
    if (line === "") return this._dispatch();
    if (line.startsWith(":")) {
      const c = line.slice(1).replace(/^ /, "");
      this.comments.push(c);
      this.emit("comment", c);
      return;
    }
    const colon = line.indexOf(":");
    const field = colon === -1 ? line : line.slice(0, colon);
    const value = colon === -1 ? "" : line.slice(colon + 1).replace(/^ /, "");
    switch (field) {
      case "event":
        this._event = value;
        break;
      case "data":
        this._data.push(value);
        break;
      case "id":
        if (!value.includes("\0")) this._id = value;
        break;
      case "retry":
        if (/^\d+$/.test(value)) this.retry = Number(value);
        break;
      default:
        break; // ignored, as the spec says
    }
  }

  _dispatch() {
    if (this._id !== undefined) this.lastEventId = this._id;
    const hadData = this._data.length > 0;
    const ev = {
      id: this._id,
      lastEventId: this.lastEventId,
      event: this._event || "message",
      data: this._data.join("\n"),
      receivedAt: Date.now(),
    };
    this._data = [];
    this._event = "";
    this._id = undefined;
    if (!hadData) return;
    try {
      ev.json = JSON.parse(ev.data);
    } catch {
      ev.json = undefined;
    }
    this.events.push(ev);
    this.emit("event", ev);
  }

  // Events of type `type` (default "tick").
  ofType(type = "tick") {
    return this.events.filter((e) => e.event === type);
  }

  // Resolves with the events list once pred(events) is true; rejects on timeout or close.
  waitFor(pred, { timeout = 10_000, message = "SSE condition" } = {}) {
    if (pred(this.events)) return Promise.resolve(this.events);
    return new Promise((resolve, reject) => {
      const done = (fn, v) => {
        clearTimeout(timer);
        this.off("event", onEvent);
        this.off("close", onClose);
        fn(v);
      };
      const onEvent = () => {
        if (pred(this.events)) done(resolve, this.events);
      };
      const onClose = () => done(reject, new Error(`stream closed while waiting for ${message} (${this.events.length} events)`));
      const timer = setTimeout(() => done(reject, new Error(`timed out after ${timeout} ms waiting for ${message} (${this.events.length} events)`)), timeout);
      this.on("event", onEvent);
      this.on("close", onClose);
    });
  }

  // Waits until at least n events of `type` arrived.
  waitForCount(n, { type = "tick", timeout = 10_000 } = {}) {
    return this.waitFor((evs) => evs.filter((e) => e.event === type).length >= n, {
      timeout,
      message: `${n} '${type}' events`,
    });
  }

  close() {
    if (this._req && !this.closed) this._req.destroy();
  }

  _closed(err) {
    if (this.closed) return;
    this.closed = true;
    if (err) this.error = err;
    this.emit("close", err);
  }
}

// Opens `url`. Resolves once the response headers arrived (for a non-200 answer, once the whole
// body arrived: see stream.status / stream.body). opts: { lastEventId, headers, timeout }.
export function openStream(url, { lastEventId, headers = {}, timeout = 15_000 } = {}) {
  const u = new URL(url);
  const stream = new SseStream();
  return new Promise((resolve, reject) => {
    const hdrs = { accept: "text/event-stream", "cache-control": "no-cache", ...headers };
    if (lastEventId !== undefined && lastEventId !== null) hdrs["last-event-id"] = String(lastEventId);
    const req = http.request({ host: u.hostname, port: u.port, path: u.pathname + u.search, method: "GET", headers: hdrs, agent: false });
    stream._req = req;
    const connectTimer = setTimeout(() => req.destroy(new Error(`no response from ${url} within ${timeout} ms`)), timeout);
    req.on("response", (res) => {
      clearTimeout(connectTimer);
      stream.status = res.statusCode;
      stream.headers = res.headers;
      res.setEncoding("utf8");
      if (res.statusCode !== 200) {
        res.on("data", (c) => (stream.body += c));
        res.on("end", () => {
          stream._closed();
          resolve(stream);
        });
        res.on("error", () => {
          stream._closed();
          resolve(stream);
        });
        return;
      }
      res.on("data", (c) => stream._feed(c));
      res.on("end", () => stream._closed());
      res.on("error", (err) => stream._closed(err));
      res.on("close", () => stream._closed());
      resolve(stream);
    });
    req.on("error", (err) => {
      clearTimeout(connectTimer);
      if (stream.status === undefined) reject(err);
      else stream._closed(err);
    });
    req.end();
  });
}
