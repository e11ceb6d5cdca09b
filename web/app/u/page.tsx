"use client";
// A player's public profile at /u/<tag>/. The export has one page here, out/u/index.html, and
// the server answers it for every path under /u/, so the tag is read from the address bar in
// the browser; `next dev` has no such fallback, so /u/?tag=<tag> works as well. Shows what the
// player chose to make public (GET /api/users/{tag} and /equity): returns and ranks per period
// of market time, the equity curve (market time), the allocation as weights (never shares or
// amounts) and fills at least the server's delay old; a bot also says how it trades. A private
// profile, an unknown tag and a disabled account all read "this profile is private".

import Link from "next/link";
import { useMemo, useState, useSyncExternalStore, type ReactNode } from "react";
import useSWR from "swr";
import { AllocationChart, type Slice } from "@/components/AllocationChart";
import { Avatar } from "@/components/Avatar";
import { Change } from "@/components/Change";
import { BaselineChart, type EquityPoint } from "@/components/EquityChart";
import { ErrorNotice, Notice, errorText } from "@/components/Notice";
import { Toggle } from "@/components/Toggle";
import { ApiError, paths } from "@/lib/api";
import { useAuth } from "@/lib/auth";
import { decimalToNumber, formatDate, formatMarketTime, formatMoney } from "@/lib/format";
import { usePageTitle } from "@/lib/title";
import type { ProfilePeriod, PublicEquity, PublicProfile } from "@/lib/models";

const TAG = /^[a-z0-9_]{3,20}$/;

// "" when the address names no tag; the tag as written otherwise (checked by the caller).
function tagFromLocation(): string {
  const match = /^\/u\/([^/]+)\/?$/.exec(window.location.pathname);
  let raw = match?.[1] ?? new URLSearchParams(window.location.search).get("tag") ?? "";
  try {
    raw = decodeURIComponent(raw);
  } catch {
    // A malformed escape is just a tag that matches nobody.
  }
  return raw.trim().toLowerCase();
}

function subscribe(onChange: () => void): () => void {
  window.addEventListener("popstate", onChange);
  return () => window.removeEventListener("popstate", onChange);
}

// null while rendering on the server (the exported shell knows no tag).
function useTag(): string | null {
  return useSyncExternalStore(subscribe, tagFromLocation, () => null);
}

const PERIODS = ["day", "week", "month", "all"] as const satisfies readonly ProfilePeriod[];
const PERIOD_LABEL: Record<ProfilePeriod, string> = { day: "Day", week: "Week", month: "Month", all: "All" };
const REFRESH_MS = 30_000;

function Card({ title, children, testId }: { title: string; children: ReactNode; testId?: string }) {
  return (
    <section className="@container rounded-xl border border-ink-700 bg-ink-900 p-4 md:p-5" data-testid={testId}>
      <h2 className="mb-3 text-base font-semibold text-ink-100">{title}</h2>
      {children}
    </section>
  );
}

// "0.012345" → 1.2345 (percent), for display only.
function percentOf(ratio: string | null): number | null {
  const n = decimalToNumber(ratio);
  return n === null ? null : n * 100;
}

function Returns({ profile }: { profile: PublicProfile }) {
  return (
    <Card title="Returns" testId="profile-returns">
      <div className="grid grid-cols-2 gap-3 sm:grid-cols-4">
        {PERIODS.map((p) => {
          const r = profile.returns[p];
          return (
            <div key={p} className="rounded-lg border border-ink-700 p-3" data-testid={`profile-return-${p}`}>
              <div className="text-xs text-ink-400">{PERIOD_LABEL[p]}</div>
              <div className="mt-1 text-lg font-medium tabular-nums">
                {r.return === null ? "—" : <Change change={null} percent={percentOf(r.return)} showAbsolute={false} />}
              </div>
              <div className="mt-1 text-xs text-ink-400" data-testid={`profile-rank-${p}`}>
                {r.rank === null ? "not ranked yet" : `#${r.rank} of ${r.of}`}
              </div>
            </div>
          );
        })}
      </div>
      <p className="mt-3 text-xs text-ink-400">
        Ranked among all players and bots by return over days of market time, up to{" "}
        {formatMarketTime(profile.as_of)}.
      </p>
    </Card>
  );
}

