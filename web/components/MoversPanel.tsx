"use client";

import Link from "next/link";
import { useState } from "react";
import useSWR from "swr";
import { paths } from "@/lib/api";
import { formatDecimal, formatVolume } from "@/lib/format";
import type { Mover, Movers } from "@/lib/models";
import { Change } from "./Change";
import { errorText } from "./Notice";

type Tab = "gainers" | "losers" | "most_active";

const TABS: { id: Tab; label: string }[] = [
  { id: "gainers", label: "Gainers" },
  { id: "losers", label: "Losers" },
  { id: "most_active", label: "Most active" },
];

function MoverRow({ mover, showVolume }: { mover: Mover; showVolume: boolean }) {
  return (
    <li>
      <Link
        href={`/stock/?symbol=${encodeURIComponent(mover.symbol)}`}
        className="grid grid-cols-[1fr_auto] items-center gap-x-3 rounded-md px-2 py-2 hover:bg-ink-800"
      >
        <div className="min-w-0">
          <div className="font-mono text-sm font-semibold text-ink-100">{mover.symbol}</div>
          <div className="truncate text-xs text-ink-400">{mover.name}</div>
        </div>
        <div className="text-right">
          <div className="text-sm text-ink-100">{formatDecimal(mover.price)}</div>
          <div className="text-xs">
            {showVolume ? (
              <span className="text-ink-300">Vol {formatVolume(mover.volume, true)}</span>
            ) : (
              <Change change={mover.change} percent={mover.change_percent} showAbsolute={false} />
            )}
          </div>
        </div>
      </Link>
    </li>
  );
}

export function MoversPanel() {
  const [tab, setTab] = useState<Tab>("gainers");
  const { data, error } = useSWR<Movers>(paths.movers(5), { refreshInterval: 10_000 });
  const rows = data?.[tab] ?? [];

  return (
    <section
      aria-labelledby="movers-title"
      data-testid="movers"
      className="rounded-xl border border-ink-700 bg-ink-900"
    >
      <div className="flex items-center justify-between border-b border-ink-700 px-4 py-3">
        <h2 id="movers-title" className="text-sm font-semibold text-ink-100">
          Top movers
        </h2>
      </div>
      <div role="tablist" aria-label="Movers" className="flex gap-1 px-3 pt-3">
        {TABS.map((t) => (
          <button
            key={t.id}
            type="button"
            role="tab"
            aria-selected={tab === t.id}
            onClick={() => setTab(t.id)}
            className={`rounded-md px-2.5 py-1 text-xs font-medium transition-colors ${
              tab === t.id ? "bg-ink-700 text-ink-100" : "text-ink-400 hover:text-ink-100"
            }`}
          >
            {t.label}
          </button>
        ))}
      </div>
      <div className="p-2" role="tabpanel">
        {error && !data ? (
          <p className="px-2 py-3 text-xs text-ink-400">{errorText(error)}</p>
        ) : !data ? (
          <p className="px-2 py-3 text-xs text-ink-400">Loading…</p>
        ) : rows.length === 0 ? (
          <p className="px-2 py-3 text-xs text-ink-400">Nothing to show yet.</p>
        ) : (
          <ul>
            {rows.map((m) => (
              <MoverRow key={m.symbol} mover={m} showVolume={tab === "most_active"} />
            ))}
          </ul>
        )}
      </div>
    </section>
  );
}
