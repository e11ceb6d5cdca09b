"use client";
// Analytics (GET /api/insights): how the player's portfolio did over a period of market time
// (the leaderboard's periods). The equity curve beside the index rebased to the same start, the
// drawdown chart, each holding's contribution as a bar, the allocation donut by holding or by
// sector, the returns and P&L, trading statistics, and a risk card that says in one sentence
// what each figure means. Every figure carries its raw value in data-value (the e2e test
// compares them with the API's). Charts: lightweight-charts for the time series, as the other
// charts; the donut is AllocationChart's SVG.

import {
  AreaSeries,
  createChart,
  LineSeries,
  type IChartApi,
  type ISeriesApi,
  type UTCTimestamp,
} from "lightweight-charts";
import { useEffect, useMemo, useRef, useState, type ReactNode } from "react";
import useSWR from "swr";
import { paths } from "@/lib/api";
import { decimalToNumber, formatMarketTime, formatMoney, formatSignedDecimal } from "@/lib/format";
import type { Insights, LeaderboardPeriod } from "@/lib/models";
import { AllocationChart, type Slice } from "./AllocationChart";
import { directionClass } from "./Change";
import { chartOptions } from "./EquityChart";
import { errorText } from "./Notice";
import { Toggle } from "./Toggle";

const PERIODS: readonly LeaderboardPeriod[] = ["day", "week", "month", "all"];
const PERIOD_LABELS: Record<LeaderboardPeriod, string> = { day: "Day", week: "Week", month: "Month", all: "All time" };
const VIEWS = ["holding", "sector"] as const;
type View = (typeof VIEWS)[number];
const REFRESH_MS = 60_000;
const EQUITY_COLOR = "#4f8cff";
const INDEX_COLOR = "#a3afc4";
const LOSS = "#f04848";

// Fractions as percentages with two decimals and a sign ("+1.23%"), as the page shows them.
export function percentText(value: number | null, signed = true): string {
  if (value === null) return "—";
  const text = `${Math.abs(value * 100).toFixed(2)}%`;
  if (!signed || text === "0.00%") return text;
  return `${value < 0 ? "−" : "+"}${text}`;
}

export function ratioText(value: number | null): string {
  if (value === null) return "—";
  return value < 0 ? `−${Math.abs(value).toFixed(2)}` : value.toFixed(2);
}

export function daysText(value: number | null): string {
  return value === null ? "—" : `${value.toFixed(1)} days`;
}

function seconds(time: string): UTCTimestamp {
  return Math.floor(Date.parse(time) / 1000) as UTCTimestamp;
}

// Points with strictly increasing times (the opening and the first day's close may share one
// second: the later wins).
function series(values: { time: string; value: number | null }[]): { time: UTCTimestamp; value: number }[] {
  const out: { time: UTCTimestamp; value: number }[] = [];
  for (const v of values) {
    if (v.value === null || !Number.isFinite(v.value)) continue;
    const time = seconds(v.time);
    const last = out[out.length - 1];
    if (last && time <= last.time) {
      if (time === last.time) last.value = v.value;
      continue;
    }
    out.push({ time, value: v.value });
  }
  return out;
}

// The time charts: one or two lines, or an area under zero (the drawdown), in market time.
function TimeChart({
  lines,
  area = false,
  testId,
  label,
}: {
  lines: { color: string; points: { time: UTCTimestamp; value: number }[] }[];
  area?: boolean;
  testId: string;
  label: string;
}) {
  const containerRef = useRef<HTMLDivElement>(null);
  const chartRef = useRef<IChartApi | null>(null);
  const seriesRef = useRef<ISeriesApi<"Line" | "Area">[]>([]);
  const count = lines.length;

  useEffect(() => {
    const container = containerRef.current;
    if (!container) return;
    const chart = createChart(container, chartOptions(true));
    chartRef.current = chart;
    seriesRef.current = Array.from({ length: count }, () =>
      area
        ? chart.addSeries(AreaSeries, {
            lineColor: LOSS,
            topColor: "rgba(240,72,72,0.04)",
            bottomColor: "rgba(240,72,72,0.32)",
            lineWidth: 2,
            priceLineVisible: false,
            invertFilledArea: true,
            priceFormat: { type: "percent" as const, precision: 2, minMove: 0.01 },
          })
        : chart.addSeries(LineSeries, { lineWidth: 2, priceLineVisible: false }),
    );
    return () => {
      chart.remove();
      chartRef.current = null;
      seriesRef.current = [];
    };
  }, [area, count]);

  useEffect(() => {
    lines.forEach((line, i) => {
      const s = seriesRef.current[i];
      if (!s) return;
      if (!area) s.applyOptions({ color: line.color, pointMarkersVisible: line.points.length < 30 });
      s.setData(line.points);
    });
    chartRef.current?.timeScale().fitContent();
  }, [lines, area]);

  return (
    <div className="relative h-[220px] w-full" role="img" aria-label={label}>
      <div ref={containerRef} className="absolute inset-0" data-testid={testId} />
    </div>
  );
}

