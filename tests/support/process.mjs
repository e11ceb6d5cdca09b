// What the test harness's own processes share. The hooks that end whatever the test process
// still owns when it exits, however it exits (servers, nginx, pg.mjs's clusters). And
// OwnedProcess, a child with a temp dir of its own (marketsim in server.mjs, nginx in nginx.mjs):
// its output kept (stdout and stderr together, echoed when MARKETSIM_TEST_ECHO is set), its exit
// status (128+n when a signal n ended it), a bounded stop, and a wait for it to be ready that
// kills it and fails with its output.
import { rmSync } from "node:fs";
import { constants as osConstants } from "node:os";
import { waitFor } from "./util.mjs";

// What must not outlive the test process, with how to end it synchronously: called on exit, and
// on SIGINT, SIGTERM and SIGHUP, which then exit with 128+n.
const atExit = new Map();
let hooksInstalled = false;
function installExitHooks() {
  if (hooksInstalled) return;
  hooksInstalled = true;
  const destroyAll = () => {
    for (const destroySync of [...atExit.values()]) destroySync();
  };
  process.on("exit", destroyAll);
  for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"]) {
    process.once(sig, () => {
      destroyAll();
      process.exit(128 + (osConstants.signals[sig] ?? 15));
    });
  }
}

export function destroyAtExit(owner, destroySync) {
  installExitHooks();
  atExit.set(owner, destroySync);
}

export function forgetAtExit(owner) {
  atExit.delete(owner);
}

export function exitCodeOf(code, signal) {
  if (code !== null) return code;
  return 128 + (osConstants.signals[signal] ?? 0);
}

export class OwnedProcess {
  // `proc` from spawn with stdout and stderr piped; `dir` is deleted when it stops (and when it
  // exits, with `removeDirOnExit`); `name` is what errors call it.
  constructor(proc, dir, { name, removeDirOnExit = false }) {
    destroyAtExit(this, () => this.killSync());
    this.name = name;
    this.proc = proc;
    this.dir = dir;
    this.output = "";
    this.exitCode = undefined;
    this.exited = new Promise((r) => {
      proc.on("exit", (code, signal) => {
        this.exitCode = exitCodeOf(code, signal);
        forgetAtExit(this);
        if (removeDirOnExit) this.removeDir();
        r(this.exitCode);
      });
    });
    const keep = (chunk) => {
      this.output += chunk;
      if (process.env.MARKETSIM_TEST_ECHO) process.stderr.write(chunk);
      if (this.output.length > 8 << 20) this.output = this.output.slice(-(4 << 20));
    };
    proc.stdout.setEncoding("utf8").on("data", keep);
    proc.stderr.setEncoding("utf8").on("data", keep);
    proc.on("error", (err) => {
      this.output += `\n[spawn error] ${err.message}\n`;
    });
  }

  logs() {
    return this.output;
  }

  get pid() {
    return this.proc.pid;
  }

  get running() {
    return this.exitCode === undefined;
  }

  tail(n = 60) {
    return this.logs().split("\n").slice(-n).join("\n");
  }

  removeDir() {
    rmSync(this.dir, { recursive: true, force: true });
  }

  // Polls `ready()` while the process runs (an error thrown counts as "not yet"). On timeout it
  // kills the process and rejects with the message, the last error and the process's last output.
  async waitReady(ready, { timeout, interval = 100, message }) {
    try {
      await waitFor(async () => this.running && (await ready()), { timeout, interval, message });
    } catch (err) {
      this.killSync();
      throw new Error(`${err.message}\n${this.tail()}`);
    }
  }

  // Sends `signal` and resolves with the exit status. Kills with SIGKILL and rejects if it has
  // not exited within timeoutMs.
  async stop(signal = "SIGTERM", timeoutMs = 30_000) {
    if (!this.running) {
      this.removeDir();
      return this.exitCode;
    }
    this.proc.kill(signal);
    let timer;
    const timeout = new Promise((r) => {
      timer = setTimeout(() => r("timeout"), timeoutMs);
    });
    const r = await Promise.race([this.exited, timeout]);
    clearTimeout(timer);
    if (r === "timeout") {
      this.proc.kill("SIGKILL");
      await this.exited;
      throw new Error(`${this.name} did not exit within ${timeoutMs} ms of ${signal}\n${this.tail()}`);
    }
    this.removeDir();
    return r;
  }

  killSync() {
    if (this.running) {
      try {
        this.proc.kill("SIGKILL");
      } catch {
        // gone
      }
    }
    this.removeDir();
  }
}
