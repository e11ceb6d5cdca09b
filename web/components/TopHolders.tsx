"use client";
// The largest holders of one symbol among players who made their profile public, and bots
// (GET /api/stocks/{symbol}/holders, public): each one's name, a link to their profile and the
// stock's weight in their portfolio. Never a number of shares: the server does not publish
// them. Refreshed every 15 s (the server reads them at most every 5 s).

import Link from "next/link";
import useSWR from "swr";
import { paths } from "@/lib/api";
import { decimalToNumber } from "@/lib/format";
import type { HoldersPage } from "@/lib/models";
import { ErrorNotice } from "./Notice";

const LIMIT = 10;

function percent(weight: string): string {
  const n = decimalToNumber(weight);
  return n === null ? "—" : `${(n * 100).toFixed(1)}%`;
}

export function TopHolders({ symbol }: { symbol: string }) {
  const { data, error, mutate } = useSWR<HoldersPage>(paths.holders(symbol, LIMIT), {
    refreshInterval: 15_000,
    refreshWhenHidden: false,
  });

  return (
    <section
      className="rounded-xl border border-ink-700 bg-ink-900 p-4"
      aria-label={`Top holders of ${symbol}`}
      data-testid="holders"
    >
      <h2 className="text-base font-semibold text-ink-100">Top holders</h2>
      <p className="mt-1 text-xs text-ink-400">
        Players with a public profile, and bots, holding {symbol}: the share of their portfolio it makes up.
      </p>
      {error && !data ? (
        <div className="mt-3">
          <ErrorNotice title="Could not load the holders" error={error} onRetry={() => void mutate()} />
        </div>
      ) : !data ? (
        <p className="mt-3 text-sm text-ink-400" role="status">
          Loading…
        </p>
      ) : data.holders.length === 0 ? (
        <p className="mt-3 text-sm text-ink-400" data-testid="holders-empty">
          No public holders yet.
        </p>
      ) : (
        <ol className="mt-3 flex flex-col gap-1.5 text-sm">
          {data.holders.map((h, i) => {
            // The bar is a display aid: a float is fine here.
            const width = Math.min(100, Math.max(1, (decimalToNumber(h.weight) ?? 0) * 100));
            return (
              <li key={h.user_tag} data-testid="holder" className="flex items-center gap-2">
                <span className="w-5 text-right text-xs text-ink-400">{i + 1}</span>
                <Link
                  href={`/u/?tag=${encodeURIComponent(h.user_tag)}`}
                  className="min-w-0 flex-1 truncate text-ink-100 hover:text-accent"
                >
                  {h.name}
                </Link>
                {h.bot ? (
                  <span className="rounded bg-ink-800 px-1.5 py-px text-xs text-ink-300" title={h.strategy}>
                    Bot
                  </span>
                ) : null}
                <span className="relative h-1.5 w-16 rounded-full bg-ink-700" aria-hidden="true">
                  <span className="absolute inset-y-0 left-0 rounded-full bg-accent/70" style={{ width: `${width}%` }} />
                </span>
                <span className="w-14 text-right tabular-nums text-ink-100" data-testid="holder-weight">
                  {percent(h.weight)}
                </span>
              </li>
            );
          })}
        </ol>
      )}
    </section>
  );
}