function Panel({ title, children, testId, aside }: { title: string; children: ReactNode; testId: string; aside?: ReactNode }) {
  return (
    <section className="@container rounded-xl border border-ink-700 bg-ink-900 p-4" data-testid={testId} aria-label={title}>
      <div className="mb-3 flex flex-wrap items-center justify-between gap-2">
        <h2 className="text-base font-semibold text-ink-100">{title}</h2>
        {aside}
      </div>
      {children}
    </section>
  );
}

// One figure: its name, its value (raw in data-value), and, in the risk card, what it means.
function Figure({
  name,
  id,
  value,
  text,
  tone = null,
  why,
  children,
}: {
  name: string;
  id: string;
  value: number | string | null;
  text: string;
  tone?: number | null;
  why?: string;
  children?: ReactNode;
}) {
  const color = tone === null || tone === 0 ? "text-ink-100" : directionClass(tone > 0 ? "up" : "down");
  return (
    <div className="rounded-lg border border-ink-800 bg-ink-950/40 p-3">
      <div className="text-xs uppercase tracking-wide text-ink-400">{name}</div>
      <div
        className={`mt-1 font-mono text-lg tabular-nums ${color}`}
        data-testid={`insights-${id}`}
        data-value={value === null ? "null" : String(value)}
        title={value === null && why ? why : undefined}
      >
        {tone !== null && tone !== 0 ? <span aria-hidden="true">{tone > 0 ? "▲ " : "▼ "}</span> : null}
        {text}
      </div>
      {children ? <p className="mt-1.5 text-xs leading-relaxed text-ink-300">{children}</p> : null}
      {value === null && why ? <p className="mt-1 text-xs text-ink-400">Not shown: {why}.</p> : null}
    </div>
  );
}

function ContributionBars({ data }: { data: Insights }) {
  const rows = data.contributions;
  const largest = Math.max(1e-12, ...rows.map((c) => Math.abs(c.contribution ?? 0)));
  if (rows.length === 0)
    return <p className="text-sm text-ink-400">No holding in this period: buy a stock and its share of your return shows here.</p>;
  return (
    <ul className="grid gap-1.5" data-testid="insights-contributions">
      {rows.map((c) => {
        const share = c.contribution ?? 0;
        const width = `${(Math.abs(share) / largest) * 50}%`;
        const up = share >= 0;
        return (
          <li key={c.symbol} className="grid grid-cols-[4rem_1fr_7rem] items-center gap-2 text-sm" data-testid="insights-contribution" data-symbol={c.symbol} data-value={c.pl}>
            <span className="font-mono text-ink-100">{c.symbol}</span>
            <span className="relative h-3 rounded bg-ink-800" aria-hidden="true">
              <span className="absolute inset-y-0 left-1/2 w-px bg-ink-600" />
              <span
                className={`absolute inset-y-0 rounded ${up ? "left-1/2 bg-gain" : "right-1/2 bg-loss"}`}
                style={{ width }}
              />
            </span>
            <span className={`text-right font-mono tabular-nums ${directionClass(up ? (share === 0 ? "flat" : "up") : "down")}`}>
              {formatSignedDecimal(c.pl)} <span className="text-xs text-ink-400">({percentText(c.contribution)})</span>
            </span>
          </li>
        );
      })}
    </ul>
  );
}

function Allocation({ data }: { data: Insights }) {
  const [view, setView] = useState<View>("holding");
  const slices: Slice[] = useMemo(() => {
    const held =
      view === "holding"
        ? data.allocation.holdings.map((h) => ({ key: h.symbol, label: h.symbol, value: h.value }))
        : data.allocation.sectors.map((s) => ({ key: `sector-${s.sector}`, label: s.sector, value: s.value }));
    return [...held, { key: "cash", label: "Cash", value: data.allocation.cash }];
  }, [data, view]);
  return (
    <Panel
      title="Allocation"
      testId="insights-allocation"
      aside={<Toggle label="Allocation by" options={VIEWS} value={view} onChange={setView} render={(v) => (v === "holding" ? "Holding" : "Sector")} />}
    >
      <AllocationChart slices={slices} label={`Allocation by ${view}`} />
    </Panel>
  );
}

function when(time: string | null): string {
  return time ? formatMarketTime(time) : "—";
}

