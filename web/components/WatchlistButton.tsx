"use client";
// The stock page's "Watchlist" button: a menu of the player's lists, each checked when the
// symbol is in it; choosing one adds the symbol or takes it out. A player without lists is
// offered "Primary Watchlist" with this symbol in it. Each list's contents are fetched only
// once the menu is open (a player may have up to 50). A visitor gets a sign-in link that
// brings them back to this stock.

import Link from "next/link";
import { useEffect, useRef, useState } from "react";
import { signInHref, useAuth } from "@/lib/auth";
import type { WatchlistSummary } from "@/lib/models";
import { PRIMARY_WATCHLIST, useWatchlist, useWatchlistActions, useWatchlists } from "@/lib/watchlists";
import { errorText } from "./Notice";

const triggerClass =
  "inline-flex items-center gap-1.5 rounded-md border border-ink-600 px-2.5 py-1 text-xs text-ink-100 " +
  "transition-colors hover:border-accent hover:bg-ink-800 disabled:cursor-not-allowed disabled:opacity-60";

const itemClass =
  "flex w-full items-center gap-2 rounded px-2.5 py-1.5 text-left text-sm text-ink-100 transition-colors " +
  "hover:bg-ink-800 focus-visible:bg-ink-800 focus-visible:outline-none disabled:cursor-wait disabled:opacity-60";

function Star({ filled }: { filled: boolean }) {
  return (
    <svg viewBox="0 0 16 16" className={`h-3.5 w-3.5 shrink-0 ${filled ? "text-accent" : "text-ink-400"}`} aria-hidden="true">
      <path
        d="M8 1.5l1.9 4.1 4.4.5-3.3 3 .9 4.4L8 11.3l-3.9 2.2.9-4.4-3.3-3 4.4-.5z"
        fill={filled ? "currentColor" : "none"}
        stroke="currentColor"
        strokeWidth="1.2"
        strokeLinejoin="round"
      />
    </svg>
  );
}

function Check({ on }: { on: boolean }) {
  return (
    <span
      aria-hidden="true"
      className={`flex h-4 w-4 shrink-0 items-center justify-center rounded border text-[11px] leading-none ${
        on ? "border-accent bg-accent text-white" : "border-ink-600"
      }`}
    >
      {on ? "✓" : ""}
    </span>
  );
}

// One list in the menu: checked when the symbol is in it; a click adds or removes it.
function ListItem({
  summary,
  symbol,
  onFailure,
}: {
  summary: WatchlistSummary;
  symbol: string;
  onFailure: (text: string | null) => void;
}) {
  const { data } = useWatchlist(summary.id);
  const { add, remove } = useWatchlistActions();
  const [busy, setBusy] = useState(false);
  const inList = data ? data.assets.some((a) => a.symbol === symbol) : false;

  async function toggle() {
    if (!data || busy) return;
    setBusy(true);
    onFailure(null);
    try {
      if (inList) await remove(summary.id, symbol);
      else await add(summary.id, symbol);
    } catch (error) {
      onFailure(errorText(error));
    } finally {
      setBusy(false);
    }
  }

  return (
    <button
      type="button"
      role="menuitemcheckbox"
      aria-checked={inList}
      className={itemClass}
      disabled={!data || busy}
      onClick={() => void toggle()}
      data-testid="stock-watchlist-item"
      data-name={summary.name}
    >
      <Check on={inList} />
      <span className="min-w-0 flex-1 truncate">{summary.name}</span>
      {!data || busy ? <span className="text-xs text-ink-400">…</span> : null}
    </button>
  );
}

