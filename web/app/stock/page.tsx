"use client";

import { LoadingBoundary } from "@/components/LoadingBoundary";
import { StockView } from "@/components/StockView";

// One exported page for every symbol: the symbol is a query parameter read in the browser.
export default function StockPage() {
  return (
    <LoadingBoundary>
      <StockView />
    </LoadingBoundary>
  );
}
