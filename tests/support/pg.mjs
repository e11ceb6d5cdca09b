// A throwaway PostgreSQL 15 cluster for one test process: initdb into a fresh temp dir, unix
// socket in that dir only, a random free port number, fsync off. When the process runs as root,
// initdb and postgres run as the unprivileged `postgres` account (PostgreSQL refuses root).
// Every cluster started here is stopped and deleted when the process exits, however it exits.
import { execFile, execFileSync, spawn } from "node:child_process";
import { appendFileSync, chownSync, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import net from "node:net";
import { promisify } from "node:util";
import { destroyAtExit, forgetAtExit } from "./process.mjs";

const execFileP = promisify(execFile);
const PG_BIN = process.env.PG_BIN ?? "/usr/lib/postgresql/15/bin";
const isRoot = process.getuid?.() === 0;

function pgUser() {
  const line = readFileSync("/etc/passwd", "utf8").split("\n").find((l) => l.startsWith("postgres:"));
  if (!line) throw new Error("no `postgres` OS account: install the postgresql-15 package");
  const [, , uid, gid] = line.split(":");
  return { uid: Number(uid), gid: Number(gid) };
}

// Runs a PostgreSQL binary as the cluster's owner.
function ownerCmd(bin, args) {
  const path = join(PG_BIN, bin);
  return isRoot ? ["runuser", ["-u", "postgres", "--", path, ...args]] : [path, args];
}

async function runOwner(bin, args, opts = {}) {
  const [cmd, argv] = ownerCmd(bin, args);
  return execFileP(cmd, argv, { timeout: 120_000, ...opts });
}

export async function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

// Minimal RFC 4180 reader for psql --csv output. psql is told to print NULL as an unquoted \N
// (it prints an empty string as an empty field), so the two stay distinct: null vs "".
const NULL_MARK = "\\N";
const cell = (field, quoted) => (!quoted && field === NULL_MARK ? null : field);

export function parseCsv(text) {
  const rows = [];
  let row = [];
  let i = 0;
  let field = "";
  let quoted = false;
  let any = false;
  while (i < text.length) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
        i++;
        continue;
      }
      field += ch;
      i++;
      continue;
    }
    if (ch === '"') {
      quoted = true;
      any = true;
      i++;
    } else if (ch === ",") {
      row.push(cell(field, any));
      field = "";
      any = false;
      i++;
    } else if (ch === "\n" || ch === "\r") {
      row.push(cell(field, any));
      rows.push(row);
      row = [];
      field = "";
      any = false;
      i += ch === "\r" && text[i + 1] === "\n" ? 2 : 1;
    } else {
      field += ch;
      i++;
    }
  }
  if (field !== "" || any || row.length) {
    row.push(cell(field, any));
    rows.push(row);
  }
  return rows;
}

class Cluster {
  constructor(dir, port) {
    this.dir = dir;
    this.port = port;
    this.url = `postgresql://marketsim@/marketsim?host=${encodeURIComponent(dir).replaceAll("%2F", "/")}&port=${port}`;
    this.running = false;
  }

  get logFile() {
    return join(this.dir, "postgres.log");
  }

  log() {
    return existsSync(this.logFile) ? readFileSync(this.logFile, "utf8") : "";
  }

  // Starts (or restarts after pause) the server; resolves once it accepts connections.
  async start() {
    if (this.running) return;
    try {
      await runOwner("pg_ctl", ["start", "-D", this.dir, "-w", "-t", "60", "-l", this.logFile, "-o", `-k '${this.dir}'`]);
    } catch (err) {
      throw new Error(`PostgreSQL did not start: ${err.message}\n${this.log().slice(-3000)}`);
    }
    this.running = true;
  }

  // Stops the server, keeping the data (an outage as the application sees it).
  async pause(mode = "fast") {
    if (!this.running) return;
    await runOwner("pg_ctl", ["stop", "-D", this.dir, "-m", mode, "-w", "-t", "60"]);
    this.running = false;
  }

  resume() {
    return this.start();
  }

  async restart() {
    await this.pause();
    await this.start();
  }

  // Runs SQL through psql as the postgres superuser over the socket. Returns the rows of the
  // last statement as objects keyed by column name, values as strings (null for NULL).
  async psql(sql, { db = "marketsim" } = {}) {
    return psqlRows({ host: this.dir, port: this.port, user: "postgres", db }, sql);
  }

