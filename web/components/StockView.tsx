"use client";
// One instrument: live quote, day stats, the price chart, the market's activity (the order
// book, the tape of trades, the top public holders), the trade ticket and the menu that keeps
// it in the player's watchlists.

import Link from "next/link";
import { useSearchParams } from "next/navigation";
import { useEffect, useState } from "react";
import useSWR from "swr";
import { ApiError, paths } from "@/lib/api";
import { INTERVALS } from "@/lib/candles";
import {
  decimalToNumber,
  formatDecimal,
  formatMarketTime,
  formatVolume,
  isNewer,
  maxDecimal,
  minDecimal,
} from "@/lib/format";
import { useLiveQuote } from "@/lib/live";
import { useTicks } from "@/lib/stream";
import type { ForecastModel, Interval, StockDetail } from "@/lib/models";
import { Change } from "./Change";
import { SimulatedNote, useSimulatedSince } from "./MarketStatusLine";
import { ForecastPanel } from "./ForecastPanel";
import { ErrorNotice, Notice } from "./Notice";
import { OrderBook } from "./OrderBook";
import { PriceChart, type ChartMode } from "./PriceChart";
import { Toggle } from "./Toggle";
import { TopHolders } from "./TopHolders";
import { TradeTicket } from "./TradeTicket";
import { TradeTape } from "./TradeTape";
import { WatchlistButton } from "./WatchlistButton";

const utcDay = (time: string | null | undefined) => (time ? time.slice(0, 10) : null);

// Highs and lows the stream has seen since the detail was fetched (`base` names that fetch).
interface Extremes {
  base: string | null;
  high: string | null;
  low: string | null;
}

function Stat({ label, value, testId }: { label: string; value: string; testId?: string }) {
  return (
    <div className="rounded-lg border border-ink-700 bg-ink-900 px-4 py-3">
      <div className="text-xs text-ink-400">{label}</div>
      <div className="mt-1 text-sm font-medium text-ink-100" data-testid={testId}>
        {value}
      </div>
    </div>
  );
}

function DayRangeBar({ low, high, price }: { low: string | null; high: string | null; price: string | null }) {
  const lo = decimalToNumber(low);
  const hi = decimalToNumber(high);
  const p = decimalToNumber(price);
  if (lo === null || hi === null || p === null || hi <= lo) return null;
  const pct = Math.min(100, Math.max(0, ((p - lo) / (hi - lo)) * 100));
  return (
    <div className="mt-2 h-1 w-full rounded-full bg-ink-700" aria-hidden="true">
      <div className="relative h-1 rounded-full bg-accent/60" style={{ width: `${pct}%` }}>
        <span className="absolute -top-1 right-0 h-3 w-0.5 translate-x-1/2 rounded bg-ink-100" />
      </div>
    </div>
  );
}

const MODES = ["candles", "line"] as const;