function EquityCurve({ tag }: { tag: string }) {
  const [period, setPeriod] = useState<ProfilePeriod>("all");
  const { data, error } = useSWR<PublicEquity>(paths.publicEquity(tag, period), { refreshInterval: REFRESH_MS });
  const points = useMemo<EquityPoint[]>(() => {
    const out: EquityPoint[] = [];
    for (const p of data?.points ?? []) {
      const time = Math.floor(Date.parse(p.market_at) / 1000);
      const value = decimalToNumber(p.equity);
      const last = out[out.length - 1];
      if (value === null || !Number.isFinite(time) || (last && time <= last.time)) continue;
      out.push({ time: time as EquityPoint["time"], value });
    }
    return out;
  }, [data]);
  return (
    <Card title="Equity" testId="profile-equity">
      <div className="mb-2 flex flex-wrap items-center justify-between gap-2">
        <span className="text-sm" data-testid="profile-equity-return">
          {data?.return ? <Change change={null} percent={percentOf(data.return)} showAbsolute={false} /> : "—"}
          <span className="ml-1.5 text-xs text-ink-400">market time (UTC)</span>
        </span>
        <Toggle label="Equity period" options={PERIODS} value={period} onChange={setPeriod} render={(p) => PERIOD_LABEL[p]} />
      </div>
      <div className="relative h-[220px] w-full" data-testid="profile-equity-chart" data-points={points.length}>
        <BaselineChart points={points} base={decimalToNumber(data?.start_equity)} utc />
        {error && !data ? (
          <div className="pointer-events-none absolute inset-0 flex items-center justify-center text-sm text-ink-400">
            Could not load the equity: {errorText(error)}
          </div>
        ) : data && points.length === 0 ? (
          <div className="pointer-events-none absolute inset-0 flex items-center justify-center px-4 text-center text-sm text-ink-400">
            No equity recorded in this period yet.
          </div>
        ) : null}
      </div>
    </Card>
  );
}

function Allocation({ profile }: { profile: PublicProfile }) {
  const [view, setView] = useState<"stock" | "sector">("stock");
  const a = profile.allocation;
  const slices: Slice[] = [
    ...(view === "stock"
      ? a.stocks.map((s) => ({ key: s.symbol, label: `${s.symbol} · ${s.name}`, value: s.weight }))
      : a.sectors.map((s) => ({ key: `sector:${s.sector}`, label: s.sector, value: s.weight }))),
    { key: "cash", label: "Cash", value: a.cash_weight },
  ];
  return (
    <Card title="Allocation" testId="profile-allocation">
      <div className="mb-3 flex flex-wrap items-center justify-between gap-2">
        <p className="text-xs text-ink-400">Share of the equity, in percent. Share counts are never published.</p>
        <Toggle
          label="Allocation view"
          options={["stock", "sector"] as const}
          value={view}
          onChange={setView}
          render={(v) => (v === "stock" ? "By stock" : "By sector")}
        />
      </div>
      <AllocationChart slices={slices} amounts={false} label={`Allocation of ${profile.display_name}'s equity`} />
    </Card>
  );
}

