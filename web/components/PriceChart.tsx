"use client";
// The stock page's chart: candles or a line over the server's candles for one interval, with
// volume underneath, extended live by folding each tick into the last bar or a new bucket. On
// the daily view, the chosen model's forecast is drawn past the last price (ForecastOverlay).

import {
  CandlestickSeries,
  ColorType,
  createChart,
  HistogramSeries,
  LineSeries,
  type IChartApi,
  type ISeriesApi,
  type UTCTimestamp,
} from "lightweight-charts";
import { useEffect, useMemo, useRef, useState } from "react";
import useSWR from "swr";
import { paths } from "@/lib/api";
import { candlesToBars, foldTick, toSeconds, type Bar } from "@/lib/candles";
import { useTicks } from "@/lib/stream";
import type { CandleList, ForecastModel, Interval, SymbolForecast } from "@/lib/models";
import { drawForecastOverlay, ForecastLegend, forecastOverlay } from "./ForecastOverlay";
import { errorText } from "./Notice";

export type ChartMode = "candles" | "line";

const GAIN = "#22c55e";
const LOSS = "#f04848";

type MainSeries = ISeriesApi<"Candlestick"> | ISeriesApi<"Line">;

function ts(seconds: number): UTCTimestamp {
  return seconds as UTCTimestamp;
}

function mainPoint(bar: Bar, mode: ChartMode) {
  return mode === "candles"
    ? { time: ts(bar.time), open: bar.open, high: bar.high, low: bar.low, close: bar.close }
    : { time: ts(bar.time), value: bar.close };
}

function volumePoint(bar: Bar) {
  return {
    time: ts(bar.time),
    value: bar.volume,
    color: bar.close >= bar.open ? "rgba(34,197,94,0.35)" : "rgba(240,72,72,0.35)",
  };
}

function setMainData(series: MainSeries, bars: Bar[], mode: ChartMode) {
  // The two series types take different points; the mode decides which one this is.
  (series as ISeriesApi<"Line">).setData(
    bars.map((b) => mainPoint(b, mode)) as Parameters<ISeriesApi<"Line">["setData"]>[0],
  );
}

function updateMain(series: MainSeries, bar: Bar, mode: ChartMode) {
  (series as ISeriesApi<"Line">).update(
    mainPoint(bar, mode) as Parameters<ISeriesApi<"Line">["update"]>[0],
  );
}

