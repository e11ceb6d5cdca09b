"use client";

import { MarketStatusLine } from "@/components/MarketStatusLine";
import { MoversPanel } from "@/components/MoversPanel";
import { StockGrid } from "@/components/StockGrid";

export default function HomePage() {
  return (
    <div className="flex flex-col gap-5">
      <div className="flex flex-col gap-1">
        <h1 className="text-2xl font-semibold tracking-tight">Market</h1>
        <MarketStatusLine />
      </div>
      <div className="grid grid-cols-1 gap-5 lg:grid-cols-[minmax(0,1fr)_300px]">
        <StockGrid />
        <aside className="flex flex-col gap-5">
          <MoversPanel />
        </aside>
      </div>
    </div>
  );
}