function Menu({ symbol }: { symbol: string }) {
  const [open, setOpen] = useState(false);
  const [failure, setFailure] = useState<string | null>(null);
  const [creating, setCreating] = useState(false);
  const lists = useWatchlists();
  const { create } = useWatchlistActions();
  const wrapper = useRef<HTMLDivElement>(null);

  // Closes on a click elsewhere or Escape, as menus do.
  useEffect(() => {
    if (!open) return;
    const onPointer = (event: MouseEvent) => {
      if (wrapper.current && !wrapper.current.contains(event.target as Node)) setOpen(false);
    };
    const onKey = (event: KeyboardEvent) => {
      if (event.key === "Escape") setOpen(false);
    };
    document.addEventListener("mousedown", onPointer);
    document.addEventListener("keydown", onKey);
    return () => {
      document.removeEventListener("mousedown", onPointer);
      document.removeEventListener("keydown", onKey);
    };
  }, [open]);

  async function createPrimary() {
    if (creating) return;
    setCreating(true);
    setFailure(null);
    try {
      await create(PRIMARY_WATCHLIST, [symbol]);
    } catch (error) {
      setFailure(errorText(error));
    } finally {
      setCreating(false);
    }
  }

  const all = lists.data ?? [];
  return (
    <div ref={wrapper} className="relative" data-testid="stock-watchlist">
      <button
        type="button"
        className={triggerClass}
        aria-haspopup="menu"
        aria-expanded={open}
        onClick={() => {
          setFailure(null);
          setOpen((v) => !v);
        }}
        data-testid="stock-watchlist-button"
      >
        <Star filled={open} />
        Watchlist
      </button>
      {open ? (
        <div
          role="menu"
          aria-label={`Watchlists for ${symbol}`}
          className="absolute left-0 top-full z-30 mt-1 w-64 rounded-lg border border-ink-700 bg-ink-900 p-1.5 shadow-xl shadow-black/40"
          data-testid="stock-watchlist-menu"
        >
          <div className="px-2.5 pt-1 pb-1.5 text-xs text-ink-400">
            Keep <span className="font-mono text-ink-300">{symbol}</span> in:
          </div>
          {lists.error && !lists.data ? (
            <p className="px-2.5 py-1.5 text-xs text-loss" role="alert">
              {errorText(lists.error)}
            </p>
          ) : !lists.data ? (
            <p className="px-2.5 py-1.5 text-sm text-ink-400" role="status">
              Loading…
            </p>
          ) : all.length === 0 ? (
            <button
              type="button"
              role="menuitem"
              className={itemClass}
              disabled={creating}
              onClick={() => void createPrimary()}
              data-testid="stock-watchlist-create"
            >
              <Star filled={false} />
              <span className="min-w-0 flex-1">
                {creating ? "Creating…" : `Create “${PRIMARY_WATCHLIST}” with ${symbol}`}
              </span>
            </button>
          ) : (
            <div className="max-h-64 overflow-y-auto">
              {all.map((w) => (
                <ListItem key={w.id} summary={w} symbol={symbol} onFailure={setFailure} />
              ))}
            </div>
          )}
          {failure ? (
            <p className="px-2.5 py-1.5 text-xs text-loss" role="alert" data-testid="stock-watchlist-error">
              {failure}
            </p>
          ) : null}
          <div className="mt-1 border-t border-ink-700 pt-1">
            <Link
              href="/watchlist/"
              role="menuitem"
              className="block rounded px-2.5 py-1.5 text-sm text-accent hover:bg-ink-800"
              data-testid="stock-watchlist-manage"
            >
              Manage watchlists
            </Link>
          </div>
        </div>
      ) : null}
    </div>
  );
}

export function WatchlistButton({ symbol }: { symbol: string }) {
  const { user, status } = useAuth();
  if (user) return <Menu key={user.id} symbol={symbol} />;
  if (status === "loading") return null;
  return (
    <Link
      href={signInHref(`/stock/?symbol=${encodeURIComponent(symbol)}`)}
      className={triggerClass}
      title="Sign in to keep watchlists"
      data-testid="stock-watchlist-signin"
    >
      <Star filled={false} />
      Watchlist
    </Link>
  );
}
