// One throwaway PostgreSQL plus one marketsim on it: what most integration test files need.
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
