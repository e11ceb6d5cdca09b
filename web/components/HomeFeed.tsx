"use client";
// The home feed's panels (GET /api/feed): trending stocks over a week and a month of market
// time, sector performance, notable trades and leaderboard highs, the leaderboard's top 10 and
// the newest players. All read one SWR entry, which the stream's `feed` events replace
// (lib/stream.tsx), so the panels change live without polling. Made for visitors who have
// never signed in: players appear by name only when they opted in (or are bots).

import Link from "next/link";
import { useState, type ReactNode } from "react";
import useSWR from "swr";
import { paths } from "@/lib/api";
import { formatDecimal, formatMarketTime, formatMoney, formatPercent } from "@/lib/format";
import type { FeedHighlight, FeedMover, FeedParty, FeedTrade, HomeFeed, SectorMove } from "@/lib/models";
import { Change } from "./Change";
import { errorText } from "./Notice";

export function useHomeFeed() {
  // The stream keeps it current; the slow refresh only covers a stream that is down.
  return useSWR<HomeFeed>(paths.feed(), { refreshInterval: 60_000 });
}

function Panel({ id, title, children }: { id: string; title: string; children: ReactNode }) {
  const { data, error } = useHomeFeed();
  return (
    <section aria-labelledby={`${id}-title`} data-testid={id} className="rounded-xl border border-ink-700 bg-ink-900">
      <div className="border-b border-ink-700 px-4 py-3">
        <h2 id={`${id}-title`} className="text-sm font-semibold text-ink-100">
          {title}
        </h2>
      </div>
      <div className="p-2">
        {error && !data ? (
          <p className="px-2 py-3 text-xs text-ink-400">{errorText(error)}</p>
        ) : !data ? (
          <p className="px-2 py-3 text-xs text-ink-400">Loading…</p>
        ) : (
          children
        )}
      </div>
    </section>
  );
}

function Empty({ children }: { children: ReactNode }) {
  return <p className="px-2 py-3 text-xs text-ink-400">{children}</p>;
}

// A player's name, linked to their public profile when they have one.
function Who({ party }: { party: FeedParty | null }) {
  if (!party) return <span className="text-ink-300">the market</span>;
  const label = (
    <>
      {party.name}
      {party.bot ? <span className="ml-1 rounded bg-ink-700 px-1 text-[0.65rem] uppercase text-ink-300">bot</span> : null}
    </>
  );
  if (!party.user_tag) return <span className="text-ink-100">{label}</span>;
  return (
    <Link href={`/u/${encodeURIComponent(party.user_tag)}/`} className="text-ink-100 hover:underline">
      {label}
    </Link>
  );
}

// The leaderboard's decimal return ("0.012345") as a percentage, for display only.
function returnPercent(value: string): number {
  return Number(value) * 100;
}

function MoverList({ movers }: { movers: FeedMover[] }) {
  if (movers.length === 0) return <Empty>Not enough history yet.</Empty>;
  return (
    <ul>
      {movers.map((m) => (
        <li key={m.symbol}>
          <Link
            href={`/stock/?symbol=${encodeURIComponent(m.symbol)}`}
            className="grid grid-cols-[1fr_auto] items-center gap-x-3 rounded-md px-2 py-2 hover:bg-ink-800"
          >
            <div className="min-w-0">
              <div className="font-mono text-sm font-semibold text-ink-100">{m.symbol}</div>
              <div className="truncate text-xs text-ink-400">{m.name}</div>
            </div>
            <div className="text-right text-sm">
              <div className="text-ink-100 tabular-nums">{formatDecimal(m.price)}</div>
              <Change change={null} percent={m.change_percent} showAbsolute={false} className="text-xs" />
            </div>
          </Link>
        </li>
      ))}
    </ul>
  );
}

const WINDOWS = [
  { id: "week", label: "Week" },
  { id: "month", label: "Month" },
] as const;

export function TrendingPanel() {
  const { data } = useHomeFeed();
  const [range, setRange] = useState<"week" | "month">("week");
  const span = data?.movers[range];
  return (
    <Panel id="feed-trending" title="Fastest growth">
      <div role="tablist" aria-label="Window" className="flex gap-1 px-1 pb-2">
        {WINDOWS.map((w) => (
          <button
            key={w.id}
            type="button"
            role="tab"
            aria-selected={range === w.id}
            onClick={() => setRange(w.id)}
            className={`rounded-md px-2.5 py-1 text-xs font-medium transition-colors ${
              range === w.id ? "bg-ink-700 text-ink-100" : "text-ink-400 hover:text-ink-100"
            }`}
          >
            {w.label}
          </button>
        ))}
      </div>
      {span?.from ? <p className="px-2 text-[0.7rem] text-ink-400">since {formatMarketTime(span.from)}</p> : null}
      <MoverList movers={span?.gainers ?? []} />
    </Panel>
  );
}

