"use client";
// Building blocks of the admin page: cursor paging over the admin lists (each page names the
// cursor of the next in `next`, null at the end), a "Load more" button, an action button that
// asks for confirmation in place (no window.confirm, which headless tests and some browsers
// suppress), and small cells.

import { useState, type ReactNode } from "react";
import useSWRInfinite from "swr/infinite";
import { ApiError } from "@/lib/api";
import { formatMarketTime } from "@/lib/format";
import { errorText } from "../Notice";

export interface CursorPage {
  next: number | null;
}

export function usePagedList<P extends CursorPage>(keyFor: (cursor: number | null) => string) {
  const result = useSWRInfinite<P>(
    (index, previous: P | null) => {
      if (index === 0) return keyFor(null);
      if (!previous || previous.next === null) return null;
      return keyFor(previous.next);
    },
    // Admin lists change under the admin's own hand; focus refetches of every page add nothing.
    { revalidateOnFocus: false, revalidateFirstPage: false },
  );
  const pages = result.data ?? [];
  const last = pages[pages.length - 1];
  const hasMore = last ? last.next !== null : false;
  const loadingMore = result.size > pages.length && result.isValidating;
  return { ...result, pages, hasMore, loadingMore, loadMore: () => void result.setSize(result.size + 1) };
}

export function LoadMore({
  hasMore,
  loading,
  onClick,
  count,
  noun,
}: {
  hasMore: boolean;
  loading: boolean;
  onClick: () => void;
  count: number;
  // Singular; an "s" makes the plural (user, message, report).
  noun: string;
}) {
  return (
    <div className="flex items-center justify-between gap-3 pt-3 text-xs text-ink-400">
      <span>
        {count} {count === 1 ? noun : `${noun}s`}
        {hasMore ? " so far" : ""}
      </span>
      {hasMore ? (
        <button
          type="button"
          onClick={onClick}
          disabled={loading}
          data-testid="load-more"
          className="rounded-md border border-ink-600 px-3 py-1.5 text-sm text-ink-100 hover:border-accent hover:bg-ink-800 disabled:opacity-60"
        >
          {loading ? "Loading…" : "Load more"}
        </button>
      ) : null}
    </div>
  );
}

const toneClass = {
  neutral: "border-ink-600 text-ink-100 hover:border-accent hover:bg-ink-800",
  danger: "border-loss/50 text-loss hover:bg-loss/10",
} as const;

// A button whose action runs only after a second, explicit "Yes"; its failure is shown beside it.
export function ConfirmAction({
  label,
  question,
  tone = "neutral",
  disabled,
  disabledReason,
  onConfirm,
  testId,
}: {
  label: string;
  question: string;
  tone?: keyof typeof toneClass;
  disabled?: boolean;
  disabledReason?: string;
  onConfirm: () => Promise<void>;
  testId?: string;
}) {
  const [asking, setAsking] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function run() {
    setBusy(true);
    setError(null);
    try {
      await onConfirm();
      setAsking(false);
    } catch (failure) {
      setError(errorText(failure));
    } finally {
      setBusy(false);
    }
  }

  const base = "rounded-md border px-2 py-1 text-xs whitespace-nowrap transition-colors disabled:cursor-not-allowed disabled:opacity-50";
  if (!asking) {
    return (
      <span className="inline-flex flex-col items-start gap-1">
        <button
          type="button"
          className={`${base} ${toneClass[tone]}`}
          disabled={disabled}
          title={disabled ? disabledReason : undefined}
          onClick={() => {
            setError(null);
            setAsking(true);
          }}
          data-testid={testId}
        >
          {label}
        </button>
        {error ? <span className="text-xs text-loss">{error}</span> : null}
      </span>
    );
  }
  return (
    <span className="inline-flex flex-col items-start gap-1" role="group" aria-label={question}>
      <span className="text-xs text-ink-300">{question}</span>
      <span className="inline-flex gap-1.5">
        <button
          type="button"
          className={`${base} ${toneClass[tone]}`}
          disabled={busy}
          onClick={() => void run()}
          data-testid={testId ? `${testId}-confirm` : undefined}
        >
          {busy ? "Working…" : "Yes"}
        </button>
        <button
          type="button"
          className={`${base} ${toneClass.neutral}`}
          disabled={busy}
          onClick={() => {
            setAsking(false);
            setError(null);
          }}
        >
          Cancel
        </button>
      </span>
      {error ? <span className="text-xs text-loss">{error}</span> : null}
    </span>
  );
}

export function Time({ value }: { value: string | null | undefined }) {
  if (!value) return <span className="text-ink-400">—</span>;
  return (
    <time dateTime={value} className="whitespace-nowrap">
      {formatMarketTime(value)}
    </time>
  );
}

export function Badge({ children, tone = "neutral" }: { children: ReactNode; tone?: "neutral" | "good" | "bad" | "accent" }) {
  const tones = {
    neutral: "border-ink-600 text-ink-300",
    good: "border-gain/40 text-gain",
    bad: "border-loss/40 text-loss",
    accent: "border-accent/50 text-accent",
  };
  return <span className={`inline-block rounded border px-1.5 py-0.5 text-[11px] leading-none ${tones[tone]}`}>{children}</span>;
}

// What an admin list says when it cannot load: a lost admin role gets its own words.
export function listErrorTitle(error: unknown, what: string): string {
  if (error instanceof ApiError && error.status === 403) return `Not allowed to read ${what}: this account is not an admin`;
  if (error instanceof ApiError && error.status === 401) return "Signed out";
  return `Could not load ${what}`;
}

// A search box that applies on submit (Enter), so each keystroke does not query the server.
export function SearchBox({
  value,
  onSearch,
  placeholder,
  testId,
  children,
}: {
  value: string;
  onSearch: (q: string) => void;
  placeholder: string;
  testId?: string;
  children?: ReactNode;
}) {
  const [text, setText] = useState(value);
  return (
    <form
      role="search"
      className="flex flex-wrap items-center gap-2"
      onSubmit={(event) => {
        event.preventDefault();
        onSearch(text.trim());
      }}
    >
      <input
        type="search"
        value={text}
        onChange={(e) => setText(e.target.value)}
        placeholder={placeholder}
        aria-label={placeholder}
        data-testid={testId}
        className="w-64 max-w-full rounded-md border border-ink-600 bg-ink-950 px-3 py-1.5 text-sm text-ink-100 placeholder:text-ink-400 focus:border-accent focus:outline-none"
      />
      {children}
      <button type="submit" className="rounded-md border border-ink-600 px-3 py-1.5 text-sm text-ink-100 hover:border-accent hover:bg-ink-800">
        Search
      </button>
      {value ? (
        <button
          type="button"
          className="text-sm text-ink-400 hover:text-ink-100"
          onClick={() => {
            setText("");
            onSearch("");
          }}
        >
          Clear
        </button>
      ) : null}
    </form>
  );
}
