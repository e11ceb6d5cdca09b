// Spawns the built marketsim binary for a test: port 0 plus a port file, a private working dir
// (so no developer .env is picked up), fast ticks and flushes, absolute paths for everything.
// The binary is $MARKETSIM_BIN or build-test/marketsim (the sanitizer build scripts/test makes).
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { isAbsolute, join, resolve } from "node:path";
import { get } from "./http.mjs";
import { exitCodeOf, OwnedProcess } from "./process.mjs";
import { REPO_ROOT, sleep } from "./util.mjs";

export function serverBinary() {
  const bin = process.env.MARKETSIM_BIN ?? "build-test/marketsim";
  if (isAbsolute(bin)) return bin;
  const fromCwd = resolve(bin);
  return existsSync(fromCwd) ? fromCwd : resolve(REPO_ROOT, bin);
}

// The vega-datasets data folder: $MARKETSIM_DATA_DIR if set, else the npm package installed in
// web/ (or tests/).
export function dataDir() {
  if (process.env.MARKETSIM_DATA_DIR) return resolve(process.env.MARKETSIM_DATA_DIR);
  for (const base of ["web", "tests"]) {
    const d = join(REPO_ROOT, base, "node_modules", "vega-datasets", "data");
    if (existsSync(d)) return d;
  }
  return join(REPO_ROOT, "web", "node_modules", "vega-datasets", "data");
}

// The environment the server gets: the test process's own, minus every MARKETSIM_* key (the
// server rejects keys it does not know, and the harness's own MARKETSIM_BIN/MARKETSIM_URL are
// among them), plus test defaults, plus `overrides` (a key set to undefined or null is removed).
export function serverEnv({ databaseUrl, portFile, overrides = {} } = {}) {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("MARKETSIM_")));
  Object.assign(env, {
    MARKETSIM_DATABASE_URL: databaseUrl,
    MARKETSIM_BIND: "127.0.0.1",
    MARKETSIM_PORT: "0",
    MARKETSIM_PORT_FILE: portFile,
    // Servers run side by side (clusters): each its own metrics port unless a test picks one.
    MARKETSIM_METRICS_ADDR: "127.0.0.1:0",
    MARKETSIM_WEB_ROOT: join(REPO_ROOT, "web", "out"),
    MARKETSIM_DATA_DIR: dataDir(),
    MARKETSIM_MIGRATIONS_DIR: join(REPO_ROOT, "migrations"),
    MARKETSIM_PROVIDER: "replay",
    MARKETSIM_TICK_INTERVAL: "100ms",
    MARKETSIM_FLUSH_INTERVAL: "1s",
    MARKETSIM_REPLAY_DAY: "3s",
    MARKETSIM_SEED: "42",
    MARKETSIM_LOG_LEVEL: "info",
    // Cheap argon2id so tests that sign in many times stay fast; one test checks the upgrade
    // to the production parameters at sign-in.
    MARKETSIM_PASSWORD_HASH: "test-minimal",
    MARKETSIM_TEST_HOOKS: "1",
    // No simulated traders: tests own their market; the bots' tests turn them on.
    MARKETSIM_BOTS: "0",
    // No home feed events (a step of their own each, so a hole in price_history's ticks): the
    // feed is built once at start-up and then hourly; its tests make it change.
    MARKETSIM_FEED_INTERVAL: "1h",
    MARKETSIM_SESSION_SECRET: "test-secret-0123456789abcdef0123456789abcdef",
  });
  for (const [k, v] of Object.entries(overrides)) {
    if (v === undefined || v === null) delete env[k];
    else env[k] = String(v);
  }
  for (const k of Object.keys(env)) if (env[k] === undefined) delete env[k];
  return env;
}

const SANITIZER_RE = /^.*(ERROR: (AddressSanitizer|LeakSanitizer|ThreadSanitizer)|runtime error:|SUMMARY: (AddressSanitizer|UndefinedBehaviorSanitizer|LeakSanitizer)).*$/m;

// The first sanitizer report line in `text`, or null.
export function sanitizerReport(text) {
  const m = SANITIZER_RE.exec(text);
  return m ? m[0] : null;
}

