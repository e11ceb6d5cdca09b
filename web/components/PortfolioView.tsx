"use client";
// "Your stocks": every holding (GET /v2/positions) valued live, the cash beside it, totals, the
// equity over time (components/EquityChart.tsx) and an allocation donut. The server values
// positions at its last price; between refetches the stream's ticks move them here: each figure
// is the server's plus qty × (tick − server price), in exact decimals, so a row never drifts
// from what the server would say for that tick.
// Positions are refetched whenever one of the player's orders changes (trade_update).

import Link from "next/link";
import type { ReactNode } from "react";
import useSWR from "swr";
import { paths } from "@/lib/api";
import { addDecimal, mulDecimal, roundDecimal, subDecimal, sumDecimals } from "@/lib/decimal";
import { decimalToNumber, formatDecimal, formatMoney } from "@/lib/format";
import { useQuotes, useTradeUpdates } from "@/lib/stream";
import { useAccount } from "@/lib/trading";
import type { Position, Tick } from "@/lib/models";
import { AllocationChart, type Slice } from "./AllocationChart";
import { Change } from "./Change";
import { EquityChart } from "./EquityChart";
import { ErrorNotice } from "./Notice";

interface LiveRow {
  position: Position;
  price: string;
  marketValue: string;
  unrealized: string;
  unrealizedPct: number | null;
  today: string;
  todayPct: number | null;
}

function ratioPercent(part: string | null, whole: string | null): number | null {
  const a = decimalToNumber(part);
  const b = decimalToNumber(whole);
  if (a === null || b === null || b === 0) return null;
  return (a / b) * 100;
}

function liveRow(position: Position, tick: Tick | undefined): LiveRow {
  const price = tick?.price ?? position.current_price;
  const delta = mulDecimal(position.qty, subDecimal(price, position.current_price) ?? "0") ?? "0";
  const marketValue = addDecimal(position.market_value, delta) ?? position.market_value;
  const unrealized = addDecimal(position.unrealized_pl, delta) ?? position.unrealized_pl;
  const today = addDecimal(position.unrealized_intraday_pl, delta) ?? position.unrealized_intraday_pl;
  // Today's P&L against what the holding was worth at the start of the day (or cost, if bought
  // today): the same base the totals row uses, so the percentages agree.
  const todayPct = ratioPercent(today, subDecimal(marketValue, today));
  return {
    position,
    price,
    marketValue,
    unrealized,
    unrealizedPct: ratioPercent(unrealized, position.cost_basis),
    today,
    todayPct,
  };
}

function Summary({ label, children, testId }: { label: string; children: ReactNode; testId?: string }) {
  return (
    <div className="rounded-lg border border-ink-700 bg-ink-900 px-4 py-3">
      <div className="text-xs text-ink-400">{label}</div>
      <div className="mt-1 text-lg font-semibold text-ink-100" data-testid={testId}>
        {children}
      </div>
    </div>
  );
}

