"use client";
// The API reference (/docs/api/): docs/openapi.json, imported when the app is built, rendered as
// a readable page with no script or style from elsewhere. Operations are grouped by tag, each
// with its method, path, who may call it, parameters, request body, answers and error codes;
// the stream's events with their data; then every schema. The filter box narrows operations
// and schemas by any word of them (a path, a method, a summary, an error code, a field).

import { Fragment, useDeferredValue, useState, type ReactNode } from "react";
import document from "../../docs/openapi.json";
import css from "./ApiReference.module.css";

// ---- the parts of an OpenAPI 3.1 document this page reads --------------------------------------
interface Schema {
  $ref?: string;
  type?: string | string[];
  description?: string;
  enum?: (string | number)[];
  const?: string | number | boolean;
  pattern?: string;
  format?: string;
  items?: Schema;
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: boolean | Schema;
  anyOf?: Schema[];
  oneOf?: Schema[];
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  default?: unknown;
  examples?: unknown[];
}
interface Parameter {
  name: string;
  in: string;
  required?: boolean;
  description?: string;
  schema?: Schema;
}
interface MediaType {
  schema?: Schema;
  example?: unknown;
}
interface Response {
  $ref?: string;
  description?: string;
  content?: Record<string, MediaType>;
  headers?: Record<string, { $ref?: string; description?: string }>;
  "x-error-codes"?: string[];
}
interface StreamEvent {
  event: string;
  id?: boolean;
  private?: boolean;
  description: string;
  data: Schema;
}
interface Operation {
  tags: string[];
  summary: string;
  operationId: string;
  description?: string;
  "x-access": "anyone" | "user" | "admin";
  "x-api-keys"?: boolean;
  "x-websocket"?: boolean;
  "x-events"?: StreamEvent[];
  security?: Record<string, string[]>[];
  parameters?: Parameter[];
  requestBody?: { required?: boolean; content: Record<string, MediaType> };
  responses: Record<string, Response>;
}
interface OpenApi {
  info: { title: string; version: string; summary?: string; description?: string };
  tags: { name: string; description?: string }[];
  paths: Record<string, Record<string, Operation | unknown>>;
  components: { schemas: Record<string, Schema>; responses: Record<string, Response> };
}

const doc = document as unknown as OpenApi;
const METHODS = ["get", "post", "put", "patch", "delete"] as const;

interface Entry {
  method: string;
  path: string;
  op: Operation;
  haystack: string; // what the filter looks in, lower case
}

function refName(ref: string): string {
  return ref.slice(ref.lastIndexOf("/") + 1);
}

function resolveResponse(r: Response): Response {
  return r.$ref ? (doc.components.responses[refName(r.$ref)] ?? r) : r;
}

function allEntries(): Entry[] {
  const out: Entry[] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const method of METHODS) {
      const op = item[method] as Operation | undefined;
      if (!op) continue;
      const codes = Object.values(op.responses).flatMap((r) => resolveResponse(r)["x-error-codes"] ?? []);
      const statuses = Object.keys(op.responses).filter((s) => s !== "default");
      const haystack = [method, path, op.summary, op.description ?? "", op.operationId, ...op.tags, ...statuses, ...codes]
        .join(" ")
        .toLowerCase();
      out.push({ method: method.toUpperCase(), path, op, haystack });
    }
  }
  return out;
}

