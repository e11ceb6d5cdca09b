"use client";
// A sector's page, /sector/?name=<sector>: its stocks with today's moves (GET
// /api/sectors/{sector}), prices kept live by the stream. One exported page: the sector is a
// query parameter read in the browser.

import Link from "next/link";
import { useSearchParams } from "next/navigation";
import useSWR from "swr";
import { Change } from "@/components/Change";
import { LoadingBoundary } from "@/components/LoadingBoundary";
import { ErrorNotice } from "@/components/Notice";
import { paths } from "@/lib/api";
import { formatDecimal, formatVolume } from "@/lib/format";
import { useQuote } from "@/lib/stream";
import { usePageTitle } from "@/lib/title";
import type { SectorDetail, StockDetail } from "@/lib/models";

function StockRow({ stock }: { stock: StockDetail }) {
  const tick = useQuote(stock.symbol);
  const price = tick?.price ?? stock.price;
  const change = tick?.change ?? stock.change;
  const percent = tick?.change_percent ?? stock.change_percent;
  return (
    <tr className="border-t border-ink-800" data-testid={`sector-stock-${stock.symbol}`}>
      <td className="px-3 py-2">
        <Link href={`/stock/?symbol=${encodeURIComponent(stock.symbol)}`} className="font-mono font-semibold text-ink-100 hover:underline">
          {stock.symbol}
        </Link>
        <div className="text-xs text-ink-400">{stock.name}</div>
      </td>
      <td className="px-3 py-2 text-right tabular-nums text-ink-100">{formatDecimal(price)}</td>
      <td className="px-3 py-2 text-right tabular-nums">
        <Change change={change} percent={percent} />
      </td>
      <td className="hidden px-3 py-2 text-right tabular-nums text-ink-300 sm:table-cell">
        {formatVolume(tick?.day_volume ?? stock.volume, true)}
      </td>
    </tr>
  );
}

function SectorView() {
  const name = useSearchParams().get("name") ?? "";
  const { data, error } = useSWR<SectorDetail>(name ? paths.sector(name) : null);
  usePageTitle(data?.sector ?? (name || "Sector"));
  if (!name) return <p className="text-sm text-ink-400">No sector named.</p>;
  if (error && !data) return <ErrorNotice title="Cannot show this sector" error={error} />;
  if (!data) return <p className="text-sm text-ink-400">Loading…</p>;
  return (
    <div className="flex flex-col gap-4">
      <div>
        <Link href="/" className="text-xs text-ink-400 hover:text-ink-100">
          ← Market
        </Link>
        <h1 className="text-2xl font-semibold tracking-tight" data-testid="sector-name">
          {data.sector}
        </h1>
        {data.summary ? (
          <p className="text-sm text-ink-300">
            Today <Change change={null} percent={data.summary.change_percent} showAbsolute={false} /> on average ·{" "}
            {data.summary.advancing} up, {data.summary.declining} down
          </p>
        ) : null}
      </div>
      <div className="overflow-x-auto rounded-xl border border-ink-700 bg-ink-900">
        <table className="w-full text-sm">
          <thead className="text-xs text-ink-400">
            <tr>
              <th className="px-3 py-2 text-left font-medium">Stock</th>
              <th className="px-3 py-2 text-right font-medium">Price</th>
              <th className="px-3 py-2 text-right font-medium">Today</th>
              <th className="hidden px-3 py-2 text-right font-medium sm:table-cell">Volume</th>
            </tr>
          </thead>
          <tbody>
            {data.stocks.map((s) => (
              <StockRow key={s.symbol} stock={s} />
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}

export default function SectorPage() {
  return (
    <LoadingBoundary>
      <SectorView />
    </LoadingBoundary>
  );
}
