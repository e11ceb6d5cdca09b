"use client";
// Admin: trading halts. Lists the instruments from /api/stocks (the market's own list, whose
// entries carry `halted`) with a halt or resume button each, after a confirmation. The market
// pages share the cached list, so a change shows there without a refetch.

import useSWR from "swr";
import { ErrorNotice } from "../Notice";
import { apiSend, paths } from "@/lib/api";
import { formatDecimal } from "@/lib/format";
import type { HaltResponse, StockList } from "@/lib/models";
import { Badge, ConfirmAction } from "./shared";

export function AdminSymbols() {
  const { data, error, isLoading, mutate } = useSWR<StockList>(paths.stocks());

  async function act(symbol: string, action: "halt" | "resume") {
    const answer = await apiSend<HaltResponse>("POST", paths.adminSymbol(symbol, action));
    await mutate(
      (current) =>
        current && {
          ...current,
          stocks: current.stocks.map((s) => (s.symbol === answer.symbol ? { ...s, halted: answer.halted } : s)),
        },
      { revalidate: false },
    );
  }

  if (error && !data) {
    return <ErrorNotice title="Could not load the instruments" error={error} onRetry={() => void mutate()} />;
  }
  if (isLoading || !data) {
    return <div className="h-40 animate-pulse rounded-xl border border-ink-700 bg-ink-900" aria-busy="true" />;
  }
  return (
    <div className="overflow-x-auto rounded-xl border border-ink-700 bg-ink-900" data-testid="admin-symbols">
      <table className="w-full min-w-[640px] text-left text-sm">
        <thead className="border-b border-ink-700 text-xs text-ink-400">
          <tr>
            <th className="px-3 py-2 font-medium">Symbol</th>
            <th className="px-3 py-2 font-medium">Name</th>
            <th className="px-3 py-2 font-medium">Kind</th>
            <th className="px-3 py-2 text-right font-medium">Price</th>
            <th className="px-3 py-2 font-medium">Trading</th>
            <th className="px-3 py-2 font-medium">Action</th>
          </tr>
        </thead>
        <tbody className="divide-y divide-ink-700">
          {data.stocks.map((s) => (
            <tr key={s.symbol} data-testid={`admin-symbol-${s.symbol}`}>
              <td className="px-3 py-2 font-mono font-medium">{s.symbol}</td>
              <td className="max-w-[16rem] truncate px-3 py-2 text-ink-300" title={s.name}>
                {s.name}
              </td>
              <td className="px-3 py-2 text-ink-300">{s.kind}</td>
              <td className="px-3 py-2 text-right">{formatDecimal(s.price)}</td>
              <td className="px-3 py-2">
                {s.halted === undefined ? (
                  <span className="text-ink-400">—</span>
                ) : s.halted ? (
                  <Badge tone="bad">halted</Badge>
                ) : (
                  <Badge tone="good">open</Badge>
                )}
              </td>
              <td className="px-3 py-2">
                {s.halted ? (
                  <ConfirmAction
                    label="Resume"
                    question={`Resume trading in ${s.symbol}?`}
                    onConfirm={() => act(s.symbol, "resume")}
                    testId={`resume-${s.symbol}`}
                  />
                ) : (
                  <ConfirmAction
                    label="Halt"
                    question={`Halt trading in ${s.symbol}?`}
                    tone="danger"
                    onConfirm={() => act(s.symbol, "halt")}
                    testId={`halt-${s.symbol}`}
                  />
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
