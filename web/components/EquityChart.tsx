"use client";
// "Your stocks"' equity over time: GET /v2/account/portfolio/history for the chosen period,
// drawn as a baseline chart around the period's first value (green above it, red below). The
// server records every player's equity once a minute (wall time) and ends the series with a
// point for now; that last point follows the live equity (the stream's `account` events, via
// the account the page already holds), and the history is refetched every minute for the
// points recorded since. Times are the player's local wall time, not the market's.

import {
  BaselineSeries,
  ColorType,
  createChart,
  TickMarkType,
  type IChartApi,
  type ISeriesApi,
  type Time,
  type UTCTimestamp,
} from "lightweight-charts";
import { useEffect, useMemo, useRef, useState } from "react";
import useSWR from "swr";
import { paths } from "@/lib/api";
import { decimalToNumber, formatMoney } from "@/lib/format";
import type { HistoryTimeframe, PortfolioHistory } from "@/lib/models";
import { Change } from "./Change";
import { errorText } from "./Notice";
import { Toggle } from "./Toggle";

const PERIODS = ["1D", "1W", "1M", "all"] as const;
type Period = (typeof PERIODS)[number];

// Buckets fine enough to show a young account's first hours, coarse enough to stay a few
// hundred points: a day by the minute, a week by the quarter hour, the rest by the hour.
const TIMEFRAME: Record<Period, HistoryTimeframe> = { "1D": "1Min", "1W": "15Min", "1M": "1H", all: "1H" };
const PERIOD_TEXT: Record<Period, string> = {
  "1D": "over the past day",
  "1W": "over the past week",
  "1M": "over the past month",
  all: "since you started",
};
const PERIOD_LABEL: Record<Period, string> = { "1D": "1D", "1W": "1W", "1M": "1M", all: "All" };

const GAIN = "#22c55e";
const LOSS = "#f04848";
const REFRESH_MS = 60_000;

export interface EquityPoint {
  time: UTCTimestamp;
  value: number;
}

// Strictly increasing times, as the chart needs them (a later point at the same second wins).
function toPoints(history: PortfolioHistory | undefined): EquityPoint[] {
  if (!history) return [];
  const points: EquityPoint[] = [];
  const count = Math.min(history.timestamp.length, history.equity.length);
  for (let i = 0; i < count; i += 1) {
    const time = history.timestamp[i];
    const value = history.equity[i];
    if (typeof time !== "number" || typeof value !== "number" || !Number.isFinite(value)) continue;
    const last = points[points.length - 1];
    if (last && time <= last.time) {
      if (time === last.time) last.value = value;
      continue;
    }
    points.push({ time: time as UTCTimestamp, value });
  }
  return points;
}

function seconds(time: Time): number {
  return typeof time === "number" ? time : Date.parse(typeof time === "string" ? time : `${time.year}-${time.month}-${time.day}`) / 1000;
}

// Tick and crosshair labels in the player's wall time, or in UTC for market time (the replayed
// history's clock, as formatMarketTime shows it).
function formatters(utc: boolean) {
  const zone = utc ? { timeZone: "UTC" } : {};
  const clock = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit", ...zone });
  const dayMonth = new Intl.DateTimeFormat(undefined, { day: "numeric", month: "short", ...zone });
  const month = new Intl.DateTimeFormat(undefined, { month: "short", ...zone });
  const year = new Intl.DateTimeFormat(undefined, { year: "numeric", ...zone });
  const full = new Intl.DateTimeFormat(undefined, {
    day: "numeric",
    month: "short",
    year: "numeric",
    hour: "2-digit",
    minute: "2-digit",
    ...zone,
  });
  const tickMark = (time: Time, type: TickMarkType): string => {
    const date = new Date(seconds(time) * 1000);
    switch (type) {
      case TickMarkType.Year:
        return year.format(date);
      case TickMarkType.Month:
        return month.format(date);
      case TickMarkType.DayOfMonth:
        return dayMonth.format(date);
      default:
        return clock.format(date);
    }
  };
  return { tickMark, full: (time: Time) => full.format(new Date(seconds(time) * 1000)) };
}

// The look of the app's time charts (this one and the Analytics page's): transparent, quiet
// grid, fixed (no scroll or zoom), labels in wall time or in UTC for market time.
export function chartOptions(utc: boolean) {
  const labels = formatters(utc);
  return {
    autoSize: true,
    layout: {
      background: { type: ColorType.Solid, color: "transparent" } as const,
      textColor: "#a3afc4",
      fontSize: 11,
    },
    grid: {
      vertLines: { color: "rgba(46,58,79,0.35)" },
      horzLines: { color: "rgba(46,58,79,0.35)" },
    },
    rightPriceScale: { borderColor: "#212a3a", scaleMargins: { top: 0.12, bottom: 0.08 } },
    timeScale: {
      borderColor: "#212a3a",
      timeVisible: true,
      secondsVisible: false,
      tickMarkFormatter: labels.tickMark,
    },
    localization: { timeFormatter: labels.full },
    crosshair: { mode: 0 },
    handleScroll: false,
    handleScale: false,
  };
}

