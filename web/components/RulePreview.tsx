"use client";
// Where a rule's thresholds sit on the symbol's recent prices: the daily closes as a line and
// each threshold as a labelled horizontal line: the rule editor's live preview.

import { createChart, LineSeries, type IChartApi, type IPriceLine, type ISeriesApi, type UTCTimestamp } from "lightweight-charts";
import { useEffect, useRef } from "react";
import useSWR from "swr";
import { paths } from "@/lib/api";
import { autoscaleWith, smallChartOptions } from "@/lib/chart";
import type { CandleList } from "@/lib/models";

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
    const chart = createChart(container, smallChartOptions());
    seriesRef.current = chart.addSeries(LineSeries, {
      color: "#7aa2f7",
      lineWidth: 2,
      priceLineVisible: false,
      autoscaleInfoProvider: autoscaleWith(() => levelsRef.current),
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
