"use client";
// The stock page's forecast: the prices the models were fitted on, then each horizon's point
// forecast and 95% band ahead of the last price, for the model the player picks; beside it, in
// plain words per model, whether that model beat the naive no-change forecast on this series
// (the server's verdict, from its walk-forward evaluation). GET /api/forecasts/{symbol}. The
// model chosen here is the one the price chart draws on its daily view, so the page owns it.

import { createChart, LineSeries, LineStyle, type IChartApi, type Time } from "lightweight-charts";
import Link from "next/link";
import { useEffect, useRef } from "react";
import useSWR from "swr";
import { paths } from "@/lib/api";
import { smallChartOptions } from "@/lib/chart";
import type { ForecastModel, ModelForecast, SymbolForecast } from "@/lib/models";
import { errorText } from "./Notice";
import { Toggle } from "./Toggle";

const MODELS = ["drift", "ar1", "trend"] as const;
const price = (v: number) => v.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const stepWord = (step: string, h: number) => `${h} ${step === "month" ? "month" : "market day"}${h === 1 ? "" : "s"}`;

function BandChart({ basis, model }: { basis: NonNullable<SymbolForecast["basis"]>; model: ModelForecast | undefined }) {
  const containerRef = useRef<HTMLDivElement>(null);
  const chartRef = useRef<IChartApi | null>(null);

  useEffect(() => {
    const container = containerRef.current;
    if (!container) return;
    const chart = createChart(container, smallChartOptions());
    chartRef.current = chart;
    return () => {
      chart.remove();
      chartRef.current = null;
    };
  }, []);

  useEffect(() => {
    const chart = chartRef.current;
    const origin = basis.history[basis.history.length - 1];
    if (!chart || !origin) return;
    const history = chart.addSeries(LineSeries, { color: "#4f8cff", lineWidth: 2, priceLineVisible: false });
    // The last few months of a daily window, so the 20 days ahead are not a sliver at the edge.
    const shown = basis.step === "day" ? basis.history.slice(-60) : basis.history;
    history.setData(shown.map((p) => ({ time: p.date as Time, value: p.price })));
    const band = (pick: "point" | "lower" | "upper", style: LineStyle, color: string) => {
      const series = chart.addSeries(LineSeries, {
        color,
        lineWidth: 2,
        lineStyle: style,
        priceLineVisible: false,
        lastValueVisible: true,
      });
      series.setData([
        { time: origin.date as Time, value: origin.price },
        ...(model?.forecasts ?? []).map((f) => ({ time: f.target_date as Time, value: f[pick] })),
      ]);
      return series;
    };
    const added = [
      history,
      band("upper", LineStyle.Dashed, "#a3afc4"),
      band("point", LineStyle.Dotted, "#f5b942"),
      band("lower", LineStyle.Dashed, "#a3afc4"),
    ];
    chart.timeScale().fitContent();
    return () => {
      if (chartRef.current === chart) for (const s of added) chart.removeSeries(s);
    };
  }, [basis, model]);

  return <div ref={containerRef} data-testid="forecast-chart" className="h-[260px] w-full" />;
}

export function ForecastPanel({
  symbol,
  chosen,
  onChoose,
}: {
  symbol: string;
  chosen: ForecastModel;
  onChoose: (model: ForecastModel) => void;
}) {
  const { data, error } = useSWR<SymbolForecast>(paths.forecast(symbol), { refreshInterval: 60_000 });
  const model = data?.models.find((m) => m.model === chosen);

  return (
    <section className="rounded-xl border border-ink-700 bg-ink-900 p-4" aria-label="Forecast" data-testid="forecast-panel">
      <div className="mb-2 flex flex-wrap items-center justify-between gap-2">
        <h2 className="text-sm font-semibold text-ink-100">Forecast with a 95% band</h2>
        <Toggle
          label="Forecast model"
          options={MODELS}
          value={chosen}
          onChange={onChoose}
          render={(m) => data?.models.find((x) => x.model === m)?.title ?? m}
        />
      </div>
      {error && !data ? (
        <p className="text-sm text-ink-400">Could not load the forecast: {errorText(error)}</p>
      ) : !data ? (
        <p className="text-sm text-ink-400">Loading forecast…</p>
      ) : !data.basis || data.reason ? (
        <p className="text-sm text-ink-400" data-testid="forecast-reason">
          No forecast yet: {data.reason ?? "no price history"}.
        </p>
      ) : (
        <>
          <BandChart basis={data.basis} model={model} />
          <p className="mt-2 text-xs text-ink-400">
            Fitted on {data.basis.prices_used} {data.basis.step === "month" ? "monthly prices" : "daily closes"} of{" "}
            <span className="font-mono">{data.basis.series}</span> ({data.basis.source}) from {data.basis.first_date}, up to
            the current price on {data.basis.origin_date}; nothing after the market time. One step is a{" "}
            {data.basis.step === "month" ? "month" : "market day"}.
          </p>
          {model ? (
            <table className="mt-3 w-full text-sm tabular-nums" data-testid="forecast-table">
              <thead className="text-xs text-ink-400">
                <tr>
                  <th className="text-left font-normal">Horizon</th>
                  <th className="text-right font-normal">Forecast</th>
                  <th className="text-right font-normal">95% band</th>
                </tr>
              </thead>
              <tbody>
                {model.forecasts.map((f) => (
                  <tr key={f.horizon}>
                    <td>
                      {stepWord(f.step, f.horizon)} <span className="text-xs text-ink-400">({f.target_date})</span>
                    </td>
                    <td className="text-right">{price(f.point)}</td>
                    <td className="text-right" data-testid={`forecast-band-${f.horizon}`}>
                      {price(f.lower)} – {price(f.upper)}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : null}
        </>
      )}
      {data && data.models.length > 0 ? (
        <ul className="mt-3 flex flex-col gap-1.5 text-sm">
          {data.models.map((m) => (
            <li key={m.model} data-testid={`forecast-verdict-${m.model}`} className="flex items-baseline gap-2">
              <span
                className={`shrink-0 rounded px-1.5 py-0.5 text-[11px] font-medium ${
                  m.beats_baseline ? "bg-gain/15 text-gain" : "bg-ink-800 text-ink-300"
                }`}
              >
                {m.beats_baseline ? "✓ beats naive" : m.beats_baseline === null ? "not measured" : "✗ does not beat naive"}
              </span>
              <span>
                <span className="text-ink-100">{m.title}</span>
                <span className="text-ink-300">: {m.verdict}.</span>
              </span>
            </li>
          ))}
        </ul>
      ) : null}
      <p className="mt-3 text-xs">
        <Link href="/forecasts/" className="text-accent hover:underline" data-testid="forecast-how">
          How the forecasts are measured
        </Link>
      </p>
    </section>
  );
}
