"use client";
// Time and sales of one symbol: its newest trades (GET /api/stocks/{symbol}/trades, public),
// then every new one as the stream's `trade` event brings it. Each row says at what price, how
// many shares, when in market time, which side took it (a buyer lifting an offer, a seller
// hitting a bid), and who traded: a fill against the house, or between two players (bots are
// players too, marked as such). An event names the symbol's trade before it; when that is not
// the newest one shown, some were missed (a reconnect, a slow stream that coalesced) and the
// tape is fetched again rather than shown with a hole.

import { useEffect, useReducer } from "react";
import useSWR from "swr";
import { paths } from "@/lib/api";
import { formatDecimal } from "@/lib/format";
import { useTape } from "@/lib/stream";
import type { TapeEvent, TapePage, TapeParty, TapeTrade } from "@/lib/models";
import { ErrorNotice } from "./Notice";

const LIMIT = 30;

interface Live {
  trades: TapeTrade[]; // newest first, each newer than what was fetched when it came
  gaps: number; // bumped when an event shows a missed trade: refetch
}

type Action = { trade: TapeEvent; fetchedNewest: number };

function newestOf(live: TapeTrade[], fetchedNewest: number): number {
  return Math.max(live[0]?.id ?? 0, fetchedNewest);
}

// Pure, so two events handled before a render still see each other.
function reduce(state: Live, { trade, fetchedNewest }: Action): Live {
  const trades = state.trades.filter((t) => t.id > fetchedNewest);
  const newest = newestOf(trades, fetchedNewest);
  if (trade.id <= newest) return state; // already shown (the fetch had it)
  if ((trade.previous_id ?? 0) !== newest) return { trades, gaps: state.gaps + 1 };
  return { trades: [trade, ...trades].slice(0, LIMIT), gaps: state.gaps };
}

const PARTY: Record<TapeParty, string> = { player: "Player", bot: "Bot", house: "House" };

function clock(time: string | null): string {
  return time ? time.slice(11, 19) : "—";
}

function Row({ trade }: { trade: TapeTrade }) {
  const buy = trade.taker === "buy";
  const sell = trade.taker === "sell";
  return (
    <tr
      data-testid="tape-row"
      data-id={trade.id}
      data-house={trade.house ? "true" : "false"}
      data-taker={trade.taker ?? ""}
      className="border-t border-ink-800"
    >
      <td className="py-0.5 pl-1 text-left text-ink-400" title={trade.time ?? undefined}>
        {clock(trade.time)}
      </td>
      <td className={`py-0.5 font-medium ${buy ? "text-gain" : sell ? "text-loss" : "text-ink-100"}`}>
        {formatDecimal(trade.price)}
      </td>
      <td className="py-0.5 text-ink-100">{formatDecimal(trade.qty, 0)}</td>
      <td className="py-0.5">
        {buy ? (
          <span className="text-gain">
            <span aria-hidden="true">▲ </span>Buy
          </span>
        ) : sell ? (
          <span className="text-loss">
            <span aria-hidden="true">▼ </span>Sell
          </span>
        ) : (
          <span className="text-ink-400">—</span>
        )}
      </td>
      <td className="py-0.5 pr-1" title={`Buyer: ${PARTY[trade.buyer]} · Seller: ${PARTY[trade.seller]}`}>
        {trade.house ? (
          <span className="rounded bg-ink-800 px-1.5 py-px text-ink-300" data-testid="tape-house">
            House
          </span>
        ) : (
          <span className="rounded bg-accent/15 px-1.5 py-px text-accent" data-testid="tape-p2p">
            {trade.buyer === "bot" || trade.seller === "bot" ? "P2P · bot" : "P2P"}
          </span>
        )}
      </td>
    </tr>
  );
}

export function TradeTape({ symbol }: { symbol: string }) {
  const { data, error, mutate } = useSWR<TapePage>(paths.trades(symbol, LIMIT));
  const [live, dispatch] = useReducer(reduce, { trades: [], gaps: 0 });
  const fetchedNewest = data?.trades[0]?.id ?? 0;

  useTape(symbol, (trade) => {
    // Before the first fetch answers there is nothing to add to: the fetch brings it.
    if (data) dispatch({ trade, fetchedNewest });
  });

  useEffect(() => {
    if (live.gaps > 0) void mutate();
  }, [live.gaps, mutate]);

  const trades = data
    ? [...live.trades.filter((t) => t.id > fetchedNewest), ...data.trades].slice(0, LIMIT)
    : [];

  return (
    <section
      className="rounded-xl border border-ink-700 bg-ink-900 p-4"
      aria-label={`Time and sales of ${symbol}`}
      data-testid="tape"
    >
      <h2 className="text-base font-semibold text-ink-100">Time and sales</h2>
      <p className="mt-1 text-xs text-ink-400">
        The latest trades in {symbol}, live: who took each one, and whether it was between players or with the house.
        Times are market time (UTC).
      </p>
      {error && !data ? (
        <div className="mt-3">
          <ErrorNotice title="Could not load the trades" error={error} onRetry={() => void mutate()} />
        </div>
      ) : !data ? (
        <p className="mt-3 text-sm text-ink-400" role="status">
          Loading…
        </p>
      ) : trades.length === 0 ? (
        <p className="mt-3 text-sm text-ink-400" data-testid="tape-empty">
          No trades yet.
        </p>
      ) : (
        <div className="mt-3 max-h-80 overflow-y-auto">
          <table className="w-full text-right text-xs tabular-nums">
            <thead className="sticky top-0 bg-ink-900 text-ink-400">
              <tr>
                <th scope="col" className="pb-1 pl-1 text-left font-normal">
                  Time
                </th>
                <th scope="col" className="pb-1 font-normal">
                  Price
                </th>
                <th scope="col" className="pb-1 font-normal">
                  Qty
                </th>
                <th scope="col" className="pb-1 font-normal">
                  Taker
                </th>
                <th scope="col" className="pb-1 pr-1 font-normal">
                  With
                </th>
              </tr>
            </thead>
            <tbody>
              {trades.map((trade) => (
                <Row key={trade.id} trade={trade} />
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