// ---- a little Markdown: paragraphs, "- " lists, **bold** and `code` --------------------------
function inline(text: string): ReactNode[] {
  return text.split(/(\*\*[^*]+\*\*|`[^`]+`)/g).map((part, i) => {
    if (part.startsWith("**") && part.endsWith("**")) return <strong key={i}>{part.slice(2, -2)}</strong>;
    if (part.startsWith("`") && part.endsWith("`"))
      return (
        <code key={i}>{part.slice(1, -1)}</code>
      );
    return <Fragment key={i}>{part}</Fragment>;
  });
}

function Prose({ text, className = "" }: { text?: string; className?: string }) {
  if (!text) return null;
  return (
    <div className={`flex flex-col gap-2 text-sm text-ink-300 ${className}`}>
      {text.split(/\n\n+/).map((block, i) => {
        const lines = block.split("\n");
        if (lines.every((l) => l.startsWith("- ")))
          return (
            <ul key={i} className="list-disc pl-5">
              {lines.map((l, j) => (
                <li key={j}>{inline(l.slice(2))}</li>
              ))}
            </ul>
          );
        return <p key={i}>{inline(block)}</p>;
      })}
    </div>
  );
}

// ---- schemas ---------------------------------------------------------------------------------
function SchemaLink({ name }: { name: string }) {
  return (
    <a href={`#schema-${name}`} className={css.link}>
      {name}
    </a>
  );
}

// A schema as a one-line type: `Order`, `Money | null`, `Position[]`, `"buy" | "sell"`.
function TypeLabel({ schema }: { schema: Schema }): ReactNode {
  if (schema.$ref) return <SchemaLink name={refName(schema.$ref)} />;
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (alternatives)
    return (
      <>
        {alternatives.map((s, i) => (
          <Fragment key={i}>
            {i > 0 ? <span className={css.muted}> | </span> : null}
            <TypeLabel schema={s} />
          </Fragment>
        ))}
      </>
    );
  if (schema.const !== undefined) return <span className={css.type}>{JSON.stringify(schema.const)}</span>;
  if (schema.enum) return <span className={css.type}>{schema.enum.map((v) => JSON.stringify(v)).join(" | ")}</span>;
  const types = Array.isArray(schema.type) ? schema.type : schema.type ? [schema.type] : [];
  if (types.length === 0) return <span className={`${css.type} ${css.muted}`}>any</span>;
  return (
    <span className={css.type}>
      {types.map((t, i) => (
        <Fragment key={t}>
          {i > 0 ? <span className={css.muted}> | </span> : null}
          {t === "array" && schema.items ? (
            <>
              <TypeLabel schema={schema.items} />
              []
            </>
          ) : t === "object" && typeof schema.additionalProperties === "object" && !schema.properties ? (
            <>
              {"{ [key]: "}
              <TypeLabel schema={schema.additionalProperties} />
              {" }"}
            </>
          ) : (
            t
          )}
        </Fragment>
      ))}
      {schema.format ? <span className={css.muted}> ({schema.format})</span> : null}
    </span>
  );
}

// What a schema adds beside its type: bounds, pattern, default.
function constraints(schema: Schema): string[] {
  const out: string[] = [];
  if (schema.minimum !== undefined || schema.maximum !== undefined) out.push(`${schema.minimum ?? "…"} to ${schema.maximum ?? "…"}`);
  if (schema.minLength !== undefined || schema.maxLength !== undefined)
    out.push(`length ${schema.minLength ?? 0} to ${schema.maxLength ?? "…"}`);
  if (schema.pattern) out.push(`pattern ${schema.pattern}`);
  if (schema.default !== undefined) out.push(`default ${JSON.stringify(schema.default)}`);
  return out;
}

// The object a schema describes inline (not by reference), if any: itself, or its items'.
function inlineObject(schema: Schema): Schema | null {
  if (schema.$ref) return null;
  if (schema.properties) return schema;
  if (schema.items && !schema.items.$ref && schema.items.properties) return schema.items;
  const alt = (schema.anyOf ?? schema.oneOf)?.find((s) => !s.$ref && s.properties);
  return alt ?? null;
}

