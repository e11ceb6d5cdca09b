"use client";
// Trade: pick any listed instrument and trade it here, without going through its chart page.
// The same ticket and order book as the stock page; the choice lives in the address
// (/trade/?symbol=AAPL), so it survives a reload and can be linked to.

import Link from "next/link";
import { useRouter, useSearchParams } from "next/navigation";
import { useId } from "react";
import useSWR from "swr";
import { Change } from "@/components/Change";
import { inputClass } from "@/components/Form";
import { LoadingBoundary } from "@/components/LoadingBoundary";
import { ErrorNotice } from "@/components/Notice";
import { OrderBook } from "@/components/OrderBook";
import { TradeTicket } from "@/components/TradeTicket";
import { paths } from "@/lib/api";
import { formatDecimal } from "@/lib/format";
import { useLiveQuote } from "@/lib/live";
import { usePageTitle } from "@/lib/title";
import type { Stock, StockList } from "@/lib/models";

function Chosen({ stock }: { stock: Stock }) {
  const live = useLiveQuote(stock.symbol, stock);
  const next = `/trade/?symbol=${encodeURIComponent(stock.symbol)}`;
  return (
    <div className="grid grid-cols-1 items-start gap-5 xl:grid-cols-[22rem_minmax(0,1fr)]">
      <TradeTicket symbol={stock.symbol} price={live.price} halted={stock.halted === true} next={next} />
      <div className="flex min-w-0 flex-col gap-5">
        <div className="flex flex-wrap items-end justify-between gap-3 rounded-xl border border-ink-700 bg-ink-900 p-4">
          <div className="min-w-0">
            <Link
              href={`/stock/?symbol=${encodeURIComponent(stock.symbol)}`}
              className="font-mono text-lg font-semibold text-ink-100 hover:text-accent"
            >
              {stock.symbol}
            </Link>
            <div className="truncate text-sm text-ink-300">{stock.name}</div>
          </div>
          <div className="text-right">
            <div className="text-2xl font-semibold" data-testid="trade-page-price">
              {live.price === null ? "not trading yet" : formatDecimal(live.price)}
            </div>
            <Change change={live.change} percent={live.change_percent} className="text-sm" />
          </div>
        </div>
        <OrderBook symbol={stock.symbol} />
      </div>
    </div>
  );
}

function Trade() {
  const router = useRouter();
  const symbol = (useSearchParams().get("symbol") ?? "").trim().toUpperCase();
  const { data, error, mutate } = useSWR<StockList>(paths.stocks());
  const selectId = useId();
  usePageTitle(symbol ? `Trade ${symbol}` : "Trade");

  if (error && !data) {
    return <ErrorNotice title="Could not load the market" error={error} onRetry={() => void mutate()} />;
  }
  const stocks = data?.stocks ?? [];
  const chosen = stocks.find((s) => s.symbol === symbol);

  return (
    <div className="flex flex-col gap-5">
      <div className="flex flex-wrap items-end justify-between gap-4">
        <div>
          <h1 className="text-2xl font-semibold tracking-tight">Trade</h1>
          <p className="text-sm text-ink-400">Buy or sell any listed instrument with your virtual cash.</p>
        </div>
        <div className="flex w-72 max-w-full flex-col gap-1.5">
          <label htmlFor={selectId} className="text-sm font-medium text-ink-100">
            Symbol
          </label>
          <select
            id={selectId}
            className={inputClass}
            value={chosen ? chosen.symbol : ""}
            disabled={!data}
            onChange={(e) => router.replace(`/trade/?symbol=${encodeURIComponent(e.target.value)}`)}
            data-testid="trade-symbol"
          >
            <option value="" disabled>
              {data ? "Choose an instrument…" : "Loading…"}
            </option>
            {stocks.map((s) => (
              <option key={s.symbol} value={s.symbol}>
                {s.symbol} · {s.name}
              </option>
            ))}
          </select>
        </div>
      </div>
      {chosen ? (
        <Chosen key={chosen.symbol} stock={chosen} />
      ) : data ? (
        <p className="rounded-xl border border-ink-700 bg-ink-900 p-6 text-sm text-ink-300" data-testid="trade-choose">
          {symbol ? <>marketsim does not list “{symbol}”. </> : null}
          Choose an instrument above, or browse the{" "}
          <Link href="/" className="text-accent hover:underline">
            market
          </Link>{" "}
          and trade from a stock&apos;s page.
        </p>
      ) : null}
    </div>
  );
}

export default function TradePage() {
  return (
    <LoadingBoundary>
      <Trade />
    </LoadingBoundary>
  );
}
