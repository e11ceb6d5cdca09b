"use client";
// The header's predicted growth or drop of the signed-in player's portfolio over 20 market
// days, with its 95% band (GET /api/forecasts/portfolio: the random walk with drift fitted on
// the equity the current holdings would have had). It links to /forecasts/, which says how the
// forecasts are made and measured. Refreshed every minute; hidden until it has loaded, and on
// bars narrower than lg (the band itself from xl), where the account's figures need the room.

import Link from "next/link";
import useSWR from "swr";
import { paths } from "@/lib/api";
import { formatPercent } from "@/lib/format";
import type { PortfolioForecast } from "@/lib/models";
import { Change } from "./Change";

const HORIZON = 20;

export function HeaderForecast() {
  const { data } = useSWR<PortfolioForecast>(paths.portfolioForecast(), { refreshInterval: 60_000 });
  if (!data) return null;
  const f = data.forecasts.find((x) => x.horizon === HORIZON);
  const title = f
    ? `Predicted change of your portfolio in ${HORIZON} market days (random walk with drift), 95% band ${formatPercent(
        f.change_lower * 100,
      )} to ${formatPercent(f.change_upper * 100)}. ${data.verdict}. How it is measured: /forecasts/`
    : `No portfolio forecast yet: ${data.reason ?? "too little history"}. How forecasts are measured: /forecasts/`;
  return (
    <Link
      href="/forecasts/"
      title={title}
      data-testid="header-forecast"
      className="hidden items-baseline gap-1.5 rounded-md border border-ink-700 px-2 py-1 text-xs transition-colors hover:border-ink-600 hover:bg-ink-850 lg:inline-flex"
    >
      <span className="text-ink-400">{HORIZON}d forecast</span>
      {f && !data.reason ? (
        <>
          <Change change={null} percent={f.change * 100} className="text-xs" />
          <span className="hidden text-ink-400 xl:inline" data-testid="header-forecast-band">
            ({formatPercent(f.change_lower * 100)} to {formatPercent(f.change_upper * 100)})
          </span>
        </>
      ) : (
        <span className="text-ink-400">needs more history</span>
      )}
    </Link>
  );
}