class Server extends OwnedProcess {
  constructor(proc, workDir) {
    super(proc, workDir, { name: "server", removeDirOnExit: true });
  }

  sanitizerReport() {
    return sanitizerReport(this.output);
  }
}

// Starts the server against `databaseUrl` (or `pg`, a cluster from pg.mjs). Resolves once it
// wrote its port file and /healthz answers 200: { url, port, proc, pid, logs(), stop(signal),
// exited, sanitizerReport() }. Rejects with the server's output if it exits or times out first.
// `probe(port)` replaces the /healthz check (e.g. over TLS); it resolves true when ready.
export async function startServer({ pg, databaseUrl, env = {}, args = [], timeoutMs = 90_000, probe } = {}) {
  const bin = serverBinary();
  if (!existsSync(bin)) throw new Error(`server binary not found: ${bin} (build it, or set MARKETSIM_BIN)`);
  const workDir = mkdtempSync(join(tmpdir(), "marketsim-srv-"));
  const portFile = join(workDir, "port");
  const proc = spawn(bin, args, {
    cwd: workDir,
    env: serverEnv({ databaseUrl: databaseUrl ?? pg?.url, portFile, overrides: env }),
    stdio: ["ignore", "pipe", "pipe"],
  });
  const server = new Server(proc, workDir);

  const deadline = Date.now() + timeoutMs;
  let port;
  while (port === undefined) {
    if (!server.running) {
      throw new Error(`server exited with status ${server.exitCode} before listening\n${server.tail()}`);
    }
    if (Date.now() > deadline) {
      server.killSync();
      throw new Error(`server did not write its port file within ${timeoutMs} ms\n${server.tail()}`);
    }
    if (existsSync(portFile)) {
      const text = readFileSync(portFile, "utf8").trim();
      if (/^\d+$/.test(text) && Number(text) > 0) port = Number(text);
    }
    if (port === undefined) await sleep(50);
  }
  const url = `http://127.0.0.1:${port}`;
  const ready = probe ?? (async () => (await get(`${url}/healthz`, { timeout: 2000 })).status === 200);
  await server.waitReady(() => ready(port), {
    timeout: Math.max(5000, deadline - Date.now()),
    message: "/healthz to answer 200",
  });
  server.url = url;
  server.port = port;
  return server;
}

// Runs `marketsim <args>` (default: migrate) to completion with the test environment:
// { code, stdout, stderr, output }.
// `input` is written to its standard input (create-admin reads the password there).
export async function runServerCommand({ pg, databaseUrl, env = {}, args = ["migrate"], input, timeoutMs = 60_000 } = {}) {
  const bin = serverBinary();
  if (!existsSync(bin)) throw new Error(`server binary not found: ${bin} (build it, or set MARKETSIM_BIN)`);
  const workDir = mkdtempSync(join(tmpdir(), "marketsim-cmd-"));
  try {
    return await new Promise((resolvePromise, reject) => {
      const proc = spawn(bin, args, {
        cwd: workDir,
        env: serverEnv({ databaseUrl: databaseUrl ?? pg?.url, portFile: join(workDir, "port"), overrides: env }),
        stdio: [input === undefined ? "ignore" : "pipe", "pipe", "pipe"],
      });
      if (input !== undefined) proc.stdin.end(input);
      let stdout = "";
      let stderr = "";
      let output = "";
      proc.stdout.setEncoding("utf8").on("data", (c) => ((stdout += c), (output += c)));
      proc.stderr.setEncoding("utf8").on("data", (c) => ((stderr += c), (output += c)));
      const timer = setTimeout(() => {
        proc.kill("SIGKILL");
        reject(new Error(`marketsim ${args.join(" ")} did not finish within ${timeoutMs} ms\n${output.slice(-4000)}`));
      }, timeoutMs);
      proc.on("error", (err) => {
        clearTimeout(timer);
        reject(err);
      });
      proc.on("exit", (code, signal) => {
        clearTimeout(timer);
        resolvePromise({ code: exitCodeOf(code, signal), stdout, stderr, output });
      });
    });
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
}
