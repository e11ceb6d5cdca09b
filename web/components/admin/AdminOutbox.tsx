"use client";
// Admin: the mail outbox, newest first: every message the server queued (verification links,
// "someone tried to register with your address"), sent or not. Bodies are shown as plain
// preformatted text, never as HTML.

import { ErrorNotice } from "../Notice";
import { paths } from "@/lib/api";
import type { OutboxPage } from "@/lib/models";
import { Badge, LoadMore, Time, listErrorTitle, usePagedList } from "./shared";

export function AdminOutbox() {
  const list = usePagedList<OutboxPage>((before) => paths.adminOutbox(before));
  const messages = list.pages.flatMap((page) => page.messages);

  if (list.error && messages.length === 0) {
    return <ErrorNotice title={listErrorTitle(list.error, "the outbox")} error={list.error} onRetry={() => void list.mutate()} />;
  }
  if (list.isLoading) {
    return <div className="h-40 animate-pulse rounded-xl border border-ink-700 bg-ink-900" aria-busy="true" />;
  }
  return (
    <div className="flex flex-col gap-3" data-testid="admin-outbox">
      <div className="flex justify-end">
        <button
          type="button"
          onClick={() => void list.mutate()}
          className="rounded-md border border-ink-600 px-3 py-1.5 text-sm text-ink-100 hover:border-accent hover:bg-ink-800"
        >
          Refresh
        </button>
      </div>
      {messages.length === 0 ? <p className="text-sm text-ink-400">The outbox is empty.</p> : null}
      {messages.map((m) => (
        <article key={m.id} className="rounded-xl border border-ink-700 bg-ink-900 p-4" data-testid="outbox-message">
          <header className="flex flex-wrap items-baseline justify-between gap-x-4 gap-y-1">
            <h3 className="text-sm font-semibold text-ink-100">{m.subject}</h3>
            <span className="text-xs text-ink-400">
              #{m.id} · queued <Time value={m.created_at} /> ·{" "}
              {m.sent_at ? (
                <>
                  sent <Time value={m.sent_at} />
                </>
              ) : (
                <Badge>not sent</Badge>
              )}
            </span>
          </header>
          <div className="mt-1 text-xs text-ink-300">
            To: <span className="break-all">{m.to}</span>
          </div>
          {!m.sent_at && m.last_error ? (
            <p className="mt-1 text-xs text-loss" data-testid="outbox-error">
              {m.attempts ?? 0} failed attempt{m.attempts === 1 ? "" : "s"}: {m.last_error}
            </p>
          ) : null}
          <pre className="mt-3 max-h-80 overflow-auto rounded-md bg-ink-950 p-3 font-mono text-xs whitespace-pre-wrap break-words text-ink-100">
            {m.body}
          </pre>
        </article>
      ))}
      {messages.length > 0 ? (
        <LoadMore hasMore={list.hasMore} loading={list.loadingMore} onClick={list.loadMore} count={messages.length} noun="message" />
      ) : null}
    </div>
  );
}
