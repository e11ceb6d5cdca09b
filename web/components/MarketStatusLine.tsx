"use client";

// The market's status line (provider, market time, tick interval) and the hook that tells any
// page whether market time has reached the simulated continuation of the real history. Client
// component: the status is polled, the market time follows the stream's ticks.
import useSWR from "swr";
import { paths } from "@/lib/api";
import { formatMarketTime, isNewer } from "@/lib/format";
import { useLatestMarketTime } from "@/lib/stream";
import type { MarketStatus } from "@/lib/models";

const PROVIDER_LABEL: Record<MarketStatus["provider"], string> = {
  replay: "Replay of real history",
  simulated: "Simulated market",
  http: "Live quotes",
};

function useMarketStatus() {
  const { data, error } = useSWR<MarketStatus>(paths.status(), { refreshInterval: 30_000 });
  const tickTime = useLatestMarketTime();
  const marketTime = isNewer(tickTime, data?.market_time) ? tickTime : (data?.market_time ?? null);
  // The status is polled, the ticks are live: the note appears with the first simulated tick.
  const since = data?.simulated_since ?? null;
  const simulatedSince =
    since && (data?.simulated === true || (marketTime !== null && marketTime.slice(0, 10) >= since)) ? since : null;
  return { data, error, tickTime, marketTime, simulatedSince };
}

// The first market date of the simulated continuation once market time has reached it, else null.
export function useSimulatedSince(): string | null {
  return useMarketStatus().simulatedSince;
}

export function SimulatedNote({ since }: { since: string }) {
  return (
    <span data-testid="simulated-note" className="rounded bg-ink-800 px-2 py-0.5 text-ink-100">
      Simulated continuation of the real history since {since}
    </span>
  );
}

export function MarketStatusLine() {
  const { data, error, tickTime, marketTime, simulatedSince } = useMarketStatus();

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
      {simulatedSince ? <SimulatedNote since={simulatedSince} /> : null}
    </div>
  );
}
