"use client";
// Activity: every fill of the player's orders, newest first (GET
// /v2/account/activities/FILL). Pages of 50; "Load more" asks for the next page with the last
// fill's id as page_token, as Alpaca pages activities. A new fill (trade_update) refetches the
// loaded pages so it appears at the top.

import Link from "next/link";
import useSWRInfinite from "swr/infinite";
import { paths } from "@/lib/api";
import { mulDecimal } from "@/lib/decimal";
import { formatDecimal, formatMoney, formatWallTime } from "@/lib/format";
import { useTradeUpdates } from "@/lib/stream";
import type { Activity } from "@/lib/models";
import { ErrorNotice } from "./Notice";

const PAGE_SIZE = 50;

export function ActivityView() {
  const { data, error, size, setSize, isValidating, mutate } = useSWRInfinite<Activity[]>(
    (index, previous: Activity[] | null) => {
      if (index === 0) return paths.fills(null, PAGE_SIZE);
      if (!previous || previous.length < PAGE_SIZE) return null;
      const last = previous[previous.length - 1];
      return last ? paths.fills(last.id, PAGE_SIZE) : null;
    },
    { revalidateFirstPage: true },
  );
  useTradeUpdates((update) => {
    if (update.event === "fill" || update.event === "partial_fill") void mutate();
  });

  const pages = data ?? [];
  const fills = pages.flat();
  const last = pages[pages.length - 1];
  const hasMore = last ? last.length >= PAGE_SIZE : false;
  const loadingMore = size > pages.length && isValidating;

  return (
    <div className="flex flex-col gap-5">
      <div className="flex flex-wrap items-end justify-between gap-3">
        <div>
          <h1 className="text-2xl font-semibold tracking-tight">Activity</h1>
          <p className="text-sm text-ink-400">Every fill of your orders, newest first, at simulated market time.</p>
        </div>
        <Link href="/orders/" className="text-sm text-accent hover:underline">
          Orders
        </Link>
      </div>

      {error && !data ? (
        <ErrorNotice title="Could not load your activity" error={error} onRetry={() => void mutate()} />
      ) : !data ? (
        <p className="text-sm text-ink-400" role="status">
          Loading…
        </p>
      ) : fills.length === 0 ? (
        <div className="rounded-xl border border-ink-700 bg-ink-900 p-6 text-sm text-ink-300" data-testid="no-activity">
          Nothing has traded yet. Buy a stock from its page on the{" "}
          <Link href="/" className="text-accent hover:underline">
            market
          </Link>
          .
        </div>
      ) : (
        <div className="rounded-xl border border-ink-700 bg-ink-900">
          <div className="overflow-x-auto">
            <table className="w-full text-sm" data-testid="activity-table">
              <thead className="border-b border-ink-700 text-xs text-ink-400">
                <tr>
                  <th scope="col" className="px-4 py-2.5 text-left font-normal">
                    Time
                  </th>
                  <th scope="col" className="px-3 py-2.5 text-left font-normal">
                    Symbol
                  </th>
                  <th scope="col" className="px-3 py-2.5 text-left font-normal">
                    Side
                  </th>
                  <th scope="col" className="px-3 py-2.5 text-right font-normal">
                    Shares
                  </th>
                  <th scope="col" className="px-3 py-2.5 text-right font-normal">
                    Price
                  </th>
                  <th scope="col" className="px-3 py-2.5 text-right font-normal">
                    Amount
                  </th>
                  <th scope="col" className="px-4 py-2.5 text-left font-normal">
                    Order
                  </th>
                </tr>
              </thead>
              <tbody className="divide-y divide-ink-800">
                {fills.map((fill) => (
                  <tr key={fill.id} data-testid="activity-row" data-symbol={fill.symbol}>
                    <td className="px-4 py-2.5 text-xs whitespace-nowrap text-ink-300">
                      <time dateTime={fill.transaction_time}>{formatWallTime(fill.transaction_time)}</time>
                    </td>
                    <td className="px-3 py-2.5">
                      <Link
                        href={`/stock/?symbol=${encodeURIComponent(fill.symbol)}`}
                        className="font-mono font-semibold text-ink-100 hover:text-accent"
                      >
                        {fill.symbol}
                      </Link>
                    </td>
                    <td className={`px-3 py-2.5 font-medium ${fill.side === "buy" ? "text-gain" : "text-loss"}`}>
                      {fill.side === "buy" ? "Bought" : "Sold"}
                    </td>
                    <td className="px-3 py-2.5 text-right text-ink-100">{formatDecimal(fill.qty, 0)}</td>
                    <td className="px-3 py-2.5 text-right text-ink-100">{formatDecimal(fill.price)}</td>
                    <td className="px-3 py-2.5 text-right text-ink-100">{formatMoney(mulDecimal(fill.qty, fill.price))}</td>
                    <td className="px-4 py-2.5 text-xs text-ink-400">
                      {fill.type === "partial_fill"
                        ? `partial: ${formatDecimal(fill.cum_qty, 0)} filled, ${formatDecimal(fill.leaves_qty, 0)} left`
                        : "filled"}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <div className="flex items-center justify-between gap-3 border-t border-ink-700 px-4 py-3 text-xs text-ink-400">
            <span>
              {fills.length} {fills.length === 1 ? "fill" : "fills"}
              {hasMore ? " so far" : ""}
            </span>
            {hasMore ? (
              <button
                type="button"
                onClick={() => void setSize(size + 1)}
                disabled={loadingMore}
                data-testid="load-more"
                className="rounded-md border border-ink-600 px-3 py-1.5 text-sm text-ink-100 hover:border-accent hover:bg-ink-800 disabled:opacity-60"
              >
                {loadingMore ? "Loading…" : "Load more"}
              </button>
            ) : null}
          </div>
        </div>
      )}
    </div>
  );
}
