"use client";
// The order book of one symbol (GET /api/stocks/{symbol}/book, public): players' and bots'
// resting limit orders aggregated by price, bids and asks best first, each level marked by who
// quotes it (players, bots or both), with the house's own bid and ask (the reference price ± the
// half-spread, which fill whatever the book does not) in its place on each side. It is polled
// every 2 s, since the stream carries no book changes, and refetched at once when one of the
// player's own orders changes or the symbol trades.

import useSWR from "swr";
import { paths } from "@/lib/api";
import { decimalToNumber, formatDecimal } from "@/lib/format";
import { useTape, useTradeUpdates } from "@/lib/stream";
import type { BookLevel, OrderBook as Book } from "@/lib/models";
import { ErrorNotice } from "./Notice";

const DEPTH = 10;

// Who quotes a level: people only, bots only, or both.
function quotedBy(level: BookLevel): "players" | "bots" | "mixed" {
  const bots = decimalToNumber(level.bot_qty) ?? 0;
  if (bots <= 0) return "players";
  return bots >= (decimalToNumber(level.qty) ?? 0) ? "bots" : "mixed";
}

const QUOTED_BY = { players: "Players", bots: "Bots", mixed: "Players + bots" } as const;

// Where the house's quote goes among the levels: before the first level it is better than
// (bids: higher, asks: lower). A display aid, so floats are fine.
function houseIndex(levels: BookLevel[], house: string | null, tone: "gain" | "loss"): number {
  const h = decimalToNumber(house);
  if (h === null) return -1;
  const i = levels.findIndex((l) => {
    const p = decimalToNumber(l.price) ?? 0;
    return tone === "gain" ? h > p : h < p;
  });
  return i === -1 ? levels.length : i;
}

function HouseRow({ price, tone }: { price: string; tone: "gain" | "loss" }) {
  return (
    <tr data-testid="book-house-level" className="border-y border-dashed border-ink-600">
      <td className={`py-0.5 pl-1 text-left font-medium ${tone === "gain" ? "text-gain" : "text-loss"}`}>
        {formatDecimal(price)}
      </td>
      <td className="py-0.5 text-ink-400">any</td>
      <td colSpan={2} className="py-0.5 pr-1 text-ink-300">
        House
      </td>
    </tr>
  );
}

function Side({
  title,
  levels,
  house,
  tone,
  largest,
  testId,
}: {
  title: string;
  levels: BookLevel[];
  house: string | null;
  tone: "gain" | "loss";
  largest: number;
  testId: string;
}) {
  const at = houseIndex(levels, house, tone);
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
            <th scope="col" className="pb-1 font-normal">
              Orders
            </th>
            <th scope="col" className="pb-1 pr-1 font-normal">
              From
            </th>
          </tr>
        </thead>
        <tbody>
          {levels.length === 0 ? (
            <tr>
              <td colSpan={4} className="py-2 text-left text-ink-400">
                No player orders
              </td>
            </tr>
          ) : null}
          {levels.length === 0 && house !== null ? <HouseRow price={house} tone={tone} /> : null}
          {levels.flatMap((level, index) => {
            const qty = decimalToNumber(level.qty) ?? 0;
            const width = largest > 0 ? Math.max(2, (qty / largest) * 100) : 0;
            const color = tone === "gain" ? "rgb(34 197 94 / 0.12)" : "rgb(240 72 72 / 0.12)";
            const who = quotedBy(level);
            const row = (
              <tr
                key={level.price}
                data-testid="book-level"
                data-quoted-by={who}
                // Depth bar behind the row: a display aid, so a float is fine here.
                style={{ background: `linear-gradient(90deg, ${color} ${width}%, transparent ${width}%)` }}
              >
                <td className={`py-0.5 pl-1 text-left font-medium ${tone === "gain" ? "text-gain" : "text-loss"}`}>
                  {formatDecimal(level.price)}
                </td>
                <td className="py-0.5 text-ink-100">{formatDecimal(level.qty, 0)}</td>
                <td className="py-0.5 text-ink-300">{level.orders}</td>
                <td className={`py-0.5 pr-1 ${who === "players" ? "text-accent" : "text-ink-300"}`}>
                  {QUOTED_BY[who]}
                </td>
              </tr>
            );
            return index === at && house !== null
              ? [<HouseRow key="house" price={house} tone={tone} />, row]
              : [row];
          })}
          {levels.length > 0 && at === levels.length && house !== null ? (
            <HouseRow price={house} tone={tone} />
          ) : null}
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
  // A trade of anyone's changes the book when it took a resting order.
  useTape(symbol, (trade) => {
    if (!trade.house) void mutate();
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
        Players&apos; and bots&apos; resting limit orders, best first, and the house&apos;s own price in its place.
        Anything the book does not cover, the house fills at its bid or ask.
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
          <Side
            title="Bids (buyers)"
            levels={data.bids}
            house={data.house_bid}
            tone="gain"
            largest={largest}
            testId="book-bids"
          />
          <Side
            title="Asks (sellers)"
            levels={data.asks}
            house={data.house_ask}
            tone="loss"
            largest={largest}
            testId="book-asks"
          />
        </div>
      )}
    </section>
  );
}
