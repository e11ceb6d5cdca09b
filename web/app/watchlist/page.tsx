"use client";
// Watchlist: the player's lists of instruments, priced live (components/WatchlistView.tsx).

import { LoadingBoundary } from "@/components/LoadingBoundary";
import { RequireUser } from "@/components/RequireUser";
import { WatchlistView } from "@/components/WatchlistView";
import { usePageTitle } from "@/lib/title";

export default function WatchlistPage() {
  usePageTitle("Watchlist");
  return (
    <RequireUser next="/watchlist/">
      {(user) => (
        // The chosen list is a query parameter, only known in the browser.
        <LoadingBoundary>
          <WatchlistView key={user.id} />
        </LoadingBoundary>
      )}
    </RequireUser>
  );
}
