"use client";

import Link from "next/link";
import { useState } from "react";
import { formatDecimal } from "@/lib/format";
import { useLiveQuote } from "@/lib/live";
import type { Stock } from "@/lib/models";
import { Change } from "./Change";

interface Flash {
  count: number;
  up: boolean;
}

// Remembers the last price seen so a change can flash once; state derived during render,
// so no effect and no timer is needed (the CSS animation runs once per remount).
export function usePriceFlash(price: string | null): Flash {
  const [seen, setSeen] = useState(price);
  const [flash, setFlash] = useState<Flash>({ count: 0, up: true });
  if (price !== seen) {
    setSeen(price);
    if (seen !== null && price !== null) {
      setFlash({ count: flash.count + 1, up: Number(price) >= Number(seen) });
    }
  }
  return flash;
}

const KIND_LABEL: Record<Stock["kind"], string | null> = {
  stock: null,
  index: "Index",
  simulated: "Sim",
};

export function StockCard({ stock }: { stock: Stock }) {
  const live = useLiveQuote(stock.symbol, stock);
  const flash = usePriceFlash(live.price);
  const kind = KIND_LABEL[stock.kind];
  const trading = live.price !== null;

  return (
    <Link
      href={`/stock/?symbol=${encodeURIComponent(stock.symbol)}`}
      data-testid={`stock-card-${stock.symbol}`}
      className="group relative block overflow-hidden rounded-xl border border-ink-700 bg-ink-900 p-4 transition-colors hover:border-ink-600 hover:bg-ink-850 focus-visible:outline-2 focus-visible:outline-accent"
    >
      {flash.count > 0 ? (
        <span
          key={flash.count}
          aria-hidden="true"
          className={`pointer-events-none absolute inset-0 ${flash.up ? "flash-up" : "flash-down"}`}
        />
      ) : null}
      <div className="relative flex items-start justify-between gap-2">
        <div className="min-w-0">
          <div className="flex items-center gap-2">
            <span className="font-mono text-sm font-semibold tracking-wide text-ink-100">
              {stock.symbol}
            </span>
            {kind ? (
              <span className="rounded bg-ink-800 px-1.5 py-0.5 text-[10px] font-medium uppercase tracking-wider text-ink-300">
                {kind}
              </span>
            ) : null}
          </div>
          <div className="truncate text-xs text-ink-400" title={stock.name}>
            {stock.name}
          </div>
        </div>
      </div>
      <div className="relative mt-3 flex items-end justify-between gap-2">
        {trading ? (
          <>
            <span
              data-testid={`price-${stock.symbol}`}
              className="text-xl font-semibold text-ink-100"
            >
              {formatDecimal(live.price)}
            </span>
            <Change
              change={live.change}
              percent={live.change_percent}
              showAbsolute={false}
              className="text-sm font-medium"
            />
          </>
        ) : (
          <span data-testid={`price-${stock.symbol}`} className="text-sm italic text-ink-400">
            not trading yet
          </span>
        )}
      </div>
    </Link>
  );
}