export function PriceChart({
  symbol,
  interval,
  mode,
  forecastModel,
}: {
  symbol: string;
  interval: Interval;
  mode: ChartMode;
  forecastModel: ForecastModel;
}) {
  const containerRef = useRef<HTMLDivElement>(null);
  const chartRef = useRef<IChartApi | null>(null);
  const mainRef = useRef<MainSeries | null>(null);
  const volumeRef = useRef<ISeriesApi<"Histogram"> | null>(null);
  const barsRef = useRef<Bar[]>([]);
  const modeRef = useRef<ChartMode>(mode);
  const { data, error, isLoading } = useSWR<CandleList>(paths.candles(symbol, interval));
  // Which fetched history the stream has added a bar to; with it the chart is not empty.
  const [extended, setExtended] = useState<CandleList | null>(null);
  const empty = (!data || data.candles.length === 0) && (extended === null || extended !== data);
  // A forecast's steps are market days: it belongs on the daily view only.
  const daily = interval === "1d";
  const { data: forecast } = useSWR<SymbolForecast>(daily ? paths.forecast(symbol) : null, { refreshInterval: 60_000 });
  const [forecastShown, setForecastShown] = useState(true);
  const lastCandle = data?.candles.at(-1);
  const lastBarTime = lastCandle ? toSeconds(lastCandle.time) : null;
  const overlay = useMemo(
    () => (daily ? forecastOverlay(forecast, forecastModel, lastBarTime) : null),
    [daily, forecast, forecastModel, lastBarTime],
  );

  // The chart itself lives as long as the component.
  useEffect(() => {
    const container = containerRef.current;
    if (!container) return;
    const chart = createChart(container, {
      autoSize: true,
      layout: {
        background: { type: ColorType.Solid, color: "transparent" },
        textColor: "#a3afc4",
        fontSize: 11,
      },
      grid: {
        vertLines: { color: "rgba(46,58,79,0.35)" },
        horzLines: { color: "rgba(46,58,79,0.35)" },
      },
      rightPriceScale: { borderColor: "#212a3a" },
      timeScale: { borderColor: "#212a3a", timeVisible: true, secondsVisible: false },
      crosshair: { mode: 0 },
    });
    const volume = chart.addSeries(HistogramSeries, {
      priceScaleId: "volume",
      priceFormat: { type: "volume" },
      lastValueVisible: false,
      priceLineVisible: false,
    });
    chart.priceScale("volume").applyOptions({ scaleMargins: { top: 0.8, bottom: 0 } });
    chartRef.current = chart;
    volumeRef.current = volume;
    return () => {
      chart.remove();
      chartRef.current = null;
      mainRef.current = null;
      volumeRef.current = null;
    };
  }, []);

  // Candles or line: swap the main series, keeping the bars already loaded.
  useEffect(() => {
    const chart = chartRef.current;
    if (!chart) return;
    const series: MainSeries =
      mode === "candles"
        ? chart.addSeries(CandlestickSeries, {
            upColor: GAIN,
            downColor: LOSS,
            borderUpColor: GAIN,
            borderDownColor: LOSS,
            wickUpColor: GAIN,
            wickDownColor: LOSS,
          })
        : chart.addSeries(LineSeries, { color: "#4f8cff", lineWidth: 2 });
    series.priceScale().applyOptions({ scaleMargins: { top: 0.08, bottom: 0.24 } });
    modeRef.current = mode;
    mainRef.current = series;
    setMainData(series, barsRef.current, mode);
    return () => {
      if (chartRef.current === chart) chart.removeSeries(series);
      if (mainRef.current === series) mainRef.current = null;
    };
  }, [mode]);

  // New candles from the server (first load, another interval, a refetch after a reset).
  useEffect(() => {
    const bars = data ? candlesToBars(data.candles) : [];
    barsRef.current = bars;
    const main = mainRef.current;
    if (main) setMainData(main, bars, modeRef.current);
    volumeRef.current?.setData(bars.map(volumePoint));
    const chart = chartRef.current;
    if (chart) {
      chart.timeScale().applyOptions({ timeVisible: interval !== "1d" });
      chart.timeScale().fitContent();
    }
  }, [data, interval]);

  // The forecast past the last price; after the candles' effect, so that the view fitted takes
  // in the forecast too.
  useEffect(() => {
    const chart = chartRef.current;
    if (!chart || !overlay || !forecastShown) return;
    const remove = drawForecastOverlay(chart, overlay);
    return () => {
      // The chart may be gone already (the page left), and the forecast's series with it.
      if (chartRef.current === chart) remove();
    };
  }, [overlay, forecastShown]);

  useTicks(symbol, (tick) => {
    if (!data) return; // until the history is loaded, a bucket could land out of order
    const bars = barsRef.current;
    const fold = foldTick(bars[bars.length - 1], tick, interval);
    if (fold.kind === "ignore") return;
    if (fold.kind === "update") bars[bars.length - 1] = fold.bar;
    else bars.push(fold.bar);
    const main = mainRef.current;
    if (main) updateMain(main, fold.bar, modeRef.current);
    volumeRef.current?.update(volumePoint(fold.bar));
    if (empty) setExtended(data);
  });

  return (
    <div className="relative h-[380px] w-full">
      <div ref={containerRef} data-testid="price-chart" className="absolute inset-0" />
      <ForecastLegend overlay={overlay} daily={daily} shown={forecastShown} onToggle={() => setForecastShown(!forecastShown)} />
      {empty ? (
        <div className="pointer-events-none absolute inset-0 flex items-center justify-center text-sm text-ink-400">
          {error ? `Could not load candles: ${errorText(error)}` : isLoading ? "Loading chart…" : "No candles yet"}
        </div>
      ) : null}
    </div>
  );
}
