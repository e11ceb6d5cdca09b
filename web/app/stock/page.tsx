"use client";

import { Suspense } from "react";
import { StockView } from "@/components/StockView";

// One exported page for every symbol: the symbol is a query parameter read in the browser.
export default function StockPage() {
  return (
    <Suspense fallback={<div className="text-sm text-ink-400">Loading…</div>}>
      <StockView />
    </Suspense>
  );
}