const tradeTime = new Intl.DateTimeFormat(undefined, { day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" });

function Trades({ profile }: { profile: PublicProfile }) {
  const minutes = Math.max(1, Math.round(profile.trade_delay_seconds / 60));
  return (
    <Card title="Recent trades" testId="profile-trades">
      <p className="mb-3 text-xs text-ink-400">
        Shown {minutes} minute{minutes === 1 ? "" : "s"} or more after they happen, without their size. Times are your
        clock&apos;s.
      </p>
      {profile.trades.length === 0 ? (
        <p className="text-sm text-ink-400" data-testid="profile-no-trades">
          No trades to show yet.
        </p>
      ) : (
        <ul className="divide-y divide-ink-800 text-sm">
          {profile.trades.map((t, i) => (
            <li key={`${t.time}-${i}`} className="flex items-center gap-3 py-2" data-testid="profile-trade">
              <span className={`w-10 text-xs font-semibold uppercase ${t.side === "buy" ? "text-gain" : "text-loss"}`}>
                {t.side === "buy" ? "▲ buy" : "▼ sell"}
              </span>
              <Link href={`/stock/?symbol=${encodeURIComponent(t.symbol)}`} className="font-mono text-ink-100 hover:underline">
                {t.symbol}
              </Link>
              <span className="ml-auto tabular-nums text-ink-100">{formatMoney(t.price)}</span>
              <span className="w-28 text-right text-xs text-ink-400">{tradeTime.format(new Date(t.time))}</span>
            </li>
          ))}
        </ul>
      )}
    </Card>
  );
}

function Profile({ tag }: { tag: string }) {
  const { user } = useAuth();
  const { data, error, isLoading, mutate } = useSWR<PublicProfile>(paths.publicUser(tag), {
    refreshInterval: REFRESH_MS,
  });
  usePageTitle(data ? data.display_name : `@${tag}`);

  if (error && !data) {
    if (error instanceof ApiError && error.isNotFound) {
      const own = user?.user_tag === tag;
      return (
        <Notice title="This player's profile is private">
          <p data-testid="profile-missing">
            {own ? (
              <>
                Your profile is private.{" "}
                <Link href="/settings/" className="text-accent hover:underline">
                  Make it public in Settings
                </Link>
                .
              </>
            ) : (
              <>
                <span className="font-mono">@{tag}</span> keeps their profile private (or there is no such
                player): nothing of their trading is shown.
              </>
            )}
          </p>
        </Notice>
      );
    }
    return <ErrorNotice title="Could not load the profile" error={error} onRetry={() => void mutate()} />;
  }
  if (isLoading || !data) {
    return (
      <div className="h-40 animate-pulse rounded-xl border border-ink-700 bg-ink-900" aria-busy="true" aria-label="Loading profile" />
    );
  }
  return (
    <div className="flex flex-col gap-4">
      <section className="rounded-xl border border-ink-700 bg-ink-900 p-6 md:p-8" data-testid="profile">
        <div className="flex flex-col items-center gap-5 text-center sm:flex-row sm:text-left">
          <Avatar tag={data.user_tag} name={data.display_name} size={96} testId="profile-avatar" />
          <div className="min-w-0">
            <h1 className="text-2xl font-semibold tracking-tight break-words" data-testid="profile-name">
              {data.display_name}
            </h1>
            <div className="mt-1 font-mono text-sm text-ink-300">@{data.user_tag}</div>
            <div className="mt-3 text-sm text-ink-400" data-testid="profile-since">
              Member since {formatDate(data.member_since)}
            </div>
            {data.equity ? (
              <div className="mt-1 text-sm text-ink-300" data-testid="profile-equity-now">
                Equity {formatMoney(data.equity)}
              </div>
            ) : null}
          </div>
        </div>
        {data.bot ? (
          <p className="mt-5 rounded-lg border border-ink-700 bg-ink-800 p-3 text-sm" data-testid="profile-strategy">
            <span className="font-medium text-ink-100">Simulated trader · {data.strategy_title ?? data.strategy}.</span>{" "}
            <span className="text-ink-300">{data.strategy_description}</span>
          </p>
        ) : null}
        {user?.user_tag === data.user_tag ? (
          <p className="mt-6 border-t border-ink-700 pt-4 text-xs text-ink-400">
            This is your public profile.{" "}
            <Link href="/settings/" className="text-accent hover:underline">
              Change it in Settings
            </Link>
            .
          </p>
        ) : null}
      </section>
      <Returns profile={data} />
      <EquityCurve tag={tag} />
      <Allocation profile={data} />
      <Trades profile={data} />
    </div>
  );
}

export default function ProfilePage() {
  const tag = useTag();
  return (
    <div className="mx-auto max-w-3xl py-2 md:py-6">
      {tag === null ? (
        <div className="text-sm text-ink-400">Loading…</div>
      ) : TAG.test(tag) ? (
        <Profile key={tag} tag={tag} />
      ) : (
        <Notice title="No such profile">
          <p data-testid="profile-missing">
            {tag ? "That is not a user tag." : "The address names no player."}{" "}
            <Link href="/" className="text-accent hover:underline">
              Back to the market
            </Link>
          </p>
        </Notice>
      )}
    </div>
  );
}