function StockDetailView({ symbol }: { symbol: string }) {
  const { data, error, mutate } = useSWR<StockDetail>(paths.stock(symbol));
  const live = useLiveQuote(symbol, data);
  const simulatedSince = useSimulatedSince();
  const [interval, setChartInterval] = useState<Interval>("1m");
  const [mode, setMode] = useState<ChartMode>("candles");
  // The forecast model chosen in the forecast panel, and drawn on the chart's daily view.
  const [forecastModel, setForecastModel] = useState<ForecastModel>("drift");
  const [extremes, setExtremes] = useState<Extremes>({ base: null, high: null, low: null });
  const [dayVolume, setDayVolume] = useState<{ base: string | null; volume: number } | null>(null);

  const base = data?.updated_at ?? null;

  useTicks(symbol, (tick) => {
    if (!data || !isNewer(tick.time, base)) return;
    if (base && utcDay(tick.time) !== utcDay(base)) {
      // A new trading day: open, previous close and the range all start over.
      void mutate();
      return;
    }
    setExtremes((prev) => {
      const same = prev.base === base;
      return {
        base,
        high: maxDecimal(same ? prev.high : null, tick.price),
        low: minDecimal(same ? prev.low : null, tick.price),
      };
    });
    // A tick of a symbol the server has no quote for carries no day volume.
    if (tick.day_volume !== undefined) setDayVolume({ base, volume: tick.day_volume });
  });

  useEffect(() => {
    document.title = `${symbol} · marketsim`;
  }, [symbol]);

  if (error && !data) {
    if (error instanceof ApiError && error.isNotFound) {
      return (
        <Notice title={`Unknown symbol “${symbol}”`}>
          <p data-testid="unknown-symbol">
            marketsim does not list an instrument with that symbol.{" "}
            <Link href="/" className="text-accent hover:underline">
              Browse the market
            </Link>
            .
          </p>
        </Notice>
      );
    }
    return <ErrorNotice title={`Could not load ${symbol}`} error={error} onRetry={() => void mutate()} />;
  }

  const fresh = extremes.base === base && base !== null;
  const dayHigh = fresh ? maxDecimal(data?.day_high ?? null, extremes.high) : (data?.day_high ?? null);
  const dayLow = fresh ? minDecimal(data?.day_low ?? null, extremes.low) : (data?.day_low ?? null);
  const volume =
    dayVolume && dayVolume.base === base ? Math.max(dayVolume.volume, data?.volume ?? 0) : data?.volume;

  return (
    <div className="flex flex-col gap-5">
      <nav className="text-xs text-ink-400">
        <Link href="/" className="hover:text-ink-100">
          Market
        </Link>{" "}
        / <span className="text-ink-300">{symbol}</span>
      </nav>

      <header className="flex flex-wrap items-end justify-between gap-4">
        <div>
          <div className="flex items-center gap-3">
            <h1 className="font-mono text-2xl font-semibold tracking-wide">{symbol}</h1>
            {data?.sector ? (
              <span className="rounded bg-ink-800 px-2 py-0.5 text-xs text-ink-300">{data.sector}</span>
            ) : null}
            <WatchlistButton symbol={symbol} />
          </div>
          <div className="mt-0.5 text-sm text-ink-300" data-testid="stock-name">
            {data ? data.name : "Loading…"}
          </div>
        </div>
        <div className="text-right">
          <div className="text-3xl font-semibold" data-testid={`price-${symbol}`}>
            {data ? (live.price === null ? "not trading yet" : formatDecimal(live.price)) : "…"}
          </div>
          <div className="mt-1 text-sm" data-testid="stock-change">
            <Change change={live.change} percent={live.change_percent} />
            <span className="ml-2 text-xs text-ink-400">since previous close</span>
          </div>
          <div className="mt-0.5 text-xs text-ink-400">
            {live.updated_at ? `${formatMarketTime(live.updated_at)} market time` : "—"}
          </div>
          {data?.kind !== "simulated" && simulatedSince ? (
            <div className="mt-1 text-xs">
              <SimulatedNote since={simulatedSince} />
            </div>
          ) : null}
        </div>
      </header>

      <section className="grid grid-cols-2 gap-3 md:grid-cols-4" aria-label="Today">
        <div className="col-span-2 rounded-lg border border-ink-700 bg-ink-900 px-4 py-3 md:col-span-1">
          <div className="text-xs text-ink-400">Day range</div>
          <div className="mt-1 text-sm font-medium text-ink-100" data-testid="day-range">
            {dayLow !== null && dayHigh !== null
              ? `${formatDecimal(dayLow)} – ${formatDecimal(dayHigh)}`
              : "—"}
          </div>
          <DayRangeBar low={dayLow} high={dayHigh} price={live.price} />
        </div>
        <Stat label="Open" value={formatDecimal(data?.day_open)} testId="day-open" />
        <Stat label="Previous close" value={formatDecimal(data?.previous_close)} testId="previous-close" />
        <Stat label="Volume" value={formatVolume(volume)} testId="day-volume" />
      </section>

      <div className="grid grid-cols-1 items-start gap-5 xl:grid-cols-[minmax(0,1fr)_22rem]">
        <div className="flex min-w-0 flex-col gap-5">
          <section className="rounded-xl border border-ink-700 bg-ink-900 p-3" aria-label="Price chart">
            <div className="mb-2 flex flex-wrap items-center justify-between gap-2 px-1">
              <Toggle label="Interval" options={INTERVALS} value={interval} onChange={setChartInterval} />
              <Toggle
                label="Chart type"
                options={MODES}
                value={mode}
                onChange={setMode}
                render={(m) => (m === "candles" ? "Candles" : "Line")}
              />
            </div>
            <PriceChart symbol={symbol} interval={interval} mode={mode} forecastModel={forecastModel} />
          </section>
          <ForecastPanel symbol={symbol} chosen={forecastModel} onChoose={setForecastModel} />
          <OrderBook symbol={symbol} />
          <div className="grid grid-cols-1 items-start gap-5 lg:grid-cols-2">
            <TradeTape symbol={symbol} />
            <TopHolders symbol={symbol} />
          </div>
        </div>
        <aside className="xl:sticky xl:top-20">
          <TradeTicket symbol={symbol} price={live.price} halted={data?.halted === true} />
        </aside>
      </div>
    </div>
  );
}

export function StockView() {
  const params = useSearchParams();
  const symbol = (params.get("symbol") ?? "").trim().toUpperCase();
  if (!symbol) {
    return (
      <Notice title="No symbol chosen">
        Pick a stock on the{" "}
        <Link href="/" className="text-accent hover:underline">
          market page
        </Link>
        .
      </Notice>
    );
  }
  // Keyed so that moving to another symbol starts with fresh state and a fresh chart.
  return <StockDetailView key={symbol} symbol={symbol} />;
}
