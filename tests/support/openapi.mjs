// docs/openapi.json for tests: load it, find the operation a request went to, and check a live
// answer against what the document says of it (the status is documented, the Content-Type is
// the documented one, the body matches the schema, an error's code is among those listed).
// Schemas are JSON Schema 2020-12 (OpenAPI 3.1), checked with ajv; ajv-formats for date-time,
// date, uuid and email. Used by integration/openapi.test.mjs; any integration test may call
// matchesDocument() on the answers it already has.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import Ajv2020 from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { REPO_ROOT } from "./util.mjs";

export const DOCUMENT_PATH = join(REPO_ROOT, "docs", "openapi.json");
const DOC_ID = "openapi.json";

let cached;
// → { text, doc }: the committed document, as text and parsed.
export function loadDocument() {
  if (!cached) {
    const text = readFileSync(DOCUMENT_PATH, "utf8");
    cached = { text, doc: JSON.parse(text) };
  }
  return cached;
}

const METHODS = ["get", "put", "post", "delete", "patch", "head", "options"];

// [{ method: "GET", path: "/api/stocks/{symbol}", operation }] for every operation.
export function operations(doc = loadDocument().doc) {
  const out = [];
  for (const [path, item] of Object.entries(doc.paths))
    for (const m of METHODS) if (item[m]) out.push({ method: m.toUpperCase(), path, operation: item[m] });
  return out;
}

// A path template as a regular expression: {name} is one segment.
function templateRegex(template) {
  const escaped = template.replace(/[.*+?^$()|[\]\\:]/g, "\\$&");
  return new RegExp(`^${escaped.replace(/\{[^/}]+\}/g, "[^/]+")}$`);
}

// The documented operation a concrete request went to (`path` without the query), preferring a
// literal segment over a parameter as routers do (/api/forecasts/accuracy before {symbol}).
export function findOperation(method, path, doc = loadDocument().doc) {
  const matches = operations(doc).filter((o) => o.method === method.toUpperCase() && templateRegex(o.path).test(path));
  matches.sort((a, b) => (a.path.match(/\{/g) ?? []).length - (b.path.match(/\{/g) ?? []).length);
  return matches[0];
}

// "#/components/responses/X" → the object it names.
export function resolveRef(node, doc = loadDocument().doc) {
  let n = node;
  while (n && n.$ref) {
    assert.ok(n.$ref.startsWith("#/"), `only local references: ${n.$ref}`);
    n = n.$ref
      .slice(2)
      .split("/")
      .reduce((at, key) => at?.[key.replace(/~1/g, "/").replace(/~0/g, "~")], doc);
    assert.ok(n, `unresolved reference ${node.$ref}`);
  }
  return n;
}

// One ajv for the document: it holds the whole document under DOC_ID, so a schema's local
// references ("#/components/schemas/Order") resolve once rewritten to DOC_ID's.
let ajvState;
function validatorFor(schema) {
  const { doc } = loadDocument();
  if (!ajvState || ajvState.doc !== doc) {
    // strict: false, as the document carries OpenAPI's own keywords (x-*, example) beside JSON
    // Schema's; validateSchema: false, as the document as a whole is not a schema.
    const ajv = new Ajv2020({ strict: false, allErrors: true, validateSchema: false });
    addFormats(ajv);
    ajv.addSchema(doc, DOC_ID);
    ajvState = { ajv, doc, compiled: new Map() };
  }
  const rewritten = JSON.parse(JSON.stringify(schema).replaceAll('"$ref":"#/', `"$ref":"${DOC_ID}#/`));
  const key = JSON.stringify(rewritten);
  let validate = ajvState.compiled.get(key);
  if (!validate) {
    validate = ajvState.ajv.compile(rewritten);
    ajvState.compiled.set(key, validate);
  }
  return validate;
}

// Validates `value` against `schema` (a schema of the document); → null, or the errors as text.
export function schemaErrors(schema, value) {
  const validate = validatorFor(schema);
  if (validate(value)) return null;
  return validate.errors.map((e) => `${e.instancePath || "(body)"} ${e.message} ${JSON.stringify(e.params)}`).join("; ");
}

// Asserts that `res` ({ status, headers, body, json } as support/http.mjs returns) is what the
// document says `method` `path` answers. `path` may carry a query string. → the operation.
export function matchesDocument(res, method, path) {
  const bare = path.split("?")[0];
  const what = `${method} ${path} → ${res.status}`;
  let found = findOperation(method, bare);
  if (!found && res.status === 405) {
    // A method the path does not take: the answer every route may give (Default).
    const other = operations().find((o) => findOperation(o.method, bare)?.path === o.path);
    assert.ok(other, `${bare} is not in docs/openapi.json`);
    found = { ...other, operation: { ...other.operation, responses: { default: other.operation.responses.default } } };
    assert.ok(res.headers.allow, `${what}: no Allow header`);
  }
  assert.ok(found, `${method} ${bare} is not in docs/openapi.json`);
  const responses = found.operation.responses;
  let documented = responses[String(res.status)];
  if (!documented) {
    assert.ok(res.status >= 400, `${what}: a success status the document does not list (${Object.keys(responses).join(", ")})`);
    documented = responses.default;
  }
  assert.ok(documented, `${what}: status not documented`);
  const response = resolveRef(documented);
  if (!response.content) {
    assert.equal(res.body, "", `${what}: the document says no body`);
    return found;
  }
  const type = (res.headers["content-type"] ?? "").toLowerCase();
  const [mediaType, media] = Object.entries(response.content)[0];
  assert.equal(type.split(";")[0].trim(), mediaType.split(";")[0].trim(), `${what}: Content-Type`);
  if (mediaType === "application/json") {
    assert.ok(res.json !== undefined, `${what}: not JSON: ${res.body.slice(0, 200)}`);
    const errors = schemaErrors(media.schema, res.json);
    assert.equal(errors, null, `${what}: the body does not match the document: ${errors}\n${res.body.slice(0, 2000)}`);
    if (res.status >= 400) {
      const codes = response["x-error-codes"] ?? [];
      assert.ok(codes.includes(res.json.code), `${what}: code ${res.json.code} is not among the documented ${codes.join(", ")}`);
    }
  }
  return found;
}
