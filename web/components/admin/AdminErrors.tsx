"use client";
// Admin: error reports, from browsers (lib/errors.ts) and from the server's own 500s, newest
// first, filtered by source and text. The stored report is shown as pretty-printed JSON TEXT:
// it is whatever a client chose to send, so it is never rendered as HTML.

import { useState } from "react";
import { ErrorNotice } from "../Notice";
import { paths } from "@/lib/api";
import type { ErrorReportPage } from "@/lib/models";
import { Badge, LoadMore, SearchBox, Time, listErrorTitle, usePagedList } from "./shared";

function pretty(report: unknown): string {
  // A report stored as a JSON string is parsed so it can be indented like the rest.
  let value = report;
  if (typeof value === "string") {
    try {
      value = JSON.parse(value) as unknown;
    } catch {
      return value as string;
    }
  }
  try {
    return JSON.stringify(value, null, 2) ?? String(value);
  } catch {
    return String(value);
  }
}

export function AdminErrors() {
  const [source, setSource] = useState<"" | "client" | "server">("");
  const [q, setQ] = useState("");
  const list = usePagedList<ErrorReportPage>((before) => paths.adminErrors(source, q, before));
  const reports = list.pages.flatMap((page) => page.reports);

  return (
    <div className="flex flex-col gap-4" data-testid="admin-errors">
      <SearchBox value={q} onSearch={setQ} placeholder="Text in the message or report" testId="admin-errors-search">
        <select
          value={source}
          onChange={(e) => setSource(e.target.value as typeof source)}
          aria-label="Source"
          data-testid="admin-errors-source"
          className="rounded-md border border-ink-600 bg-ink-950 px-2 py-1.5 text-sm text-ink-100 focus:border-accent focus:outline-none"
        >
          <option value="">All sources</option>
          <option value="client">Client</option>
          <option value="server">Server</option>
        </select>
      </SearchBox>
      {list.error && reports.length === 0 ? (
        <ErrorNotice title={listErrorTitle(list.error, "error reports")} error={list.error} onRetry={() => void list.mutate()} />
      ) : list.isLoading ? (
        <div className="h-40 animate-pulse rounded-xl border border-ink-700 bg-ink-900" aria-busy="true" />
      ) : reports.length === 0 ? (
        <p className="text-sm text-ink-400">No reports{q || source ? " match" : " yet"}.</p>
      ) : (
        reports.map((r) => (
          <article key={r.id} className="rounded-xl border border-ink-700 bg-ink-900 p-4" data-testid="error-report">
            <header className="flex flex-wrap items-center gap-x-3 gap-y-1 text-xs text-ink-400">
              <Badge tone={r.source === "server" ? "bad" : "accent"}>{r.source}</Badge>
              <Time value={r.created_at} />
              <span>#{r.id}</span>
              {r.user_tag ? <span className="font-mono">@{r.user_tag}</span> : <span>anonymous</span>}
              {r.request_id ? (
                <span>
                  request <span className="font-mono text-ink-300 select-all">{r.request_id}</span>
                </span>
              ) : null}
            </header>
            <p className="mt-2 text-sm break-words text-ink-100">{r.message ?? "(no message)"}</p>
            {r.page ? (
              <p className="mt-1 text-xs break-all text-ink-400">
                Page <span className="font-mono text-ink-300">{r.page}</span>
              </p>
            ) : null}
            <details className="mt-3">
              <summary className="cursor-pointer text-xs text-ink-300 hover:text-ink-100">Report JSON</summary>
              <pre className="mt-2 max-h-96 overflow-auto rounded-md bg-ink-950 p-3 font-mono text-xs whitespace-pre-wrap break-words text-ink-100">
                {pretty(r.report)}
              </pre>
            </details>
          </article>
        ))
      )}
      {reports.length > 0 ? (
        <LoadMore hasMore={list.hasMore} loading={list.loadingMore} onClick={list.loadMore} count={reports.length} noun="report" />
      ) : null}
    </div>
  );
}
