"use client";
// The order book of one symbol (GET /api/stocks/{symbol}/book, public): players' resting limit
// orders aggregated by price, bids and asks best first, next to the house's own bid and ask
// (the reference price ± the half-spread), which fill whatever the players' book does not.
// It is polled every 2 s, since the stream carries no book changes, and refetched at once when
// one of the player's own orders changes.

import useSWR from "swr";
import { paths } from "@/lib/api";
import { decimalToNumber, formatDecimal } from "@/lib/format";
import { useTradeUpdates } from "@/lib/stream";
import type { BookLevel, OrderBook as Book } from "@/lib/types";
import { ErrorNotice } from "./Notice";

const DEPTH = 10;

function Side({
  title,
  levels,
  tone,
  largest,
  testId,
}: {
  title: string;
  levels: BookLevel[];
  tone: "gain" | "loss";
  largest: number;
  testId: string;
}) {
  return (
    <div className="min-w-0">
      <table className="w-full text-right text-xs" data-testid={testId}>
        <caption className={`pb-1.5 text-left text-xs font-medium ${tone === "gain" ? "text-gain" : "text-loss"}`}>
          {title}
        </caption>
        <thead className="text-ink-400">
          <tr>
            <th scope="col" className="pb-1 pl-1 text-left font-normal">
              Price
            </th>
            <th scope="col" className="pb-1 font-normal">
              Qty
            </th>
            <th scope="col" className="pb-1 pr-1 font-normal">
              Orders
            </th>
          </tr>
        </thead>
        <tbody>
          {levels.length === 0 ? (
            <tr>
              <td colSpan={3} className="py-2 text-left text-ink-400">
                No player orders
              </td>
            </tr>
          ) : (
            levels.map((level) => {
              const qty = decimalToNumber(level.qty) ?? 0;
              const width = largest > 0 ? Math.max(2, (qty / largest) * 100) : 0;
              const color = tone === "gain" ? "rgb(34 197 94 / 0.12)" : "rgb(240 72 72 / 0.12)";
              return (
                <tr
                  key={level.price}
                  data-testid="book-level"
                  // Depth bar behind the row: a display aid, so a float is fine here.
                  style={{ background: `linear-gradient(90deg, ${color} ${width}%, transparent ${width}%)` }}
                >
                  <td className={`py-0.5 pl-1 text-left font-medium ${tone === "gain" ? "text-gain" : "text-loss"}`}>
                    {formatDecimal(level.price)}
                  </td>
                  <td className="py-0.5 text-ink-100">{formatDecimal(level.qty, 0)}</td>
                  <td className="py-0.5 pr-1 text-ink-300">{level.orders}</td>
                </tr>
              );
            })
          )}
        </tbody>
      </table>
    </div>
  );
}

export function OrderBook({ symbol }: { symbol: string }) {
  const { data, error, mutate } = useSWR<Book>(paths.book(symbol, DEPTH), {
    refreshInterval: 2000,
    // A hidden tab has nobody watching the book.
    refreshWhenHidden: false,
  });

  useTradeUpdates((update) => {
    if (update.order.symbol === symbol) void mutate();
  });

  const largest = data
    ? Math.max(0, ...data.bids.map((l) => decimalToNumber(l.qty) ?? 0), ...data.asks.map((l) => decimalToNumber(l.qty) ?? 0))
    : 0;

  return (
    <section
      className="rounded-xl border border-ink-700 bg-ink-900 p-4"
      aria-label={`Order book of ${symbol}`}
      data-testid="order-book"
    >
      <div className="flex flex-wrap items-baseline justify-between gap-2">
        <h2 className="text-base font-semibold text-ink-100">Order book</h2>
        <div className="flex gap-4 text-xs text-ink-400">
          <span>
            House bid{" "}
            <span className="font-medium text-gain" data-testid="book-house-bid">
              {formatDecimal(data?.house_bid)}
            </span>
          </span>
          <span>
            House ask{" "}
            <span className="font-medium text-loss" data-testid="book-house-ask">
              {formatDecimal(data?.house_ask)}
            </span>
          </span>
        </div>
      </div>
      <p className="mt-1 text-xs text-ink-400">
        Other players&apos; resting limit orders, best first. Anything they do not cover, the house fills at its bid
        or ask.
      </p>
      {error && !data ? (
        <div className="mt-3">
          <ErrorNotice title="Could not load the order book" error={error} onRetry={() => void mutate()} />
        </div>
      ) : !data ? (
        <p className="mt-3 text-sm text-ink-400" role="status">
          Loading…
        </p>
      ) : (
        <div className="mt-3 grid grid-cols-2 gap-4">
          <Side title="Bids (buyers)" levels={data.bids} tone="gain" largest={largest} testId="book-bids" />
          <Side title="Asks (sellers)" levels={data.asks} tone="loss" largest={largest} testId="book-asks" />
        </div>
      )}
    </section>
  );
}
