"use client";

import {
  NewestPlayersPanel,
  NotablePanel,
  SectorsPanel,
  TopPlayersPanel,
  TrendingPanel,
} from "@/components/HomeFeed";
import { MarketStatusLine } from "@/components/MarketStatusLine";
import { MoversPanel } from "@/components/MoversPanel";
import { StockGrid } from "@/components/StockGrid";

// The market and its home feed, the same signed in or out: stocks, today's movers, the week's
// and month's, sectors, notable trades, the leaderboard's top and the newest players.
export default function HomePage() {
  return (
    <div className="flex flex-col gap-5">
      <div className="flex flex-col gap-1">
        <h1 className="text-2xl font-semibold tracking-tight">Market</h1>
        <MarketStatusLine />
      </div>
      <div className="grid grid-cols-1 gap-5 lg:grid-cols-[minmax(0,1fr)_300px]">
        {/* What happens on the market comes first; the 28 stocks' cards below it, and the side
            column beside them carries the players, so nothing of the feed sits below the grid. */}
        <div className="flex min-w-0 flex-col gap-5">
          <div className="grid grid-cols-1 gap-5 md:grid-cols-2">
            <NotablePanel />
            <SectorsPanel />
          </div>
          <StockGrid />
        </div>
        <aside className="flex flex-col gap-5">
          <MoversPanel />
          <TopPlayersPanel />
          <TrendingPanel />
          <NewestPlayersPanel />
        </aside>
      </div>
    </div>
  );
}