function Body({ data }: { data: Insights }) {
  const why = data.why_null;
  const curve = useMemo(
    () => [
      { color: EQUITY_COLOR, points: series(data.curve.map((p) => ({ time: p.time, value: decimalToNumber(p.equity) }))) },
      { color: INDEX_COLOR, points: series(data.curve.map((p) => ({ time: p.time, value: decimalToNumber(p.index) }))) },
    ],
    [data],
  );
  const drawdown = useMemo(
    () => [{ color: LOSS, points: series(data.curve.map((p) => ({ time: p.time, value: p.drawdown === null ? null : p.drawdown * 100 }))) }],
    [data],
  );
  const r = data.risk;
  const t = data.trading;
  const dd = data.drawdown;
  const twr = data.returns.time_weighted;
  const mwr = data.returns.money_weighted;
  const realized = decimalToNumber(data.pl.realized);
  const unrealized = decimalToNumber(data.pl.unrealized);

  return (
    <div className="grid gap-4">
      <div className="grid grid-cols-2 gap-3 md:grid-cols-4" data-testid="insights-summary">
        <Figure name="Return" id="twr" value={twr} text={percentText(twr)} tone={twr} why={why.period} />
        <Figure name="Money-weighted" id="mwr" value={mwr} text={percentText(mwr)} tone={mwr} why={why.period} />
        <Figure name="Realized P&L" id="realized" value={data.pl.realized} text={formatSignedDecimal(data.pl.realized)} tone={realized} />
        <Figure name="Unrealized P&L" id="unrealized" value={data.pl.unrealized} text={formatSignedDecimal(data.pl.unrealized)} tone={unrealized} />
      </div>

      <Panel
        title={`Equity against the index (${data.index_symbol})`}
        testId="insights-curve"
        aside={
          <span className="flex gap-3 text-xs text-ink-300">
            <span><span className="mr-1 inline-block h-2 w-3 rounded-sm" style={{ background: EQUITY_COLOR }} />You</span>
            <span><span className="mr-1 inline-block h-2 w-3 rounded-sm" style={{ background: INDEX_COLOR }} />{data.index_symbol}, rebased to your start</span>
          </span>
        }
      >
        {data.curve.length > 0 ? (
          <TimeChart lines={curve} testId="insights-curve-canvas" label="Your equity and the index, rebased to the same start" />
        ) : (
          <p className="text-sm text-ink-400">{why.period ?? "No history yet"}.</p>
        )}
        <p className="mt-2 text-xs text-ink-400" data-testid="insights-curve-points" data-value={data.curve.length}>
          {data.start ? `From ${formatMoney(data.start.equity)} (${data.start.kind === "opening" ? "your starting cash" : "the close before the period"}) on ${when(data.start.time)}` : ""}
          {data.end ? ` to ${formatMoney(data.end.equity)} on ${when(data.end.time)}, market time.` : ""}
        </p>
      </Panel>

      <div className="grid gap-4 lg:grid-cols-2">
        <Panel title="Drawdown" testId="insights-drawdown">
          {data.curve.length > 0 ? <TimeChart lines={drawdown} area testId="insights-drawdown-canvas" label="How far below its peak your equity stood" /> : null}
          <p className="mt-2 text-sm text-ink-300">
            Deepest fall:{" "}
            <span className="font-mono text-loss" data-testid="insights-max-drawdown" data-value={dd.max === null ? "null" : String(dd.max)}>
              {dd.max === null ? "—" : percentText(-dd.max)}
            </span>
            {dd.peak_at ? (
              <>
                {" "}from the peak of <span data-testid="insights-drawdown-peak" data-value={dd.peak_at}>{when(dd.peak_at)}</span> to the low of{" "}
                <span data-testid="insights-drawdown-trough" data-value={dd.trough_at ?? ""}>{when(dd.trough_at)}</span>
                {dd.recovered_at ? `, regained on ${when(dd.recovered_at)}` : ", not regained yet"}.
              </>
            ) : (
              "."
            )}
          </p>
        </Panel>
        <Panel title="Contribution by holding" testId="insights-contribution-panel">
          <ContributionBars data={data} />
          <p className="mt-3 text-sm text-ink-300">
            Best:{" "}
            <span className="font-mono" data-testid="insights-best" data-value={data.best?.symbol ?? "null"}>
              {data.best ? `${data.best.symbol} ${formatSignedDecimal(data.best.pl)}` : "—"}
            </span>
            {" · "}Worst:{" "}
            <span className="font-mono" data-testid="insights-worst" data-value={data.worst?.symbol ?? "null"}>
              {data.worst ? `${data.worst.symbol} ${formatSignedDecimal(data.worst.pl)}` : "—"}
            </span>
          </p>
        </Panel>
      </div>

      <div className="grid gap-4 lg:grid-cols-2">
        <Allocation data={data} />
        <Panel title="Trading" testId="insights-trading">
          <div className="grid grid-cols-2 gap-3">
            <Figure name="Win rate" id="win-rate" value={t.win_rate} text={percentText(t.win_rate, false)} why={why.win_rate}>
              Of {t.round_trips} round trips (a stock bought and sold back to none), {t.wins} made money.
            </Figure>
            <Figure name="Average hold" id="hold" value={t.average_hold_days} text={daysText(t.average_hold_days)} why={why.average_hold_days}>
              How long a round trip lasted, from first buy to last sell, in market days.
            </Figure>
            <Figure name="Turnover" id="turnover" value={t.turnover} text={t.turnover === null ? "—" : `${t.turnover.toFixed(2)}×`}>
              Everything you bought and sold ({formatMoney(t.traded_value)} in {t.fills} fills) divided by your average equity.
            </Figure>
            <Figure name="Realized, all time" id="realized-total" value={data.pl.realized_total} text={formatSignedDecimal(data.pl.realized_total)} tone={decimalToNumber(data.pl.realized_total)}>
              Profit locked in by every sale since you started, at your average cost.
            </Figure>
          </div>
        </Panel>
      </div>

      <Panel title="Risk, explained" testId="insights-risk">
        <div className="grid gap-3 md:grid-cols-2 lg:grid-cols-3">
          <Figure name="Return (time-weighted)" id="risk-twr" value={twr} text={percentText(twr)} tone={twr} why={why.period}>
            How much your portfolio grew over the period, ignoring when money was added or taken out.
          </Figure>
          <Figure name="Money-weighted return" id="risk-mwr" value={mwr} text={percentText(mwr)} tone={mwr} why={why.period}>
            The growth of the money you actually had in; {data.returns.cash_flows === 0 ? "no cash came or went, so it equals the return" : "it weighs the times cash came or went"}.
          </Figure>
          <Figure name="Volatility (a year)" id="volatility" value={r.volatility} text={percentText(r.volatility, false)} why={why.volatility}>
            How much your equity swings from day to day, scaled to a year: higher means a bumpier ride.
          </Figure>
          <Figure name="Sharpe ratio" id="sharpe" value={r.sharpe} text={ratioText(r.sharpe)} why={why.sharpe}>
            Return earned for each unit of swing: above 1 is good, below 0 means you lost money.
          </Figure>
          <Figure name="Sortino ratio" id="sortino" value={r.sortino} text={ratioText(r.sortino)} why={why.sortino}>
            Like Sharpe, but only the days you lost money count as risk.
          </Figure>
          <Figure name={`Beta to ${data.index_symbol}`} id="beta" value={r.beta} text={ratioText(r.beta)} why={why.beta}>
            How much you move when the index moves 1%: 1 moves with it, 0 ignores it.
          </Figure>
          <Figure name="Correlation" id="correlation" value={r.correlation} text={ratioText(r.correlation)} why={why.correlation}>
            How closely your daily ups and downs follow the index: 1 in step, 0 unrelated, −1 opposite.
          </Figure>
          <Figure name="Maximum drawdown" id="risk-drawdown" value={dd.max} text={dd.max === null ? "—" : percentText(-dd.max)} why={why.period}>
            The biggest drop from a high point to a later low: the worst loss you would have felt.
          </Figure>
        </div>
        <p className="mt-3 text-xs text-ink-400" data-testid="insights-daily-returns" data-value={r.daily_returns}>
          From {r.daily_returns} daily returns (end-of-day equity, market time); the risk figures need {r.min_daily_returns}.
        </p>
      </Panel>
    </div>
  );
}

export function InsightsView() {
  const [period, setPeriod] = useState<LeaderboardPeriod>("all");
  const { data, error, isLoading } = useSWR<Insights>(paths.insights(period), { refreshInterval: REFRESH_MS });
  return (
    <div className="mx-auto grid max-w-6xl gap-4" data-testid="insights" data-period={period} data-loaded={data?.period === period ? "true" : "false"}>
      <div className="flex flex-wrap items-center justify-between gap-3">
        <div>
          <h1 className="text-xl font-semibold text-ink-100">Analytics</h1>
          <p className="text-sm text-ink-400" data-testid="insights-as-of">
            {data?.as_of ? `Your performance to ${formatMarketTime(data.as_of)}, market time; holdings and open P&L at live prices.` : "Your performance over market days."}
          </p>
        </div>
        <Toggle label="Period" options={PERIODS} value={period} onChange={setPeriod} render={(p) => PERIOD_LABELS[p]} />
      </div>
      {error && !data ? (
        <p className="text-sm text-loss">Could not load your analytics: {errorText(error)}</p>
      ) : !data && isLoading ? (
        <p className="text-sm text-ink-400">Loading analytics…</p>
      ) : data ? (
        <Body data={data} />
      ) : null}
    </div>
  );
}
