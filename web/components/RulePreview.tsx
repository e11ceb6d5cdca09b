"use client";
// Where a rule's thresholds sit on the symbol's recent prices: the daily closes as a line and
// each threshold as a labelled horizontal line (the editor's live preview, and a backtest's
// window with the prices its firings happened at).

import { type AutoscaleInfo, ColorType, createChart, LineSeries, type IChartApi, type ISeriesApi, type IPriceLine, type UTCTimestamp } from "lightweight-charts";
import { useEffect, useRef } from "react";
import useSWR from "swr";
import { paths } from "@/lib/api";
import type { CandleList } from "@/lib/types";

export interface PreviewLine {
  price: number;
  label: string;
  color?: string;
}

export function RulePreview({ symbol, lines }: { symbol: string; lines: PreviewLine[] }) {
  const containerRef = useRef<HTMLDivElement>(null);
  const chartRef = useRef<IChartApi | null>(null);
  const seriesRef = useRef<ISeriesApi<"Line"> | null>(null);
  const drawnRef = useRef<IPriceLine[]>([]);
  // The thresholds widen the price scale: a stop far below the recent prices is still seen.
  const levelsRef = useRef<number[]>([]);
  const { data } = useSWR<CandleList>(symbol ? paths.candles(symbol, "1d", 120) : null);

  useEffect(() => {
    const container = containerRef.current;
    if (!container) return;
    const chart = createChart(container, {
      autoSize: true,
      layout: { background: { type: ColorType.Solid, color: "transparent" }, textColor: "#a3afc4", fontSize: 11 },
      grid: { vertLines: { color: "rgba(46,58,79,0.35)" }, horzLines: { color: "rgba(46,58,79,0.35)" } },
      rightPriceScale: { borderColor: "#212a3a" },
      timeScale: { borderColor: "#212a3a" },
    });
    seriesRef.current = chart.addSeries(LineSeries, {
      color: "#7aa2f7",
      lineWidth: 2,
      priceLineVisible: false,
      autoscaleInfoProvider: (original: () => AutoscaleInfo | null) => {
        const info = original();
        const levels = levelsRef.current;
        if (!info?.priceRange || levels.length === 0) return info;
        return {
          ...info,
          priceRange: {
            minValue: Math.min(info.priceRange.minValue, ...levels),
            maxValue: Math.max(info.priceRange.maxValue, ...levels),
          },
        };
      },
    });
    chartRef.current = chart;
    return () => {
      chart.remove();
      chartRef.current = null;
      seriesRef.current = null;
      drawnRef.current = [];
    };
  }, []);

  useEffect(() => {
    const series = seriesRef.current;
    if (!series || !data) return;
    series.setData(
      data.candles.map((c) => ({ time: (Date.parse(c.time) / 1000) as UTCTimestamp, value: Number(c.close) })),
    );
    chartRef.current?.timeScale().fitContent();
  }, [data]);

  useEffect(() => {
    const series = seriesRef.current;
    if (!series) return;
    for (const line of drawnRef.current) series.removePriceLine(line);
    const shown = lines.filter((l) => Number.isFinite(l.price) && l.price > 0);
    levelsRef.current = shown.map((l) => l.price);
    drawnRef.current = shown
      .map((l) =>
        series.createPriceLine({ price: l.price, color: l.color ?? "#e0af68", lineWidth: 1, lineStyle: 2, axisLabelVisible: true, title: l.label }),
      );
  }, [lines, data]);

  return (
    <div
      ref={containerRef}
      className="h-56 w-full rounded-md border border-ink-800"
      data-testid="rule-preview"
      data-lines={lines.map((l) => `${l.label}:${l.price.toFixed(2)}`).join(",")}
    />
  );
}
