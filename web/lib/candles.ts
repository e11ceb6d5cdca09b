// Candle arithmetic for the live chart: the server's candles converted to chart bars, and a
// tick folded into the last bar or into a new bucket. Pure, so it is easy to reason about.

import type { Candle, Interval, Tick } from "./models";

export interface Bar {
  time: number; // UTC seconds, the bucket start
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
}

export const INTERVAL_SECONDS: Record<Interval, number> = {
  "1m": 60,
  "5m": 300,
  "1h": 3600,
  "1d": 86400,
};

export const INTERVALS: Interval[] = ["1m", "5m", "1h", "1d"];

export function toSeconds(time: string): number {
  return Math.floor(Date.parse(time) / 1000);
}

export function candleToBar(candle: Candle): Bar | null {
  const time = toSeconds(candle.time);
  const open = Number(candle.open);
  const high = Number(candle.high);
  const low = Number(candle.low);
  const close = Number(candle.close);
  if (![time, open, high, low, close].every(Number.isFinite)) return null;
  return { time, open, high, low, close, volume: candle.volume ?? 0 };
}

export function candlesToBars(candles: Candle[]): Bar[] {
  const bars: Bar[] = [];
  for (const candle of candles) {
    const bar = candleToBar(candle);
    // The chart needs strictly increasing times; drop anything out of order.
    if (bar && (bars.length === 0 || bar.time > bars[bars.length - 1]!.time)) bars.push(bar);
  }
  return bars;
}

export type Fold =
  | { kind: "ignore" }
  | { kind: "update"; bar: Bar }
  | { kind: "append"; bar: Bar };

// Folds a tick into the series. Buckets keep the phase of the server's last candle (daily
// candles may start at the session open rather than midnight), else align to the epoch.
export function foldTick(last: Bar | undefined, tick: Tick, interval: Interval): Fold {
  const price = Number(tick.price);
  const t = toSeconds(tick.time);
  if (!Number.isFinite(price) || !Number.isFinite(t)) return { kind: "ignore" };
  const step = INTERVAL_SECONDS[interval];
  const volume = Number.isFinite(tick.volume) ? tick.volume : 0;

  if (last) {
    if (t < last.time) return { kind: "ignore" }; // older than what the chart shows
    if (t < last.time + step) {
      return {
        kind: "update",
        bar: {
          time: last.time,
          open: last.open,
          high: Math.max(last.high, price),
          low: Math.min(last.low, price),
          close: price,
          volume: last.volume + volume,
        },
      };
    }
    const start = last.time + Math.floor((t - last.time) / step) * step;
    return { kind: "append", bar: { time: start, open: price, high: price, low: price, close: price, volume } };
  }
  const start = Math.floor(t / step) * step;
  return { kind: "append", bar: { time: start, open: price, high: price, low: price, close: price, volume } };
}
