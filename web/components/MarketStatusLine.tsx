"use client";

import useSWR from "swr";
import { paths } from "@/lib/api";
import { formatMarketTime, isNewer } from "@/lib/format";
import { useLatestMarketTime } from "@/lib/stream";
import type { MarketStatus } from "@/lib/types";

const PROVIDER_LABEL: Record<MarketStatus["provider"], string> = {
  replay: "Replay of real history",
  simulated: "Simulated market",
  http: "Live quotes",
};

export function MarketStatusLine() {
  const { data, error } = useSWR<MarketStatus>(paths.status(), { refreshInterval: 30_000 });
  const tickTime = useLatestMarketTime();
  const marketTime = isNewer(tickTime, data?.market_time) ? tickTime : (data?.market_time ?? null);

  return (
    <div
      data-testid="market-status"
      className="flex flex-wrap items-center gap-x-4 gap-y-1 text-xs text-ink-400"
    >
      <span>
        Provider:{" "}
        <span className="text-ink-300">
          {data ? (PROVIDER_LABEL[data.provider] ?? data.provider) : error ? "unavailable" : "…"}
        </span>
      </span>
      <span>
        Market time:{" "}
        <span className="text-ink-300" data-testid="market-time">
          {data || tickTime ? formatMarketTime(marketTime) : "…"}
        </span>
      </span>
      {data ? (
        <span>
          Tick every <span className="text-ink-300">{data.tick_interval_ms} ms</span>
        </span>
      ) : null}
    </div>
  );
}
