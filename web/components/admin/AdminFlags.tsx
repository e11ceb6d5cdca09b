"use client";
// Admin: the anti-collusion flags the leader's integrity scan keeps (GET /api/admin/flags),
// with their evidence: who trades mostly with whom, fills far from the market, addresses shared
// by several players. Refreshed every few seconds while the tab is open.

import useSWR from "swr";
import { ErrorNotice } from "../Notice";
import { paths } from "@/lib/api";
import { formatDate } from "@/lib/format";
import type { AdminFlag } from "@/lib/models";

const KINDS: Record<string, string> = {
  wash_trading: "Wash trading",
  off_market: "Off-market fills",
  shared_address: "Shared address",
};

function Evidence({ flag }: { flag: AdminFlag }) {
  const d = flag.detail as Record<string, unknown>;
  if (flag.kind === "wash_trading" && Array.isArray(d.counterparties)) {
    return (
      <span>
        {(d.counterparties as { account: number; fills: number; share: number }[])
          .map((c) => `with account #${c.account}: ${c.fills} fills, ${Math.round(c.share * 100)}% of its volume`)
          .join("; ")}
      </span>
    );
  }
  if (flag.kind === "off_market") {
    return (
      <span>
        {String(d.fills)} fill(s), worst {Math.round(Number(d.worst_deviation) * 1000) / 10}% from the market (last
        fill #{String(d.last_fill)})
      </span>
    );
  }
  if (flag.kind === "shared_address") {
    return <span>{String(d.accounts)} players signed in from one address</span>;
  }
  return <span>{JSON.stringify(flag.detail)}</span>;
}

export function AdminFlags() {
  const { data, error, mutate } = useSWR<{ flags: AdminFlag[] }>(paths.adminFlags(), { refreshInterval: 5000 });
  if (error && !data) {
    return <ErrorNotice title="Could not load the flags" error={error} onRetry={() => void mutate()} />;
  }
  const flags = data?.flags ?? [];
  return (
    <div data-testid="admin-flags" aria-busy={!data} className="flex flex-col gap-3">
      <p className="text-sm text-ink-400">
        Raised on players&apos; recent trading (7 days) and sign-ins; a flag that stops holding is dropped at the next
        scan. The leaderboard shows each flag&apos;s name beside the player.
      </p>
      {data && flags.length === 0 ? <p className="text-sm text-ink-300">Nothing flagged.</p> : null}
      {flags.length > 0 ? (
        <div className="overflow-x-auto rounded-lg border border-ink-700">
          <table className="w-full text-sm">
            <thead className="bg-ink-900 text-left text-xs uppercase tracking-wide text-ink-400">
              <tr>
                <th className="px-3 py-2">Player</th>
                <th className="px-3 py-2">Flag</th>
                <th className="px-3 py-2">Evidence</th>
                <th className="px-3 py-2">Since</th>
              </tr>
            </thead>
            <tbody>
              {flags.map((f) => (
                <tr key={`${f.account_id}-${f.kind}`} className="border-t border-ink-800">
                  <td className="px-3 py-2">
                    <span className="text-ink-100">@{f.user_tag}</span>
                    <div className="text-xs text-ink-400">account #{f.account_id}</div>
                  </td>
                  <td className="px-3 py-2 text-loss">{KINDS[f.kind] ?? f.kind}</td>
                  <td className="px-3 py-2 text-ink-200">
                    <Evidence flag={f} />
                  </td>
                  <td className="px-3 py-2 text-ink-400">{formatDate(f.first_seen)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </div>
  );
}
