"use client";
// Watchlist: the player's lists of instruments, priced live (components/WatchlistView.tsx).

import { Suspense } from "react";
import { RequireUser } from "@/components/RequireUser";
import { WatchlistView } from "@/components/WatchlistView";
import { usePageTitle } from "@/lib/title";

export default function WatchlistPage() {
  usePageTitle("Watchlist");
  return (
    <RequireUser next="/watchlist/">
      {(user) => (
        // The chosen list is a query parameter, only known in the browser.
        <Suspense fallback={<div className="text-sm text-ink-400">Loading…</div>}>
          <WatchlistView key={user.id} />
        </Suspense>
      )}
    </RequireUser>
  );
}
