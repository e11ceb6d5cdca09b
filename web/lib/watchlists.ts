"use client";
// The player's watchlists (docs/api.md "Watchlists"), shared by the Watchlist page and the stock
// page's "Watchlist" menu. SWR holds the index (GET /v2/watchlists: names only) and each list
// (GET /v2/watchlists/{id}: with its assets) under their paths. Every change answers with the
// whole list, which goes straight into that list's cache entry; the index is refetched after
// it, since a change moves updated_at and a rename changes the name.

import useSWR, { useSWRConfig } from "swr";
import { apiSend, paths } from "./api";
import type { Watchlist, WatchlistSummary } from "./models";

// What Alpaca's own apps call the list they make first; the stock page offers to create it.
export const PRIMARY_WATCHLIST = "Primary Watchlist";

// Names are 1 to 64 characters (the server says so with a 400 otherwise).
export const WATCHLIST_NAME_MAX = 64;

export function watchlistNameProblem(name: string): string | null {
  const trimmed = name.trim();
  if (trimmed === "") return "Give the list a name.";
  if (trimmed.length > WATCHLIST_NAME_MAX) return `At most ${WATCHLIST_NAME_MAX} characters.`;
  return null;
}

export function useWatchlists(enabled = true) {
  return useSWR<WatchlistSummary[]>(enabled ? paths.watchlists() : null);
}

export function useWatchlist(id: string | null) {
  return useSWR<Watchlist>(id ? paths.watchlist(id) : null);
}

function summaryOf(list: Watchlist): WatchlistSummary {
  return { id: list.id, name: list.name, created_at: list.created_at, updated_at: list.updated_at };
}

export interface WatchlistActions {
  create: (name: string, symbols?: string[]) => Promise<Watchlist>;
  rename: (id: string, name: string) => Promise<Watchlist>;
  add: (id: string, symbol: string) => Promise<Watchlist>;
  remove: (id: string, symbol: string) => Promise<Watchlist>;
  destroy: (id: string) => Promise<void>;
}

export function useWatchlistActions(): WatchlistActions {
  const { mutate } = useSWRConfig();

  // The answer is the list as it now stands: cache it, and show it in the index at once
  // (a new list at the end, a renamed one under its new name) before the index is refetched.
  async function settle(list: Watchlist): Promise<Watchlist> {
    await mutate(paths.watchlist(list.id), list, { revalidate: false });
    void mutate<WatchlistSummary[]>(
      paths.watchlists(),
      (current) => {
        if (!current) return current;
        const found = current.some((w) => w.id === list.id);
        return found ? current.map((w) => (w.id === list.id ? summaryOf(list) : w)) : [...current, summaryOf(list)];
      },
      { revalidate: true },
    );
    return list;
  }

  return {
    create: async (name, symbols = []) =>
      settle(await apiSend<Watchlist>("POST", paths.watchlists(), { name: name.trim(), symbols })),
    rename: async (id, name) => settle(await apiSend<Watchlist>("PUT", paths.watchlist(id), { name: name.trim() })),
    add: async (id, symbol) => settle(await apiSend<Watchlist>("POST", paths.watchlist(id), { symbol })),
    remove: async (id, symbol) => settle(await apiSend<Watchlist>("DELETE", paths.watchlistSymbol(id, symbol))),
    destroy: async (id) => {
      await apiSend<void>("DELETE", paths.watchlist(id));
      // Dropped without a refetch: the list is gone, and asking for it again would be a 404.
      await mutate(paths.watchlist(id), undefined, { revalidate: false });
      void mutate<WatchlistSummary[]>(
        paths.watchlists(),
        (current) => current?.filter((w) => w.id !== id),
        { revalidate: true },
      );
    },
  };
}
