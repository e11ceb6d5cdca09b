"use client";
// The leaderboard (GET /api/leaderboard): players and bots ranked by return or by Sharpe ratio
// over a period of market time. Period and metric switches; your own row highlighted, and
// pinned below the table when you rank off the loaded pages; names link to public profiles;
// bots and anti-collusion flags are labelled. Live: each `feed` event on the stream (which
// web/lib/stream.tsx puts into SWR's /api/feed entry) carries the top of the board, and a change
// there refetches the pages shown; a slow timer covers the rest of the board.

import Link from "next/link";
import { useEffect, useState } from "react";
import useSWR from "swr";
import useSWRInfinite from "swr/infinite";
import { paths } from "@/lib/api";
import { useAuth } from "@/lib/auth";
import { formatMarketTime, formatMoney, formatPercent } from "@/lib/format";
import type { HomeFeed, Leaderboard, LeaderboardEntry, LeaderboardMetric, LeaderboardPeriod } from "@/lib/models";
import { directionClass } from "./Change";
import { errorText } from "./Notice";
import { Toggle } from "./Toggle";

const PERIODS: readonly LeaderboardPeriod[] = ["day", "week", "month", "all"];
const PERIOD_LABELS: Record<LeaderboardPeriod, string> = { day: "Day", week: "Week", month: "Month", all: "All time" };
const METRICS: readonly LeaderboardMetric[] = ["return", "sharpe"];
const METRIC_LABELS: Record<LeaderboardMetric, string> = { return: "Return", sharpe: "Sharpe" };

const FLAG_LABELS: Record<string, string> = {
  wash_trading: "trades mostly with one account",
  off_market: "fills far from the market price",
  shared_address: "shares an address with other accounts",
};

const STRATEGY_LABELS: Record<string, string> = {
  market_maker: "market maker",
  momentum: "momentum",
  mean_reversion: "mean reversion",
  noise: "noise trader",
  index_holder: "index holder",
};

// "0.012345" → +1.23%.
function returnPercent(value: string): number {
  return Number(value) * 100;
}

function Row({ entry, metric, mine }: { entry: LeaderboardEntry; metric: LeaderboardMetric; mine: boolean }) {
  const ret = returnPercent(entry.return);
  // The colour follows the figure shown: a return that rounds to 0.00% is flat.
  const shown = Math.round(ret * 100);
  return (
    <tr
      data-testid={mine ? "leaderboard-you" : "leaderboard-row"}
      aria-current={mine ? "true" : undefined}
      className={`border-t border-ink-800 ${mine ? "bg-accent/10 font-semibold" : ""}`}
    >
      <td className="px-3 py-2 text-right font-mono text-ink-300">{entry.rank ?? "—"}</td>
      <td className="px-3 py-2">
        <div className="flex flex-wrap items-center gap-2">
          {entry.user_tag ? (
            <Link href={`/u/${encodeURIComponent(entry.user_tag)}/`} className="text-ink-100 hover:underline">
              {entry.name}
            </Link>
          ) : (
            <span className="text-ink-200">{entry.name}</span>
          )}
          {mine ? <span className="text-xs text-accent">you</span> : null}
          {entry.bot ? (
            <span
              className="rounded bg-ink-800 px-1.5 py-0.5 text-[10px] uppercase tracking-wide text-ink-300"
              title={`a simulated trader${entry.strategy ? `: ${STRATEGY_LABELS[entry.strategy] ?? entry.strategy}` : ""}`}
            >
              bot{entry.strategy ? ` · ${STRATEGY_LABELS[entry.strategy] ?? entry.strategy}` : ""}
            </span>
          ) : null}
          {entry.flags.map((flag) => (
            <span
              key={flag}
              data-testid="leaderboard-flag"
              className="rounded bg-loss/15 px-1.5 py-0.5 text-[10px] uppercase tracking-wide text-loss"
              title={`flagged: ${FLAG_LABELS[flag] ?? flag}`}
            >
              ⚑ {flag.replace("_", " ")}
            </span>
          ))}
        </div>
      </td>
      {metric === "sharpe" ? (
        <td className="px-3 py-2 text-right font-mono text-ink-100">
          {entry.sharpe === null || entry.sharpe === undefined ? (
            <span title={`${entry.history_days ?? 0} days of history`}>—</span>
          ) : (
            entry.sharpe.toFixed(2)
          )}
        </td>
      ) : null}
      <td className={`px-3 py-2 text-right font-mono ${directionClass(shown > 0 ? "up" : shown < 0 ? "down" : "flat")}`}>
        {formatPercent(ret)}
      </td>
      <td className="hidden px-3 py-2 text-right font-mono text-ink-300 sm:table-cell">${formatMoney(entry.equity)}</td>
    </tr>
  );
}