// The chart itself: a baseline series around `base` (green above, red below) that fills its
// container. `live`, when given, moves the last point between refetches. Public profiles draw
// market time (`utc`).
export function BaselineChart({
  points,
  base,
  live = null,
  utc = false,
}: {
  points: EquityPoint[];
  base: number | null;
  live?: number | null;
  utc?: boolean;
}) {
  const containerRef = useRef<HTMLDivElement>(null);
  const chartRef = useRef<IChartApi | null>(null);
  const seriesRef = useRef<ISeriesApi<"Baseline"> | null>(null);
  const lastRef = useRef<EquityPoint | null>(null);

  useEffect(() => {
    const container = containerRef.current;
    if (!container) return;
    const chart = createChart(container, chartOptions(utc));
    const series = chart.addSeries(BaselineSeries, {
      lineWidth: 2,
      topLineColor: GAIN,
      topFillColor1: "rgba(34,197,94,0.28)",
      topFillColor2: "rgba(34,197,94,0.04)",
      bottomLineColor: LOSS,
      bottomFillColor1: "rgba(240,72,72,0.04)",
      bottomFillColor2: "rgba(240,72,72,0.28)",
      priceLineVisible: false,
    });
    chartRef.current = chart;
    seriesRef.current = series;
    return () => {
      chart.remove();
      chartRef.current = null;
      seriesRef.current = null;
    };
  }, [utc]);

  // New points (another period, a refetch): redraw around the base.
  useEffect(() => {
    const series = seriesRef.current;
    if (!series) return;
    series.applyOptions({
      baseValue: { type: "price", price: base ?? 0 },
      // A few points are dots; a line of one point would not show at all.
      pointMarkersVisible: points.length > 0 && points.length < 30,
    });
    series.setData(points);
    const lastPoint = points[points.length - 1];
    lastRef.current = lastPoint ? { ...lastPoint } : null;
    chartRef.current?.timeScale().fitContent();
  }, [base, points]);

  // The point for now follows the live equity between refetches.
  useEffect(() => {
    const series = seriesRef.current;
    const last = lastRef.current;
    if (!series || !last || live === null || live === last.value) return;
    last.value = live;
    series.update({ time: last.time, value: live });
  }, [live, points]);

  return <div ref={containerRef} className="absolute inset-0" data-testid="equity-chart-canvas" />;
}

export function EquityChart({ equity }: { equity: string | null }) {
  const [period, setPeriod] = useState<Period>("1D");
  const { data, error, isLoading } = useSWR<PortfolioHistory>(paths.portfolioHistory(period, TIMEFRAME[period]), {
    refreshInterval: REFRESH_MS,
  });
  const points = useMemo(() => toPoints(data), [data]);
  const live = decimalToNumber(equity);
  const base = data ? data.base_value : null;
  const now = live ?? points[points.length - 1]?.value ?? null;
  const change = now !== null && base !== null ? now - base : null;
  const percent = change !== null && base ? (change / base) * 100 : null;

  const sparse = points.length < 2;
  return (
    <section
      className="rounded-xl border border-ink-700 bg-ink-900 p-3"
      aria-label="Equity over time"
      data-testid="equity-chart"
      data-points={points.length}
      data-period={period}
    >
      <div className="mb-2 flex flex-wrap items-center justify-between gap-2 px-1">
        <div className="flex flex-wrap items-baseline gap-x-3 gap-y-1">
          <h2 className="text-base font-semibold text-ink-100">Equity</h2>
          <span className="text-sm font-medium text-ink-100" data-testid="equity-chart-now">
            {now === null ? "—" : formatMoney(now.toFixed(2))}
          </span>
          <span className="text-sm" data-testid="equity-chart-change">
            <Change change={change === null ? null : change.toFixed(2)} percent={percent} />
            <span className="ml-1.5 text-xs text-ink-400">{PERIOD_TEXT[period]}</span>
          </span>
        </div>
        <Toggle label="Period" options={PERIODS} value={period} onChange={setPeriod} render={(p) => PERIOD_LABEL[p]} />
      </div>
      <div className="relative h-[240px] w-full">
        <BaselineChart points={points} base={base} live={live} />
        {error && !data ? (
          <div className="pointer-events-none absolute inset-0 flex items-center justify-center text-sm text-ink-400">
            Could not load your equity history: {errorText(error)}
          </div>
        ) : !data && isLoading ? (
          <div className="pointer-events-none absolute inset-0 flex items-center justify-center text-sm text-ink-400">
            Loading chart…
          </div>
        ) : sparse ? (
          <div className="pointer-events-none absolute inset-x-0 top-3 flex justify-center px-4 text-center text-xs text-ink-400">
            Your equity is recorded every minute: the chart fills in as you play.
          </div>
        ) : null}
      </div>
    </section>
  );
}
