#!/usr/bin/env node
// Writes the evaluation table of docs/forecasts.md from the server's own figures
// (GET /api/forecasts/accuracy?series=catalog). With --url it asks that server (e.g. the one
// ./scripts/run serves); without, it starts a throwaway PostgreSQL and the built server
// ($MARKETSIM_BIN or build-test/marketsim) the way the integration tests do, and stops them.
// Usage: node scripts/forecasts-doc.mjs [--url http://localhost:8080] [--check]
//   --check: exit 1 if the committed table differs instead of writing it.
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { accuracyTable, TABLE_BEGIN, TABLE_END } from "./lib/forecast-table.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const doc = join(root, "docs", "forecasts.md");
const args = process.argv.slice(2);
const urlAt = args.indexOf("--url");
const check = args.includes("--check");

async function rows(url) {
  const res = await fetch(`${url}/api/forecasts/accuracy?series=catalog`);
  if (!res.ok) throw new Error(`${url}: ${res.status} ${await res.text()}`);
  const body = await res.json();
  if (body.catalog.unavailable) throw new Error(`the server has no catalog: ${body.catalog.unavailable}`);
  return body.catalog.rows;
}

let table;
if (urlAt >= 0) {
  table = accuracyTable(await rows(args[urlAt + 1]));
} else {
  const { startStack } = await import("../tests/support/stack.mjs");
  const stack = await startStack({ env: { MARKETSIM_TICK_INTERVAL: "1h" } });
  try {
    table = accuracyTable(await rows(stack.url));
  } finally {
    await stack.stop();
  }
}

const text = readFileSync(doc, "utf8");
const begin = text.indexOf(TABLE_BEGIN);
const end = text.indexOf(TABLE_END);
if (begin < 0 || end < begin) throw new Error(`${doc}: no table markers`);
const updated = `${text.slice(0, begin + TABLE_BEGIN.length)}\n${table}\n${text.slice(end)}`;
if (check) {
  if (updated !== text) {
    console.error("docs/forecasts.md: the table differs from the server's figures");
    process.exit(1);
  }
  console.log("docs/forecasts.md: the table is the server's");
} else {
  writeFileSync(doc, updated);
  console.log(`docs/forecasts.md: ${table.split("\n").length - 2} rows written`);
}
