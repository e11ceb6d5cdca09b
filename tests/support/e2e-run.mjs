// Runs the end-to-end suite against a real stack: starts a throwaway PostgreSQL and marketsim
// (replay provider, 200 ms ticks, serving the built web app from web/out), runs
// `node --test <args> tests/e2e/` with MARKETSIM_URL set, then tears everything down.
// Usage: node tests/support/e2e-run.mjs [node --test options...] [tests/e2e/X.test.mjs...]
// (test files given: only those run; none: the whole directory)
// Exit status: the test run's, or 1 if the stack failed or the server did not exit cleanly.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { startPostgres } from "./pg.mjs";
import { runServerCommand, startServer } from "./server.mjs";
import { REPO_ROOT } from "./util.mjs";

const webOut = join(REPO_ROOT, "web", "out");
if (!existsSync(join(webOut, "index.html"))) {
  console.error(`e2e: ${webOut}/index.html not found: build the web app first (npm run build in web/)`);
  process.exit(1);
}

let pg;
let server;
let status = 1;
try {
  pg = await startPostgres();
  server = await startServer({
    pg,
    env: {
      MARKETSIM_PROVIDER: "replay",
      MARKETSIM_TICK_INTERVAL: "200ms",
      MARKETSIM_FLUSH_INTERVAL: "5s",
      MARKETSIM_REPLAY_DAY: "30s",
      // The home feed's leaderboard ranks players from their equity snapshots.
      MARKETSIM_EQUITY_SNAPSHOT: "3s",
      MARKETSIM_FEED_INTERVAL: "1s",
      // Equity recorded every few seconds: public profiles draw it (tests/e2e/profiles.test.mjs).
      MARKETSIM_EQUITY_SNAPSHOT: "3s",
      MARKETSIM_WEB_ROOT: webOut,
    },
  });
  console.log(`e2e: marketsim at ${server.url}`);
  // An administrator made the way an operator makes one: the account tests read the outbox
  // through the admin API with it.
  const admin = { email: "e2e-admin@example.test", tag: "e2e_admin", password: "e2e admin password 7" };
  const made = await runServerCommand({
    pg,
    args: ["create-admin", "--email", admin.email, "--tag", admin.tag, "--name", "E2E Admin"],
    input: `${admin.password}\n`,
  });
  if (made.code !== 0) throw new Error(`create-admin failed (${made.code}):\n${made.output}`);
  const args = process.argv.slice(2);
  const files = args.filter((a) => a.endsWith(".test.mjs"));
  const options = args.filter((a) => !a.endsWith(".test.mjs"));
  const targets = files.length ? files : [join(REPO_ROOT, "tests", "e2e")];
  const child = spawn(process.execPath, ["--test", ...options, ...targets], {
    cwd: REPO_ROOT,
    stdio: "inherit",
    env: {
      ...process.env,
      MARKETSIM_URL: server.url,
      MARKETSIM_E2E_ADMIN_EMAIL: admin.email,
      MARKETSIM_E2E_ADMIN_PASSWORD: admin.password,
    },
  });
  const forward = (sig) => child.kill(sig);
  process.on("SIGINT", forward);
  process.on("SIGTERM", forward);
  status = await new Promise((resolve) => child.on("exit", (code, signal) => resolve(code ?? (signal ? 1 : 0))));
} catch (err) {
  console.error(`e2e: ${err.stack ?? err}`);
  status = 1;
} finally {
  if (server?.running) {
    const code = await server.stop("SIGTERM").catch((err) => {
      console.error(`e2e: ${err.message}`);
      return -1;
    });
    if (code !== 0) {
      console.error(`e2e: server exited with status ${code}\n${server.tail(80)}`);
      status = status || 1;
    }
  }
  const report = server?.sanitizerReport();
  if (report) {
    console.error(`e2e: sanitizer report in the server's output: ${report}\n${server.tail(80)}`);
    status = status || 1;
  }
  await pg?.stop();
}
process.exit(status);
