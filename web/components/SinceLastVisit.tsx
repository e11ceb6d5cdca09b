"use client";
// "Since you were away" (issue 11): a short card above the page a player lands on after an
// absence, from GET /api/account/since-last-visit: equity at the end of their previous visit
// and now, the fills of their resting orders meanwhile, the biggest moves among their holdings,
// and their rank on the all-time leaderboard then and now. It stays above every page of the
// visit until dismissed; the dismissal (POST .../dismiss) is kept by the server for the rest of
// the visit, on every device, and the next visit brings a new card. Nothing on a first visit,
// for visitors, or on the sign-in pages. Client component; the one fetch is cached by SWR.

import Link from "next/link";
import { usePathname } from "next/navigation";
import useSWR from "swr";
import { apiSend, paths } from "@/lib/api";
import { useAuth } from "@/lib/auth";
import { formatMoney, formatDecimal, decimalToNumber } from "@/lib/format";
import type { AwayFill, SinceLastVisit as Summary } from "@/lib/models";
import { Change, directionClass } from "./Change";
import { AUTH_PAGES } from "./Header";

const FILLS_SHOWN = 3;

function when(time: string): string {
  const date = new Date(time);
  if (Number.isNaN(date.getTime())) return time;
  return date.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

function FillLine({ fill }: { fill: AwayFill }) {
  return (
    <li data-testid="away-fill">
      {fill.side === "buy" ? "Bought" : "Sold"} {formatDecimal(fill.qty, 0)}{" "}
      <Link href={`/stock/?symbol=${encodeURIComponent(fill.symbol)}`} className="text-accent hover:underline">
        {fill.symbol}
      </Link>{" "}
      at {formatDecimal(fill.price)}
    </li>
  );
}

function Rank({ rank }: { rank: NonNullable<Summary["rank"]> }) {
  if (rank.now === null) return <span className="text-ink-400">—</span>;
  // A smaller number is a better place: up the board.
  const moved = rank.then === null ? 0 : rank.then - rank.now;
  const direction = moved > 0 ? "up" : moved < 0 ? "down" : "flat";
  const arrow = direction === "up" ? "▲" : direction === "down" ? "▼" : "■";
  return (
    <span className="inline-flex flex-wrap items-baseline gap-1.5">
      {rank.then !== null ? (
        <>
          <span data-testid="away-rank-then">#{rank.then}</span>
          <span className="text-ink-400" aria-hidden="true">
            →
          </span>
        </>
      ) : null}
      <span className="font-medium text-ink-100" data-testid="away-rank-now">
        #{rank.now}
      </span>
      <span className="text-ink-400">of {rank.players_now}</span>
      {rank.then !== null ? (
        <span className={directionClass(direction)}>
          <span role="img" aria-label={direction === "flat" ? "unchanged" : direction} className="text-[0.7em]">
            {arrow}
          </span>{" "}
          {moved !== 0 ? Math.abs(moved) : null}
        </span>
      ) : null}
    </span>
  );
}

export function SinceLastVisit() {
  const { user } = useAuth();
  const pathname = usePathname() ?? "/";
  const { data, mutate } = useSWR<Summary>(user ? paths.sinceLastVisit() : null, {
    // One look per page load: the card is about the absence, which a refetch does not change.
    revalidateOnFocus: false,
  });

  if (!user || AUTH_PAGES.test(pathname) || !data || data.dismissed || !data.previous_visit_ended_at) return null;
  const summary = data;

  async function dismiss() {
    await mutate({ ...summary, dismissed: true }, { revalidate: false });
    try {
      await apiSend<void>("POST", paths.dismissSinceLastVisit(), { visit_id: summary.visit_id });
    } catch {
      // Hidden here anyway; the next page load may show it again, and nothing is lost.
    }
  }

  const then = decimalToNumber(summary.equity_then);
  const change = decimalToNumber(summary.change);
  const percent = then && change !== null ? (change / then) * 100 : null;
  const previousEnd = summary.previous_visit_ended_at ?? "";

  return (
    <section
      aria-labelledby="away-title"
      className="mb-5 rounded-xl border border-accent/40 bg-ink-900 p-4"
      data-testid="away-card"
    >
      <div className="flex items-start justify-between gap-3">
        <div>
          <h2 id="away-title" className="text-base font-semibold text-ink-100">
            Since you were away
          </h2>
          <p className="text-xs text-ink-400">Your last visit ended {when(previousEnd)}.</p>
        </div>
        <button
          type="button"
          onClick={() => void dismiss()}
          className="rounded-md border border-ink-600 px-2.5 py-1 text-xs text-ink-300 hover:bg-ink-800 hover:text-ink-100 focus-visible:outline-2 focus-visible:outline-accent"
          data-testid="away-dismiss"
        >
          Dismiss
        </button>
      </div>
      <dl className="mt-3 grid grid-cols-1 gap-3 text-sm sm:grid-cols-2 xl:grid-cols-4">
        <div>
          <dt className="text-xs text-ink-400">Equity</dt>
          <dd className="tabular-nums">
            <span data-testid="away-equity-then">{formatMoney(summary.equity_then)}</span>
            <span className="px-1.5 text-ink-400" aria-label="to">
              →
            </span>
            <span className="font-medium text-ink-100" data-testid="away-equity-now">
              {formatMoney(summary.equity_now)}
            </span>
            <div data-testid="away-change">
              <Change change={summary.change} percent={percent} className="text-xs" />
            </div>
          </dd>
        </div>
        <div>
          <dt className="text-xs text-ink-400">Filled while you were away</dt>
          <dd className="tabular-nums">
            {summary.fill_count === 0 ? (
              <span className="text-ink-300" data-testid="away-fill-count">
                No orders filled
              </span>
            ) : (
              <>
                <span className="text-ink-100" data-testid="away-fill-count">
                  {summary.fill_count} {summary.fill_count === 1 ? "fill" : "fills"}
                </span>
                <ul className="mt-0.5 text-xs text-ink-300">
                  {summary.fills.slice(0, FILLS_SHOWN).map((f, i) => (
                    <FillLine key={`${f.order_id}-${i}`} fill={f} />
                  ))}
                </ul>
                {summary.fill_count > FILLS_SHOWN ? (
                  <Link href="/activity/" className="text-xs text-accent hover:underline">
                    All activity
                  </Link>
                ) : null}
              </>
            )}
          </dd>
        </div>
        <div>
          <dt className="text-xs text-ink-400">Biggest moves in your stocks</dt>
          <dd className="tabular-nums">
            {summary.moves.length === 0 ? (
              <span className="text-ink-300">No holdings to compare</span>
            ) : (
              <ul className="text-xs">
                {summary.moves.map((m) => (
                  <li key={m.symbol} className="flex items-baseline gap-2" data-testid="away-move">
                    <span className="w-12 font-medium text-ink-100">{m.symbol}</span>
                    <Change change={null} percent={m.change_percent} />
                    <span className="text-ink-400">
                      {formatDecimal(m.price_then)} → {formatDecimal(m.price_now)}
                    </span>
                  </li>
                ))}
              </ul>
            )}
          </dd>
        </div>
        <div>
          <dt className="text-xs text-ink-400">Rank (all time)</dt>
          <dd className="tabular-nums">{summary.rank ? <Rank rank={summary.rank} /> : "—"}</dd>
        </div>
      </dl>
    </section>
  );
}