export function LeaderboardView({ refreshInterval = 30_000 }: { refreshInterval?: number }) {
  const [period, setPeriod] = useState<LeaderboardPeriod>("all");
  const [metric, setMetric] = useState<LeaderboardMetric>("return");
  const { user } = useAuth();
  const { data, error, size, setSize, isValidating, mutate } = useSWRInfinite<Leaderboard>(
    (index, previous: Leaderboard | null) => {
      if (previous && !previous.next_cursor) return null;
      return paths.leaderboard(period, metric, index === 0 ? null : (previous?.next_cursor ?? null));
    },
    { refreshInterval, revalidateAll: true },
  );
  // The feed's copy of the board's top, kept current by the stream's `feed` events.
  const { data: feed } = useSWR<HomeFeed>(paths.feed(), { revalidateOnFocus: false });
  const top = JSON.stringify(feed?.leaderboard ?? null);
  useEffect(() => {
    void mutate();
  }, [top, mutate]);
  const pages = data ?? [];
  const first = pages[0];
  const entries = pages.flatMap((p) => p.entries);
  const you = first?.you ?? null;
  const youShown = you !== null && entries.some((e) => e.rank !== null && e.rank === you.rank && e.name === you.name);
  const more = (pages[pages.length - 1]?.next_cursor ?? null) !== null;

  return (
    <section aria-labelledby="leaderboard-title" data-testid="leaderboard" className="space-y-4">
      <div className="flex flex-wrap items-end justify-between gap-3">
        <div>
          <h1 id="leaderboard-title" className="text-xl font-semibold text-ink-100">
            Leaderboard
          </h1>
          <p className="text-sm text-ink-400">
            Players and simulated traders, ranked over days of market time
            {first?.as_of ? ` (as of ${formatMarketTime(first.as_of)})` : ""}.
          </p>
        </div>
        <div className="flex flex-wrap gap-2">
          <Toggle label="Period" options={PERIODS} value={period} onChange={setPeriod} render={(p) => PERIOD_LABELS[p]} />
          <Toggle label="Metric" options={METRICS} value={metric} onChange={setMetric} render={(m) => METRIC_LABELS[m]} />
        </div>
      </div>

      {metric === "sharpe" ? (
        <p className="text-xs text-ink-400" data-testid="sharpe-note">
          Sharpe: the average daily return divided by how much daily returns swing, scaled to a year. Higher means
          more return for the risk taken. A player needs at least {first?.min_history_days ?? 5} market days of history
          to be ranked{first?.unranked ? `; ${first.unranked} not ranked yet` : ""}.
        </p>
      ) : null}

      {error && !first ? <p className="text-sm text-ink-400">{errorText(error)}</p> : null}

      <div className="overflow-x-auto rounded-xl border border-ink-700 bg-ink-900">
        <table className="w-full text-sm">
          <thead className="text-left text-xs uppercase tracking-wide text-ink-400">
            <tr>
              <th scope="col" className="px-3 py-2 text-right">
                #
              </th>
              <th scope="col" className="px-3 py-2">
                Trader
              </th>
              {metric === "sharpe" ? (
                <th scope="col" className="px-3 py-2 text-right">
                  Sharpe
                </th>
              ) : null}
              <th scope="col" className="px-3 py-2 text-right">
                Return
              </th>
              <th scope="col" className="hidden px-3 py-2 text-right sm:table-cell">
                Equity
              </th>
            </tr>
          </thead>
          <tbody>
            {entries.map((entry) => (
              <Row
                key={`${entry.rank}-${entry.name}`}
                entry={entry}
                metric={metric}
                mine={you !== null && entry.rank === you.rank && entry.name === you.name}
              />
            ))}
            {first && entries.length === 0 ? (
              <tr>
                <td colSpan={metric === "sharpe" ? 5 : 4} className="px-3 py-6 text-center text-ink-400">
                  {first.as_of ? "Nobody is ranked on this yet." : "No standings yet: they start with the first equity snapshot."}
                </td>
              </tr>
            ) : null}
            {you && !youShown ? (
              <>
                <tr aria-hidden="true">
                  <td colSpan={metric === "sharpe" ? 5 : 4} className="px-3 py-1 text-center text-ink-500">
                    ⋯
                  </td>
                </tr>
                <Row entry={you} metric={metric} mine />
              </>
            ) : null}
          </tbody>
        </table>
      </div>
      <div className="flex items-center justify-between text-xs text-ink-400">
        <span>
          {first ? `${first.total} ranked` : isValidating ? "Loading…" : ""}
          {user === null ? " · sign in to see where you stand" : ""}
        </span>
        {more ? (
          <button
            type="button"
            onClick={() => void setSize(size + 1)}
            className="rounded-md bg-ink-800 px-3 py-1.5 text-ink-100 hover:bg-ink-700"
          >
            Show more
          </button>
        ) : null}
      </div>
    </section>
  );
}
