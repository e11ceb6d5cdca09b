"use client";

import useSWR from "swr";
import { paths } from "@/lib/api";
import type { StockList } from "@/lib/models";
import { ErrorNotice, Notice } from "./Notice";
import { StockCard } from "./StockCard";

const GRID = "grid grid-cols-1 gap-3 sm:grid-cols-2 xl:grid-cols-3 2xl:grid-cols-4";

export function StockGrid() {
  const { data, error, isLoading, mutate } = useSWR<StockList>(paths.stocks());

  if (error && !data) {
    return <ErrorNotice title="Could not load the market" error={error} onRetry={() => void mutate()} />;
  }
  if (isLoading || !data) {
    return (
      <div className={GRID} aria-busy="true" aria-label="Loading stocks">
        {Array.from({ length: 8 }, (_, i) => (
          <div key={i} className="h-[104px] animate-pulse rounded-xl border border-ink-700 bg-ink-900" />
        ))}
      </div>
    );
  }
  if (data.stocks.length === 0) {
    return <Notice title="No instruments yet">The market has no instruments listed.</Notice>;
  }
  return (
    <div className={GRID} data-testid="stock-grid">
      {data.stocks.map((stock) => (
        <StockCard key={stock.symbol} stock={stock} />
      ))}
    </div>
  );
}