  // An open psql session as the superuser that keeps its transaction between calls, so a test
  // can hold a lock while the server works: `run(sql)` resolves with psql's output lines once
  // the statements ran; `close()` ends the session (an open transaction rolls back).
  session({ db = "marketsim" } = {}) {
    const child = spawn(
      join(PG_BIN, "psql"),
      ["-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h", this.dir, "-p", String(this.port), "-U", "postgres", "-d", db],
      { stdio: ["pipe", "pipe", "pipe"] },
    );
    let out = "";
    let err = "";
    let waiting = null;
    let n = 0;
    const settle = () => {
      if (!waiting) return;
      const at = out.indexOf(waiting.mark);
      if (at >= 0) {
        const lines = out.slice(0, at).split("\n").filter((l) => l !== "");
        out = out.slice(at + waiting.mark.length);
        const { resolve } = waiting;
        waiting = null;
        resolve(lines);
      }
    };
    child.stdout.on("data", (d) => {
      out += d;
      settle();
    });
    child.stderr.on("data", (d) => {
      err += d;
    });
    child.on("exit", () => {
      if (waiting) waiting.reject(new Error(`psql session ended: ${err}`));
      waiting = null;
    });
    return {
      run(sql) {
        n += 1;
        const mark = `__session_mark_${n}__`;
        return new Promise((resolve, reject) => {
          waiting = { mark, resolve, reject };
          child.stdin.write(`${sql};\nselect '${mark}';\n`);
        });
      },
      close() {
        return new Promise((resolve) => {
          if (child.exitCode !== null) return resolve();
          child.on("exit", () => resolve());
          child.stdin.end();
        });
      },
    };
  }

  // Stops the server and deletes the cluster.
  async stop() {
    forgetAtExit(this);
    try {
      await this.pause("fast");
    } catch {
      this.destroySync();
      return;
    }
    rmSync(this.dir, { recursive: true, force: true });
  }

  destroySync() {
    forgetAtExit(this);
    if (this.running) {
      try {
        const [cmd, argv] = ownerCmd("pg_ctl", ["stop", "-D", this.dir, "-m", "immediate", "-w", "-t", "30"]);
        execFileSync(cmd, argv, { stdio: "ignore" });
      } catch {
        // Already gone.
      }
      this.running = false;
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

// Creates and starts a cluster with role and database `marketsim`. Returns the Cluster:
// { url, dir, port, psql(sql), pause(), start(), resume(), restart(), stop(), log() }.
// Runs SQL through psql on the cluster at host (a socket directory) and port, as user. Returns
// the rows of the last statement as objects keyed by column name, values as strings (null for
// NULL). Shared by the test clusters (Postgres.psql) and the bench programs, whose cluster the
// bench script starts.
export async function psqlRows({ host, port, user, db = "marketsim" }, sql) {
  const { stdout } = await execFileP(
    join(PG_BIN, "psql"),
    ["-X", "-q", "--csv", "-P", `null=${NULL_MARK}`, "-v", "ON_ERROR_STOP=1", "-h", host, "-p", String(port), "-U", user, "-d", db, "-c", sql],
    { timeout: 60_000, maxBuffer: 256 << 20 },
  ).catch((err) => {
    throw new Error(`psql failed: ${err.stderr || err.message}\nSQL: ${sql}`);
  });
  const rows = parseCsv(stdout);
  if (rows.length === 0) return [];
  const [header, ...body] = rows;
  return body.map((r) => Object.fromEntries(header.map((h, i) => [h, r[i] ?? null])));
}

export async function startPostgres({ settings = {} } = {}) {
  const dir = mkdtempSync(join(tmpdir(), "marketsim-pg-"));
  const port = await freePort();
  const cluster = new Cluster(dir, port);
  destroyAtExit(cluster, () => cluster.destroySync());
  try {
    if (isRoot) {
      const { uid, gid } = pgUser();
      chownSync(dir, uid, gid);
    }
    await runOwner("initdb", ["-D", dir, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync", "--no-instructions"]).catch(
      (err) => {
        throw new Error(`initdb failed: ${err.stderr || err.message}`);
      },
    );
    const conf = {
      listen_addresses: "''",
      port: String(port),
      unix_socket_permissions: "0700",
      fsync: "off",
      synchronous_commit: "off",
      full_page_writes: "off",
      shared_buffers: "64MB",
      max_connections: "60",
      log_min_messages: "warning",
      ...settings,
    };
    const text = "\n# throwaway test cluster\n" + Object.entries(conf).map(([k, v]) => `${k} = ${v}`).join("\n") + "\n";
    // postgresql.conf belongs to the postgres account; root may append to it all the same.
    appendFileSync(join(dir, "postgresql.conf"), text);
    await cluster.start();
    await cluster.psql("CREATE ROLE marketsim LOGIN", { db: "postgres" });
    await cluster.psql("CREATE DATABASE marketsim OWNER marketsim", { db: "postgres" });
  } catch (err) {
    cluster.destroySync();
    throw err;
  }
  return cluster;
}

