"use client";
// Merges what SWR fetched with what the stream pushed, keeping whichever is newer, so a
// refetch after a reconnect never rolls a price back and a tick never loses to stale REST.

import { isNewer } from "./format";
import { useQuote } from "./stream";
import type { Stock } from "./models";

export interface LiveQuote {
  price: string | null;
  change: string | null;
  change_percent: number | null;
  updated_at: string | null;
  day_volume: number | null;
}

export function useLiveQuote(symbol: string, stock: Stock | undefined): LiveQuote {
  const tick = useQuote(symbol);
  const base: LiveQuote = {
    price: stock?.price ?? null,
    change: stock?.change ?? null,
    change_percent: stock?.change_percent ?? null,
    updated_at: stock?.updated_at ?? null,
    day_volume: null,
  };
  if (tick && isNewer(tick.time, base.updated_at)) {
    return {
      price: tick.price,
      // Without a previous close a tick has no change (and without a quote no day volume).
      change: tick.change ?? null,
      change_percent: tick.change_percent ?? null,
      updated_at: tick.time,
      day_volume: tick.day_volume ?? null,
    };
  }
  return base;
}
