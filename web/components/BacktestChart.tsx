"use client";
// A backtest's window (POST /api/rules/backtest): the stored prices it walked as a line, a
// marker at each firing (buy below, sell above, alert as a dot) and the rule's fixed
// thresholds as dashed lines. The prices are of one symbol (a rebalance's first target), so
// only that symbol's firings are marked: another's would sit on the wrong price.

import {
  createChart,
  createSeriesMarkers,
  LineSeries,
  type SeriesMarker,
  type UTCTimestamp,
} from "lightweight-charts";
import { useEffect, useRef } from "react";
import { autoscaleWith, smallChartOptions } from "@/lib/chart";
import type { BacktestResult } from "@/lib/models";

const seconds = (iso: string) => Math.floor(Date.parse(iso) / 1000) as UTCTimestamp;

export function BacktestChart({ result }: { result: BacktestResult }) {
  const containerRef = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const container = containerRef.current;
    if (!container || result.prices.length === 0) return;
    const chart = createChart(container, smallChartOptions(true));
    const levels = result.thresholds.map((th) => Number(th.price));
    const series = chart.addSeries(LineSeries, {
      color: "#7aa2f7",
      lineWidth: 2,
      priceLineVisible: false,
      // The thresholds widen the scale, so a level the prices never reached is still seen.
      autoscaleInfoProvider: autoscaleWith(() => levels),
    });
    // One point per second at most: the chart's time scale needs strictly increasing times.
    const points: { time: UTCTimestamp; value: number }[] = [];
    for (const p of result.prices) {
      const time = seconds(p.t);
      const value = Number(p.p);
      const last = points.at(-1);
      if (last && last.time >= time) last.value = value;
      else points.push({ time, value });
    }
    series.setData(points);
    for (const th of result.thresholds)
      series.createPriceLine({ price: Number(th.price), color: "#e0af68", lineWidth: 1, lineStyle: 2, axisLabelVisible: true, title: th.direction });
    const markers: SeriesMarker<UTCTimestamp>[] = result.firings
      .filter((f) => (f.symbol ?? result.symbol) === result.symbol && f.action !== "none")
      .map((f) => ({
        time: seconds(f.market_at),
        position: f.action === "buy" ? "belowBar" : f.action === "sell" ? "aboveBar" : "inBar",
        color: f.action === "buy" ? "#9ece6a" : f.action === "sell" ? "#f7768e" : "#e0af68",
        shape: f.action === "buy" ? "arrowUp" : f.action === "sell" ? "arrowDown" : "circle",
        text: f.qty ? `${f.action} ${f.qty}` : f.action,
      }));
    createSeriesMarkers(series, markers);
    chart.timeScale().fitContent();
    return () => chart.remove();
  }, [result]);

  if (result.prices.length === 0) return <p className="text-xs text-ink-400">No stored prices in this window.</p>;
  return <div ref={containerRef} className="h-48 w-full rounded-md border border-ink-800" data-testid="backtest-chart" data-points={result.prices.length} />;
}
