// Migrations: `marketsim migrate` applies every file in migrations/ once, in order, each in a
// transaction, recorded with a checksum; running it again changes nothing; an applied file whose
// text changed is refused with a clear error, by `migrate` and by the server's start-up alike.
import assert from "node:assert/strict";
import { cpSync, appendFileSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { startPostgres } from "../support/pg.mjs";
import { runServerCommand, startServer } from "../support/server.mjs";
import { REPO_ROOT } from "../support/util.mjs";

const MIGRATIONS = join(REPO_ROOT, "migrations");
const migrationFiles = () => readdirSync(MIGRATIONS).filter((f) => /^\d+_.+\.sql$/.test(f)).sort();
const versionOf = (file) => Number(file.match(/^(\d+)_/)[1]);

function copyMigrations() {
  const dir = mkdtempSync(join(tmpdir(), "marketsim-migrations-"));
  cpSync(MIGRATIONS, dir, { recursive: true });
  return dir;
}

const rowsOf = (pg) =>
  pg.psql("SELECT version::text AS version, name, checksum::text AS checksum, applied_at::text AS applied_at FROM schema_migrations ORDER BY schema_migrations.version");

describe("migrations", { timeout: 180_000 }, () => {
  let pg;
  const tempDirs = [];
  before(async () => {
    pg = await startPostgres();
  });
  after(async () => {
    await pg?.stop();
    for (const d of tempDirs) rmSync(d, { recursive: true, force: true });
  });

  test("migrate applies every migration file once and records it", async () => {
    const files = migrationFiles();
    assert.ok(files.length > 0, "migrations/ holds no NNNN_name.sql file");
    const r = await runServerCommand({ pg, args: ["migrate"] });
    assert.equal(r.code, 0, `marketsim migrate failed:\n${r.output}`);
    const rows = await rowsOf(pg);
    assert.deepEqual(
      rows.map((x) => Number(x.version)),
      files.map(versionOf),
      "schema_migrations versions differ from the files in migrations/",
    );
    for (const row of rows) {
      assert.ok(row.checksum && row.checksum.length > 0, `no checksum for version ${row.version}`);
      assert.ok(row.applied_at, `no applied_at for version ${row.version}`);
    }
    const cols = await pg.psql(
      "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'price_history' ORDER BY column_name",
    );
    const types = Object.fromEntries(cols.map((c) => [c.column_name, c.data_type]));
    assert.equal(types.seq, "bigint");
    assert.equal(types.symbol, "text");
    assert.match(types.ts ?? "", /^timestamp with time zone$/);
    assert.equal(types.price, "numeric");
    assert.equal(types.volume, "bigint");
    const pk = await pg.psql(`
      SELECT a.attname FROM pg_index i
      JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
      WHERE i.indrelid = 'price_history'::regclass AND i.indisprimary`);
    assert.deepEqual(pk.map((x) => x.attname), ["seq"], "price_history's primary key is not (seq)");
  });

  test("migrate again is a no-op: the recorded rows stay exactly the same", async () => {
    const before = await rowsOf(pg);
    const r = await runServerCommand({ pg, args: ["migrate"] });
    assert.equal(r.code, 0, `second marketsim migrate failed:\n${r.output}`);
    assert.deepEqual(await rowsOf(pg), before);
  });

  test("a failing migration is rolled back whole and not recorded", async () => {
    const dir = copyMigrations();
    tempDirs.push(dir);
    writeFileSync(
      join(dir, "9998_it_broken.sql"),
      "CREATE TABLE it_half_done (id int);\nINSERT INTO no_such_table VALUES (1);\n",
    );
    const before = await rowsOf(pg);
    const r = await runServerCommand({ pg, env: { MARKETSIM_MIGRATIONS_DIR: dir }, args: ["migrate"] });
    assert.notEqual(r.code, 0, `a broken migration was accepted:\n${r.output}`);
    assert.match(r.output, /9998|it_broken/, `the error does not name the failing migration:\n${r.output}`);
    assert.deepEqual(await rowsOf(pg), before, "schema_migrations changed after a failed migration");
    const t = await pg.psql("SELECT to_regclass('public.it_half_done')::text AS t");
    assert.equal(t[0].t, null, "the failed migration's first statement was not rolled back");
  });

  test("a new migration is applied after the others, once", async () => {
    const dir = copyMigrations();
    tempDirs.push(dir);
    writeFileSync(join(dir, "9999_it_extra.sql"), "CREATE TABLE it_extra (id bigint PRIMARY KEY);\n");
    const env = { MARKETSIM_MIGRATIONS_DIR: dir };
    const before = await rowsOf(pg);
    for (let i = 0; i < 2; i++) {
      const r = await runServerCommand({ pg, env, args: ["migrate"] });
      assert.equal(r.code, 0, `migrate with an extra file failed:\n${r.output}`);
    }
    const rows = await rowsOf(pg);
    assert.equal(rows.length, before.length + 1);
    assert.deepEqual(rows.slice(0, before.length), before, "earlier rows changed");
    assert.equal(Number(rows.at(-1).version), 9999);
    assert.deepEqual(await pg.psql("SELECT count(*)::int AS n FROM it_extra"), [{ n: "0" }]);
  });

  test("an applied migration whose text changed is refused with a clear message", async () => {
    const dir = copyMigrations();
    tempDirs.push(dir);
    writeFileSync(join(dir, "9999_it_extra.sql"), "CREATE TABLE it_extra (id bigint PRIMARY KEY);\n");
    const first = migrationFiles()[0];
    appendFileSync(join(dir, first), "\n-- edited after it was applied\nSELECT 1;\n");
    const before = await rowsOf(pg);

    const r = await runServerCommand({ pg, env: { MARKETSIM_MIGRATIONS_DIR: dir }, args: ["migrate"] });
    assert.notEqual(r.code, 0, `a changed applied migration was accepted:\n${r.output}`);
    const name = first.replace(/\.sql$/, "");
    assert.ok(
      r.output.includes(first) || r.output.includes(name) || r.output.includes(String(versionOf(first))),
      `the error does not name ${first}:\n${r.output}`,
    );
    assert.match(r.output, /checksum|changed|modified|differs|mismatch/i, `the error does not say what is wrong:\n${r.output}`);
    assert.doesNotMatch(r.output, /Segmentation|terminate called|AddressSanitizer/);
    assert.deepEqual(await rowsOf(pg), before, "schema_migrations changed");

    // The server refuses to start on it too, rather than serving a schema it cannot vouch for.
    await assert.rejects(
      startServer({ pg, env: { MARKETSIM_MIGRATIONS_DIR: dir }, timeoutMs: 60_000 }),
      /exited with status [1-9]/,
    );
  });
});
