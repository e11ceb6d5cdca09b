"use client";
// The forecasts page: what the three models are, how they are measured (walk-forward, against
// the naive no-change forecast), the evaluation table exactly as the server computes it (the
// same figures as docs/forecasts.md), the same evaluation over the history this server stored,
// and, signed in, the player's own portfolio forecast. GET /api/forecasts/accuracy and
// /api/forecasts/portfolio.

import useSWR from "swr";
import { paths } from "@/lib/api";
import { useAuth } from "@/lib/auth";
import { formatMoney, formatPercent } from "@/lib/format";
import type { AccuracyRow, ForecastAccuracy, PortfolioForecast } from "@/lib/models";
import { errorText } from "./Notice";

const pct = (v: number | null) => (v === null ? "–" : `${(v * 100).toFixed(1)}%`);
const money = (v: number) => v.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 });

function AccuracyTable({ rows, testId }: { rows: AccuracyRow[]; testId: string }) {
  if (rows.length === 0) return <p className="text-sm text-ink-400">No series long enough yet.</p>;
  return (
    <div className="overflow-x-auto">
      <table className="w-full text-sm tabular-nums" data-testid={testId}>
        <thead className="text-left text-xs text-ink-400">
          <tr>
            <th className="py-1 pr-3 font-normal">Series</th>
            <th className="pr-3 font-normal">Model</th>
            <th className="pr-3 text-right font-normal">Horizon</th>
            <th className="pr-3 text-right font-normal">Forecasts</th>
            <th className="pr-3 text-right font-normal">MAE vs naive</th>
            <th className="pr-3 font-normal">Beats naive</th>
            <th className="pr-3 text-right font-normal">Hit rate (up share)</th>
            <th className="text-right font-normal">95% coverage</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={`${r.series}-${r.model}-${r.horizon}`} className="border-t border-ink-800">
              <td className="py-1 pr-3 font-mono">{r.series}</td>
              <td className="pr-3">{r.model}</td>
              <td className="pr-3 text-right">
                {r.horizon} {r.step === "month" ? "mo" : "d"}
              </td>
              <td className="pr-3 text-right">{r.origins}</td>
              <td className="pr-3 text-right">{r.mae_ratio.toFixed(4)}</td>
              <td className={`pr-3 ${r.beats_baseline ? "text-gain" : "text-ink-300"}`}>
                {r.beats_baseline ? "▲ yes" : "✗ no"}
              </td>
              <td className="pr-3 text-right">
                {pct(r.hit_rate)} ({pct(r.up_rate)})
              </td>
              <td className="text-right">{pct(r.coverage)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function PortfolioPanel() {
  const { data, error } = useSWR<PortfolioForecast>(paths.portfolioForecast());
  if (error && !data) return <p className="text-sm text-ink-400">Could not load your forecast: {errorText(error)}</p>;
  if (!data) return <p className="text-sm text-ink-400">Loading your forecast…</p>;
  return (
    <div data-testid="portfolio-forecast">
      <p className="text-sm text-ink-300">
        Equity now {formatMoney(data.equity)}.{" "}
        {data.holdings.length === 0
          ? "All cash: nothing moves."
          : data.reason
            ? `No forecast yet: ${data.reason}.`
            : `Measured on your holdings' stored history, the model ${data.verdict}.`}
      </p>
      {!data.reason ? (
        <table className="mt-2 text-sm tabular-nums">
          <tbody>
            {data.forecasts.map((f) => (
              <tr key={f.horizon}>
                <td className="pr-4 text-ink-400">{f.horizon} market days</td>
                <td className="pr-4">{money(f.point)}</td>
                <td className="pr-4">{formatPercent(f.change * 100)}</td>
                <td className="text-ink-400">
                  95%: {formatPercent(f.change_lower * 100)} to {formatPercent(f.change_upper * 100)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </div>
  );
}

export function ForecastsView() {
  const { user } = useAuth();
  const { data, error } = useSWR<ForecastAccuracy>(paths.forecastAccuracy(), { refreshInterval: 60_000 });
  return (
    <div className="flex max-w-5xl flex-col gap-6">
      <header>
        <h1 className="text-2xl font-semibold">Forecasts, and how good they are</h1>
        <p className="mt-2 text-sm text-ink-300">
          Three simple models forecast each price 1, 5 and 20 steps ahead with a 95% band: a{" "}
          <strong>random walk with drift</strong> on log prices, an <strong>AR(1) regression</strong> on daily returns
          and a <strong>linear trend</strong> over a window. Each is measured walk-forward: at every date of a series it
          is fitted only on the prices up to that date, and its forecast is compared with what happened and with the{" "}
          <strong>naive forecast that the price does not change</strong>. A model “beats naive” when its mean absolute
          error is lower. The hit rate is how often it called the direction, beside the share of moves that were up;
          the coverage is how often the real price fell inside the 95% band. A step is a market day on daily series and
          a month on the monthly stock series. No forecast uses a price from after the current market time.
        </p>
      </header>
      {user ? (
        <section className="rounded-xl border border-ink-700 bg-ink-900 p-4">
          <h2 className="mb-2 text-sm font-semibold">Your portfolio</h2>
          <PortfolioPanel />
        </section>
      ) : null}
      <section className="rounded-xl border border-ink-700 bg-ink-900 p-4">
        <h2 className="mb-2 text-sm font-semibold">Real history: the S&amp;P 500 (daily, 2000–2020) and five stocks (monthly, 2000–2010)</h2>
        {error && !data ? <p className="text-sm text-ink-400">Could not load the evaluation: {errorText(error)}</p> : null}
        {data?.catalog?.unavailable ? <p className="text-sm text-ink-400">{data.catalog.unavailable}</p> : null}
        {data?.catalog ? <AccuracyTable rows={data.catalog.rows} testId="accuracy-table" /> : null}
      </section>
      <section className="rounded-xl border border-ink-700 bg-ink-900 p-4">
        <h2 className="mb-2 text-sm font-semibold">This server&rsquo;s stored history (daily closes, before the current market day)</h2>
        {data?.stored ? <AccuracyTable rows={data.stored.rows} testId="stored-accuracy-table" /> : null}
      </section>
    </div>
  );
}
