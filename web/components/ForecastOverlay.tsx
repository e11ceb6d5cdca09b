"use client";
// The forecast on the stock page's daily chart, drawn past the last price: the chosen model's
// point forecast and 95% band at each horizon (1, 5 and 20 market days) from GET
// /api/forecasts/{symbol}, the band shaded between its dashed edges, and a legend over the chart
// that says it is a forecast, with a button to hide it. A forecast in months is not drawn: 20
// months ahead would squeeze the daily candles into a corner.

import {
  createSeriesMarkers,
  LineSeries,
  LineStyle,
  type IChartApi,
  type ISeriesApi,
  type UTCTimestamp,
} from "lightweight-charts";
import { BandFill } from "@/lib/bandFill";
import type { ForecastModel, SymbolForecast } from "@/lib/models";

const FORECAST = "#f5b942";
const BAND_EDGE = "#a3afc4";
const BAND_FILL = "rgba(245,185,66,0.13)";

interface Anchor {
  horizon: number; // market days ahead; 0 is the origin, the price the forecast starts from
  time: number; // UTC seconds
  point: number;
  lower: number;
  upper: number;
}

export type ForecastOverlayData =
  | { kind: "band"; model: ForecastModel; title: string; anchors: Anchor[] }
  | { kind: "note"; text: string };

const ts = (seconds: number) => seconds as UTCTimestamp;
const daySeconds = (date: string) => Date.parse(`${date}T00:00:00Z`) / 1000;

// What the chart shows of a forecast: the band's anchors (from the last bar, or the origin's
// day when that is later), a line saying why there is none, or nothing (not loaded, no model).
export function forecastOverlay(
  forecast: SymbolForecast | undefined,
  model: ForecastModel,
  lastBarTime: number | null,
): ForecastOverlayData | null {
  const basis = forecast?.basis;
  const chosen = forecast?.models.find((m) => m.model === model);
  if (!forecast || !basis || forecast.reason || !chosen) return null;
  if (basis.step !== "day")
    return { kind: "note", text: `${forecast.symbol}'s forecast steps in months: too far ahead to draw here (see it below).` };
  if (!basis.origin_date || basis.origin_price === undefined) return null;
  const origin = basis.origin_price;
  const originTime = Math.max(lastBarTime ?? 0, daySeconds(basis.origin_date));
  const ahead = chosen.forecasts
    .map((f) => ({ horizon: f.horizon, time: daySeconds(f.target_date), point: f.point, lower: f.lower, upper: f.upper }))
    .filter((a) => a.time > originTime && a.horizon > 0)
    .sort((a, b) => a.horizon - b.horizon);
  if (ahead.length === 0) return null;
  return {
    kind: "band",
    model: chosen.model,
    title: chosen.title,
    anchors: [{ horizon: 0, time: originTime, point: origin, lower: origin, upper: origin }, ...ahead],
  };
}

// The chart spaces its points evenly whatever their dates, so empty slots go between the
// horizons, one per market day: 5 days ahead then sits five bars past the last price, not two.
function slotsBetween(anchors: readonly Anchor[]): number[] {
  const slots: number[] = [];
  for (let i = 1; i < anchors.length; i++) {
    const a = anchors[i - 1]!;
    const b = anchors[i]!;
    const steps = b.horizon - a.horizon;
    for (let k = 1; k < steps; k++) {
      const t = Math.round(a.time + ((b.time - a.time) * k) / steps);
      if (t > a.time && t < b.time && t > (slots.at(-1) ?? 0)) slots.push(t);
    }
  }
  return slots;
}

// Draws the band on `chart`. → the function that removes it again.
export function drawForecastOverlay(chart: IChartApi, overlay: ForecastOverlayData): () => void {
  if (overlay.kind !== "band") return () => {};
  const { anchors } = overlay;
  const quiet = { priceLineVisible: false, lastValueVisible: false, crosshairMarkerVisible: false } as const;
  const spacer = chart.addSeries(LineSeries, quiet);
  spacer.setData(slotsBetween(anchors).map((time) => ({ time: ts(time) })));
  const path = (pick: "point" | "lower" | "upper", series: ISeriesApi<"Line">) => {
    series.setData(anchors.map((a) => ({ time: ts(a.time), value: a[pick] })));
    return series;
  };
  const upper = path("upper", chart.addSeries(LineSeries, { ...quiet, color: BAND_EDGE, lineWidth: 1, lineStyle: LineStyle.Dashed }));
  const lower = path("lower", chart.addSeries(LineSeries, { ...quiet, color: BAND_EDGE, lineWidth: 1, lineStyle: LineStyle.Dashed }));
  const point = path(
    "point",
    chart.addSeries(LineSeries, {
      ...quiet,
      color: FORECAST,
      lineWidth: 2,
      lineStyle: LineStyle.Dotted,
      lastValueVisible: true,
      title: "forecast",
    }),
  );
  point.attachPrimitive(new BandFill(anchors.map((a) => ({ time: ts(a.time), lower: a.lower, upper: a.upper })), BAND_FILL));
  createSeriesMarkers(
    point,
    anchors.slice(1).map((a) => ({ time: ts(a.time), position: "inBar" as const, shape: "circle" as const, size: 0.5, color: FORECAST, text: `${a.horizon}d` })),
  );
  chart.timeScale().fitContent();
  return () => {
    for (const series of [point, lower, upper, spacer]) chart.removeSeries(series);
    chart.timeScale().fitContent();
  };
}

const money = (v: number) => v.toFixed(2);

// The legend over the chart's top left: what the shaded band is, and the button that hides it.
export function ForecastLegend({
  overlay,
  daily,
  shown,
  onToggle,
}: {
  overlay: ForecastOverlayData | null;
  daily: boolean;
  shown: boolean;
  onToggle: () => void;
}) {
  const box = "absolute left-2 top-2 z-10 rounded border border-ink-700 bg-ink-900/85 px-2 py-1 text-[11px] text-ink-300";
  if (!daily) return <div className={`pointer-events-none ${box} border-transparent bg-transparent text-ink-400`}>Forecast band on the 1d view</div>;
  if (!overlay) return null;
  if (overlay.kind === "note")
    return (
      <div className={`pointer-events-none ${box}`} data-testid="price-chart-forecast" data-shown="false">
        {overlay.text}
      </div>
    );
  const ahead = overlay.anchors.slice(1);
  return (
    <div
      className={`${box} flex items-center gap-2`}
      data-testid="price-chart-forecast"
      data-shown={shown}
      data-model={overlay.model}
      data-band={ahead.map((a) => `${a.horizon}:${money(a.lower)}-${money(a.upper)}`).join(",")}
    >
      {shown ? (
        <span className="flex items-center gap-1.5">
          <span aria-hidden="true" className="inline-block h-2.5 w-4 rounded-sm border border-dashed border-ink-300" style={{ background: BAND_FILL }} />
          <span>
            <span className="font-medium" style={{ color: FORECAST }}>
              Forecast
            </span>{" "}
            ({overlay.title}): point and 95% band, {ahead.map((a) => a.horizon).join(", ")} market days ahead
          </span>
        </span>
      ) : (
        <span>Forecast hidden</span>
      )}
      <button
        type="button"
        aria-pressed={shown}
        onClick={onToggle}
        data-testid="price-chart-forecast-toggle"
        className="rounded border border-ink-700 px-1.5 py-0.5 text-ink-100 hover:bg-ink-800"
      >
        {shown ? "Hide" : "Show"}
      </button>
    </div>
  );
}
