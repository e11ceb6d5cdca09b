// Debian's nginx in front of marketsim instances, for cluster tests: the config scripts/cluster
// generates (scripts/lib/nginx-cluster.conf.in) with the instances' ports, in a temp dir of its
// own, nginx in the foreground. Stopped and deleted when the process exits, however it exits.
import { spawn, execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { get } from "./http.mjs";
import { freePort } from "./pg.mjs";
import { OwnedProcess } from "./process.mjs";
import { REPO_ROOT } from "./util.mjs";

export function nginxBinary() {
  for (const bin of [process.env.NGINX_BIN, "/usr/sbin/nginx"]) if (bin && existsSync(bin)) return bin;
  throw new Error("nginx not found: install Debian's nginx-light (scripts/test does)");
}

// The cluster config for `upstreams` (ports on 127.0.0.1), listening on 127.0.0.1:port.
export function clusterConfig({ prefix, port, upstreams }) {
  const template = readFileSync(join(REPO_ROOT, "scripts", "lib", "nginx-cluster.conf.in"), "utf8");
  const servers = upstreams.map((p) => `    server 127.0.0.1:${p} max_fails=1 fail_timeout=5s;`).join("\n");
  return template
    .replaceAll("@PREFIX@", prefix)
    .replaceAll("@LISTEN@", `127.0.0.1:${port}`)
    .replace(/^@SERVERS@$/m, servers);
}

class Nginx extends OwnedProcess {
  constructor(proc, dir, port) {
    super(proc, dir, { name: "nginx" });
    this.port = port;
    this.url = `http://127.0.0.1:${port}`;
  }

  logs() {
    const file = join(this.dir, "error.log");
    return this.output + (existsSync(file) ? readFileSync(file, "utf8") : "");
  }
}

// Starts nginx on `port` (default: a free one) in front of `upstreams` (ports). Resolves once
// it answers /healthz through an upstream: { url, port, stop(), logs() }.
export async function startNginx({ upstreams, port } = {}) {
  const bin = nginxBinary();
  const dir = mkdtempSync(join(tmpdir(), "marketsim-nginx-"));
  mkdirSync(join(dir, "tmp"));
  const listen = port ?? (await freePort());
  const conf = join(dir, "nginx.conf");
  writeFileSync(conf, clusterConfig({ prefix: dir, port: listen, upstreams }));
  const args = ["-p", dir, "-c", conf, "-e", join(dir, "error.log")];
  try {
    execFileSync(bin, ["-t", "-q", ...args], { stdio: "pipe" });
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`nginx refused the cluster config: ${err.stderr?.toString() ?? err.message}`);
  }
  const proc = spawn(bin, args, { stdio: ["ignore", "pipe", "pipe"] });
  const nginx = new Nginx(proc, dir, listen);
  await nginx.waitReady(async () => (await get(`${nginx.url}/healthz`, { timeout: 2000 })).status === 200, {
    timeout: 15_000,
    message: "nginx to answer /healthz",
  });
  return nginx;
}