function Properties({ schema, depth = 0 }: { schema: Schema; depth?: number }) {
  const props = Object.entries(schema.properties ?? {});
  if (props.length === 0) return null;
  const required = new Set(schema.required ?? []);
  return (
    <table>
      <tbody>
        {props.map(([name, p]) => {
          const nested = inlineObject(p);
          return (
            <tr key={name}>
              <td className={css.name}>
                {name}
                {required.has(name) ? null : <span className={css.muted}>?</span>}
              </td>
              <td>
                <TypeLabel schema={p} />
              </td>
              <td>
                {p.description ? inline(p.description) : null}
                {constraints(p).length ? <div className={css.hint}>{constraints(p).join("; ")}</div> : null}
                {nested && depth < 3 ? (
                  <div className={css.nested}>
                    <Properties schema={nested} depth={depth + 1} />
                  </div>
                ) : null}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

// The named schema a body is (Order), or is an array of (Position[]).
function namedSchema(schema: Schema): string | null {
  const ref = schema.$ref ?? schema.items?.$ref;
  return ref ? refName(ref) : null;
}

// A named schema's fields, shown in place when asked for (they are also under Schemas below):
// rendered only once opened, so the page stays light.
function Fields({ name }: { name: string }) {
  const [open, setOpen] = useState(false);
  const schema = doc.components.schemas[name];
  if (!schema?.properties) return null;
  return (
    <details onToggle={(e) => setOpen(e.currentTarget.open)}>
      <summary className={`${css.hint} cursor-pointer`}>Fields of {name}</summary>
      {open ? (
        <div className={css.nested}>
          <Properties schema={schema} />
        </div>
      ) : null}
    </details>
  );
}

function SchemaView({ schema }: { schema: Schema }) {
  const object = inlineObject(schema);
  const named = namedSchema(schema);
  return (
    <div className="flex flex-col gap-1">
      <div className="text-sm">
        <TypeLabel schema={schema} />
        {constraints(schema).length ? <span className={`${css.hint} ml-2`}>{constraints(schema).join("; ")}</span> : null}
      </div>
      {object ? <Properties schema={object} /> : named ? <Fields name={named} /> : null}
    </div>
  );
}

// ---- operations ------------------------------------------------------------------------------
const METHOD_STYLE: Record<string, string> = {
  GET: "bg-accent/15 text-accent",
  POST: "bg-gain/15 text-gain",
  PUT: "bg-amber-400/15 text-amber-300",
  PATCH: "bg-amber-400/15 text-amber-300",
  DELETE: "bg-loss/15 text-loss",
};

function MethodBadge({ method }: { method: string }) {
  return (
    <span className={`inline-block w-16 shrink-0 rounded px-1.5 py-0.5 text-center font-mono text-xs font-semibold ${METHOD_STYLE[method] ?? ""}`}>
      {method}
    </span>
  );
}

const ACCESS: Record<Operation["x-access"], string> = {
  anyone: "public",
  user: "signed in",
  admin: "admin",
};

function Chip({ children, tone = "plain" }: { children: ReactNode; tone?: "plain" | "error" }) {
  return <span className={tone === "error" ? `${css.chip} ${css.error}` : css.chip}>{children}</span>;
}

function Section({ title, children }: { title: string; children: ReactNode }) {
  return (
    <div className="flex flex-col gap-2">
      <h4 className="text-xs font-semibold tracking-wide text-ink-400 uppercase">{title}</h4>
      {children}
    </div>
  );
}

function OperationView({ entry }: { entry: Entry }) {
  const { op, method, path } = entry;
  const csrf = op.security?.some((s) => "csrfToken" in s);
  const body = op.requestBody ? Object.entries(op.requestBody.content)[0] : undefined;
  return (
    <article id={`op-${op.operationId}`} className="scroll-mt-44 rounded-xl border border-ink-700 bg-ink-900 p-4 md:p-5" data-testid="api-operation">
      <header className="flex flex-wrap items-center gap-2">
        <MethodBadge method={method} />
        <code className="font-mono text-sm break-all text-ink-100">{path}</code>
        <span className="ml-auto flex flex-wrap gap-1">
          <Chip>{ACCESS[op["x-access"]]}</Chip>
          {op["x-api-keys"] ? <Chip>API key</Chip> : null}
          {op["x-websocket"] ? <Chip>WebSocket</Chip> : null}
          {csrf ? <Chip>X-CSRF-Token</Chip> : null}
        </span>
      </header>
      <p className="mt-2 text-sm font-medium text-ink-100">{op.summary}</p>
      <Prose text={op.description} className="mt-1" />
      <div className="mt-4 flex flex-col gap-4">
        {op.parameters?.length ? (
          <Section title="Parameters">
            <table>
              <tbody>
                {op.parameters.map((p) => (
                  <tr key={`${p.in}-${p.name}`}>
                    <td className={css.name}>
                      {p.name}
                      {p.required ? null : <span className={css.muted}>?</span>}
                    </td>
                    <td className={css.hint}>{p.in}</td>
                    <td>{p.schema ? <TypeLabel schema={p.schema} /> : null}</td>
                    <td>
                      {p.description ? inline(p.description) : null}
                      {p.schema && constraints(p.schema).length ? (
                        <div className={css.hint}>{constraints(p.schema).join("; ")}</div>
                      ) : null}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </Section>
        ) : null}
        {body ? (
          <Section title={`Request body (${body[0]})`}>
            {body[1].schema ? <SchemaView schema={body[1].schema} /> : null}
          </Section>
        ) : null}
        <Section title="Responses">
          <div className="flex flex-col gap-3">
            {Object.entries(op.responses).map(([status, r]) => {
              // Every operation has the same `default`: one line, the details are in the conventions.
              if (status === "default")
                return (
                  <p key={status} className={`${css.response} ${css.hint}`}>
                    Any route may also answer 405, 413, 431, 500 or 503 (see the conventions above).
                  </p>
                );
              const resolved = resolveResponse(r);
              const media = resolved.content ? Object.entries(resolved.content)[0] : undefined;
              const codes = resolved["x-error-codes"] ?? [];
              return (
                <div key={status} className={css.response}>
                  <div className={css.status}>
                    <span className={`${css.name} font-semibold ${status.startsWith("2") ? "text-gain" : ""}`}>{status}</span>
                    {media ? <span className={css.hint}>{media[0]}</span> : null}
                    {codes.map((c) => (
                      <Chip key={c} tone="error">
                        {c}
                      </Chip>
                    ))}
                  </div>
                  {resolved.description ? <div className="text-sm text-ink-300">{inline(resolved.description)}</div> : null}
                  {media?.[1].schema && status.startsWith("2") ? <SchemaView schema={media[1].schema} /> : null}
                </div>
              );
            })}
          </div>
        </Section>
        {op["x-events"] ? (
          <Section title="Events">
            <table>
              <tbody>
                {op["x-events"].map((e) => (
                  <tr key={e.event}>
                    <td className={css.name}>{e.event}</td>
                    <td className={css.name}>
                      <TypeLabel schema={e.data} />
                    </td>
                    <td>
                      {inline(e.description)}
                      <div className={css.hint}>
                        {[e.id ? "with an id: line (resumable)" : "no id: line", e.private ? "signed-in player only" : null]
                          .filter(Boolean)
                          .join("; ")}
                      </div>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </Section>
        ) : null}
      </div>
    </article>
  );
}

// ---- the page --------------------------------------------------------------------------------
// The document never changes while the page runs: listed once.
const ENTRIES = allEntries();
const SCHEMAS = Object.entries(doc.components.schemas);

export function ApiReference() {
  const entries = ENTRIES;
  const schemas = SCHEMAS;
  const [filter, setFilter] = useState("");
  const query = useDeferredValue(filter.trim().toLowerCase());
  const words = query.split(/\s+/).filter(Boolean);
  const matches = (haystack: string) => words.every((w) => haystack.includes(w));
  const shown = entries.filter((e) => matches(e.haystack));
  const shownSchemas = schemas.filter(([name, s]) => matches(`${name} ${s.description ?? ""} ${Object.keys(s.properties ?? {}).join(" ")}`.toLowerCase()));
  const groups = doc.tags
    .map((tag) => ({ tag, entries: shown.filter((e) => e.op.tags[0] === tag.name) }))
    .filter((g) => g.entries.length > 0);

  return (
    <div className={`${css.ref} flex flex-col gap-6`} data-testid="api-reference">
      <header className="flex flex-col gap-3">
        <h1 className="text-2xl font-semibold tracking-tight">API reference</h1>
        <p className="text-sm text-ink-300">
          {doc.info.summary} Version {doc.info.version}; the machine-readable document is{" "}
          <a href="/api/openapi.json" className="text-accent hover:underline">
            /api/openapi.json
          </a>{" "}
          (OpenAPI 3.1).
        </p>
        <details className="rounded-xl border border-ink-700 bg-ink-900 p-4">
          <summary className="cursor-pointer text-sm font-medium text-ink-100">Conventions, errors, authentication, the stream</summary>
          <Prose text={doc.info.description} className="mt-3" />
        </details>
      </header>

      <div className="sticky top-14 z-10 -mx-1 bg-ink-950 px-1 py-2">
        <label className="flex flex-col gap-1 text-xs text-ink-400">
          Filter
          <input
            type="search"
            value={filter}
            onChange={(e) => setFilter(e.target.value)}
            placeholder="a path, method, word, error code or schema (e.g. orders, 422, POST rules)"
            className="rounded-md border border-ink-700 bg-ink-900 px-3 py-2 text-sm text-ink-100 placeholder:text-ink-400 focus:border-accent focus:outline-none"
            data-testid="api-filter"
          />
        </label>
        <p className="mt-1 text-xs text-ink-400" role="status" data-testid="api-count">
          {shown.length} of {entries.length} operations, {shownSchemas.length} of {schemas.length} schemas
        </p>
      </div>

      {groups.length ? (
        <nav aria-label="Operations" className="rounded-xl border border-ink-700 bg-ink-900 p-4">
          <ul className="grid gap-x-6 gap-y-3 text-sm sm:grid-cols-2 xl:grid-cols-3">
            {groups.map(({ tag, entries: list }) => (
              <li key={tag.name}>
                <a href={`#tag-${tag.name.replace(/\s+/g, "-")}`} className="font-semibold text-ink-100 hover:underline">
                  {tag.name}
                </a>
                <ul className="mt-1 flex flex-col gap-0.5">
                  {list.map((e) => (
                    <li key={e.op.operationId} className="flex items-center gap-2">
                      <span className="w-12 shrink-0 font-mono text-[0.7rem] text-ink-400">{e.method}</span>
                      <a href={`#op-${e.op.operationId}`} className="truncate font-mono text-xs text-ink-300 hover:text-ink-100">
                        {e.path}
                      </a>
                    </li>
                  ))}
                </ul>
              </li>
            ))}
          </ul>
        </nav>
      ) : null}

      {groups.map(({ tag, entries: list }) => (
        <section key={tag.name} id={`tag-${tag.name.replace(/\s+/g, "-")}`} className="flex scroll-mt-44 flex-col gap-3">
          <div>
            <h2 className="text-lg font-semibold text-ink-100">{tag.name}</h2>
            {tag.description ? <p className="text-sm text-ink-300">{inline(tag.description)}</p> : null}
          </div>
          {list.map((e) => (
            <OperationView key={e.op.operationId} entry={e} />
          ))}
        </section>
      ))}

      {shownSchemas.length ? (
        <section className="flex flex-col gap-3">
          <h2 className="text-lg font-semibold text-ink-100">Schemas</h2>
          {shownSchemas.map(([name, schema]) => (
            <article key={name} id={`schema-${name}`} className="scroll-mt-44 rounded-xl border border-ink-700 bg-ink-900 p-4">
              <h3 className="font-mono text-sm font-semibold text-ink-100">{name}</h3>
              <Prose text={schema.description} className="mt-1" />
              <div className="mt-2">
                {schema.properties ? <Properties schema={schema} /> : <SchemaView schema={schema} />}
              </div>
            </article>
          ))}
        </section>
      ) : null}

      {shown.length === 0 && shownSchemas.length === 0 ? (
        <p className="text-sm text-ink-400">Nothing matches “{filter}”.</p>
      ) : null}
    </div>
  );
}