function SectorRow({ sector }: { sector: SectorMove }) {
  return (
    <li>
      <Link
        href={`/sector/?name=${encodeURIComponent(sector.sector)}`}
        data-testid={`sector-${sector.sector}`}
        className="grid grid-cols-[1fr_auto] items-center gap-x-3 rounded-md px-2 py-2 hover:bg-ink-800"
      >
        <div className="min-w-0">
          <div className="truncate text-sm text-ink-100">{sector.sector}</div>
          <div className="text-xs text-ink-400">
            {sector.advancing} up · {sector.declining} down of {sector.stocks}
          </div>
        </div>
        <Change change={null} percent={sector.change_percent} showAbsolute={false} className="text-sm" />
      </Link>
    </li>
  );
}

export function SectorsPanel() {
  const { data } = useHomeFeed();
  const sectors = data?.sectors ?? [];
  return (
    <Panel id="feed-sectors" title="Sectors today">
      {sectors.length === 0 ? (
        <Empty>No prices yet.</Empty>
      ) : (
        <ul>
          {sectors.map((s) => (
            <SectorRow key={s.sector} sector={s} />
          ))}
        </ul>
      )}
    </Panel>
  );
}

function TradeItem({ trade }: { trade: FeedTrade }) {
  const who = trade.buyer ?? trade.seller;
  const verb = trade.buyer ? "bought" : "sold";
  const other = trade.buyer ? trade.seller : null;
  return (
    <li className="px-2 py-2 text-sm text-ink-300" data-testid="feed-trade">
      <Who party={who} /> {verb} {trade.qty.toLocaleString("en-US")}{" "}
      <Link href={`/stock/?symbol=${encodeURIComponent(trade.symbol)}`} className="font-mono text-ink-100 hover:underline">
        {trade.symbol}
      </Link>{" "}
      at {formatDecimal(trade.price)}
      {other ? (
        <>
          {" "}
          from <Who party={other} />
        </>
      ) : null}
      <span className="block text-xs text-ink-400">${formatMoney(trade.value)}</span>
    </li>
  );
}

function HighlightItem({ highlight }: { highlight: FeedHighlight }) {
  return (
    <li className="px-2 py-2 text-sm text-ink-300" data-testid="feed-highlight">
      <Who party={highlight} />{" "}
      {highlight.kind === "lead" ? "took the lead on the leaderboard" : `climbed into the top 10 (#${highlight.rank})`}
      <span className="block text-xs text-ink-400">{formatPercent(returnPercent(highlight.return))} since starting</span>
    </li>
  );
}

export function NotablePanel() {
  const { data } = useHomeFeed();
  const items = [
    ...(data?.highlights ?? []).map((h) => ({ time: h.time, node: <HighlightItem key={`h${h.time}${h.name}`} highlight={h} /> })),
    ...(data?.trades ?? []).map((t, i) => ({ time: t.time, node: <TradeItem key={`t${t.time}${i}`} trade={t} /> })),
  ].sort((a, b) => Date.parse(b.time) - Date.parse(a.time));
  return (
    <Panel id="feed-notable" title="Notable trades">
      {items.length === 0 ? <Empty>No large trades yet.</Empty> : <ul>{items.slice(0, 10).map((item) => item.node)}</ul>}
    </Panel>
  );
}

export function TopPlayersPanel() {
  const { data } = useHomeFeed();
  const entries = data?.leaderboard.entries ?? [];
  return (
    <Panel id="feed-leaderboard" title="Leaderboard">
      {entries.length === 0 ? (
        <Empty>Nobody is ranked yet.</Empty>
      ) : (
        <ol>
          {entries.map((e) => (
            <li
              key={`${e.rank}-${e.name}`}
              data-testid="feed-rank"
              className="grid grid-cols-[2rem_1fr_auto] items-center gap-x-2 px-2 py-1.5 text-sm"
            >
              <span className="tabular-nums text-ink-400">{e.rank}</span>
              <span className="truncate">
                <Who party={e} />
              </span>
              <Change change={null} percent={returnPercent(e.return)} showAbsolute={false} className="text-xs tabular-nums" />
            </li>
          ))}
        </ol>
      )}
    </Panel>
  );
}

export function NewestPlayersPanel() {
  const { data } = useHomeFeed();
  const newest = data?.newest ?? [];
  return (
    <Panel id="feed-newest" title="New players">
      {newest.length === 0 ? (
        <Empty>Be the first to join.</Empty>
      ) : (
        <ul>
          {newest.map((n) => (
            <li key={`${n.joined}-${n.name}`} className="flex items-center justify-between px-2 py-1.5 text-sm">
              <Who party={n} />
              <span className="text-xs text-ink-400">{new Date(n.joined).toLocaleDateString("en-US")}</span>
            </li>
          ))}
        </ul>
      )}
    </Panel>
  );
}