export function PortfolioView() {
  const positions = useSWR<Position[]>(paths.positions());
  const { account, error: accountError, mutate: refreshAccount } = useAccount();
  useTradeUpdates(() => {
    void positions.mutate();
  });

  const list = positions.data ?? [];
  const quotes = useQuotes(list.map((p) => p.symbol));
  const rows = list.map((p) => liveRow(p, quotes.get(p.symbol)));

  const marketValue = sumDecimals(rows.map((r) => r.marketValue));
  const costBasis = sumDecimals(rows.map((r) => r.position.cost_basis));
  const unrealized = sumDecimals(rows.map((r) => r.unrealized));
  const today = sumDecimals(rows.map((r) => r.today));
  const openValue = marketValue !== null && today !== null ? subDecimal(marketValue, today) : null;
  const cash = account?.cash ?? null;
  const total = cash !== null && marketValue !== null ? addDecimal(cash, marketValue) : null;
  const sinceVisit = account ? subDecimal(account.equity, account.previous_visit_equity) : null;

  const slices: Slice[] = [
    ...rows.map((r) => ({ key: r.position.symbol, label: r.position.symbol, value: r.marketValue })),
    ...(cash !== null ? [{ key: "cash", label: "Cash", value: cash }] : []),
  ];

  if (positions.error && !positions.data) {
    return <ErrorNotice title="Could not load your stocks" error={positions.error} onRetry={() => void positions.mutate()} />;
  }

  return (
    <div className="flex flex-col gap-5">
      <div className="flex flex-wrap items-end justify-between gap-3">
        <div>
          <h1 className="text-2xl font-semibold tracking-tight">Your stocks</h1>
          <p className="text-sm text-ink-400">Valued live at the latest price: what you would get if you sold now.</p>
        </div>
        <div className="flex gap-3 text-sm">
          <Link href="/orders/" className="text-accent hover:underline">
            Orders
          </Link>
          <Link href="/activity/" className="text-accent hover:underline">
            Activity
          </Link>
        </div>
      </div>

      {accountError && !account ? (
        <ErrorNotice title="Could not load your account" error={accountError} onRetry={() => void refreshAccount()} />
      ) : null}

      <section className="grid grid-cols-2 gap-3 md:grid-cols-3" aria-label="Totals">
        <Summary label="Total (cash + stocks)" testId="portfolio-total">
          {formatMoney(total)}
        </Summary>
        <Summary label="Cash" testId="portfolio-cash">
          {formatMoney(cash)}
        </Summary>
        <Summary label="Buying power" testId="portfolio-buying-power">
          {formatMoney(account?.buying_power)}
        </Summary>
        <Summary label="Value if sold now" testId="portfolio-market-value">
          {formatMoney(marketValue)}
        </Summary>
        <Summary label="Unrealized P&L" testId="portfolio-unrealized">
          <Change change={unrealized === null ? null : formatPlain(unrealized)} percent={ratioPercent(unrealized, costBasis)} />
        </Summary>
        <Summary
          label={account?.previous_visit_ended_at ? "Since your last visit" : "Since you started"}
          testId="portfolio-since-visit"
        >
          <Change
            change={sinceVisit === null ? null : formatPlain(sinceVisit)}
            percent={ratioPercent(sinceVisit, account?.previous_visit_equity ?? null)}
          />
        </Summary>
      </section>

      <EquityChart equity={account?.equity ?? null} />

      <div className="grid grid-cols-1 items-start gap-5 2xl:grid-cols-[minmax(0,1fr)_22rem]">
        <section className="min-w-0 rounded-xl border border-ink-700 bg-ink-900" aria-label="Holdings">
          {!positions.data ? (
            <p className="p-4 text-sm text-ink-400" role="status">
              Loading…
            </p>
          ) : rows.length === 0 ? (
            <div className="p-6 text-sm text-ink-300" data-testid="no-positions">
              You hold no stocks yet. Pick one on the{" "}
              <Link href="/" className="text-accent hover:underline">
                market
              </Link>{" "}
              and buy it from its page.
            </div>
          ) : (
            <div className="overflow-x-auto">
              <table className="w-full text-right text-sm" data-testid="positions-table">
                <thead className="border-b border-ink-700 text-xs whitespace-nowrap text-ink-400">
                  <tr>
                    <th scope="col" className="px-4 py-2.5 text-left font-normal">
                      Symbol
                    </th>
                    <th scope="col" className="px-3 py-2.5 font-normal">
                      Shares
                    </th>
                    <th scope="col" className="px-3 py-2.5 font-normal">
                      Avg. cost
                    </th>
                    <th scope="col" className="px-3 py-2.5 font-normal">
                      Price
                    </th>
                    <th scope="col" className="px-3 py-2.5 font-normal">
                      Value if sold now
                    </th>
                    <th scope="col" className="px-3 py-2.5 font-normal">
                      Unrealized P&amp;L
                    </th>
                    <th scope="col" className="px-4 py-2.5 font-normal">
                      Today
                    </th>
                  </tr>
                </thead>
                <tbody className="divide-y divide-ink-800">
                  {rows.map((row) => (
                    <tr key={row.position.symbol} data-testid="position-row" data-symbol={row.position.symbol}>
                      <td className="px-4 py-2.5 text-left">
                        <Link
                          href={`/stock/?symbol=${encodeURIComponent(row.position.symbol)}`}
                          className="font-mono font-semibold text-ink-100 hover:text-accent"
                        >
                          {row.position.symbol}
                        </Link>
                      </td>
                      <td className="px-3 py-2.5 text-ink-100" data-testid="position-qty">
                        {formatDecimal(row.position.qty, 0)}
                        {row.position.qty_available !== row.position.qty ? (
                          <span
                            className="block text-xs text-ink-400"
                            title="Shares that open sell orders do not already reserve"
                          >
                            {formatDecimal(row.position.qty_available, 0)} free
                          </span>
                        ) : null}
                      </td>
                      <td className="px-3 py-2.5 text-ink-300">{formatDecimal(row.position.avg_entry_price)}</td>
                      <td className="px-3 py-2.5 text-ink-100" data-testid="position-price">
                        {formatDecimal(row.price)}
                      </td>
                      <td className="px-3 py-2.5 font-medium text-ink-100" data-testid="position-value">
                        {formatMoney(row.marketValue)}
                      </td>
                      <td className="px-3 py-2.5" data-testid="position-pl">
                        <Change change={formatPlain(row.unrealized)} percent={row.unrealizedPct} />
                      </td>
                      <td className="px-4 py-2.5" data-testid="position-today">
                        <Change change={formatPlain(row.today)} percent={row.todayPct} />
                      </td>
                    </tr>
                  ))}
                </tbody>
                <tfoot className="border-t border-ink-700 text-ink-100">
                  <tr>
                    <th scope="row" className="px-4 py-2.5 text-left font-medium">
                      Total
                    </th>
                    <td colSpan={3} />
                    <td className="px-3 py-2.5 font-semibold" data-testid="positions-total-value">
                      {formatMoney(marketValue)}
                    </td>
                    <td className="px-3 py-2.5">
                      <Change change={unrealized === null ? null : formatPlain(unrealized)} percent={ratioPercent(unrealized, costBasis)} />
                    </td>
                    <td className="px-4 py-2.5">
                      <Change change={today === null ? null : formatPlain(today)} percent={ratioPercent(today, openValue)} />
                    </td>
                  </tr>
                </tfoot>
              </table>
            </div>
          )}
        </section>

        <section className="@container rounded-xl border border-ink-700 bg-ink-900 p-4" aria-label="Allocation">
          <h2 className="mb-3 text-base font-semibold text-ink-100">Allocation</h2>
          {slices.length > 0 ? <AllocationChart slices={slices} /> : <p className="text-sm text-ink-400">Loading…</p>}
        </section>
      </div>
    </div>
  );
}

// Money for <Change>, which adds the sign and grouping itself: rounded to cents.
function formatPlain(value: string): string {
  return roundDecimal(value, 2) ?? value;
}
