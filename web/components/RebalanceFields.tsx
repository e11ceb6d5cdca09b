"use client";
// The rebalance rule's part of the editor: rows of symbol and percent of the sleeve (the cash
// free to spend plus the target symbols held), added and removed, with what is left for cash worked out as it
// is typed and each target's weight now; then its two triggers, a schedule in market days and a
// drift in percentage points, and the starting cash a backtest of the draft may assume.

import useSWR from "swr";
import { paths } from "@/lib/api";
import { compareDecimal } from "@/lib/decimal";
import { cashPercent, plainDecimal } from "@/lib/ruleSummary";
import type { Account, Position } from "@/lib/models";
import { RuleInput, ruleInputClass, wholeNumberOrText } from "./RuleFields";

export const MAX_TARGETS = 10;

export interface TargetRow {
  key: number; // stays with the row when one above it is removed
  symbol: string;
  percent: string;
}

export interface RebalanceDraft {
  targets: TargetRow[];
  every_days: string;
  drift_percent: string;
  backtest_cash: string;
}

export const EMPTY_REBALANCE: RebalanceDraft = {
  targets: [{ key: 0, symbol: "AAPL", percent: "50" }],
  every_days: "5",
  drift_percent: "",
  backtest_cash: "",
};

// Rows the player has typed into (a row added and left blank is not a target).
function filledRows(d: RebalanceDraft): TargetRow[] {
  return d.targets.filter((row) => row.symbol.trim() || row.percent.trim());
}

// The body the API takes. Throws on a symbol given twice: as an object's keys the second would
// silently replace the first.
export function rebalanceBody(d: RebalanceDraft): Record<string, unknown> {
  const targets: Record<string, string> = {};
  for (const row of filledRows(d)) {
    const symbol = row.symbol.trim().toUpperCase();
    if (Object.hasOwn(targets, symbol)) throw new Error(`targets: ${symbol} is listed twice`);
    targets[symbol] = row.percent.trim();
  }
  const body: Record<string, unknown> = { kind: "rebalance", targets };
  if (d.every_days.trim()) body.every_days = wholeNumberOrText(d.every_days);
  if (d.drift_percent.trim()) body.drift_percent = d.drift_percent.trim();
  return body;
}

// What the preview says instead of a chart: a rebalance has no price level.
export function rebalanceWatches(d: RebalanceDraft): string {
  const symbols = filledRows(d).map((row) => row.symbol.trim().toUpperCase()).filter(Boolean);
  return symbols.length === 0
    ? "Watches the weights of its targets: add one."
    : `Watches the weights of ${symbols.join(", ")} in the sleeve (your cash and these holdings) against their targets: no price level to draw.`;
}

const percentOf = (part: number, whole: number) => `${((part / whole) * 100).toFixed(1)}%`;

export function RebalanceFields({ value, onChange }: { value: RebalanceDraft; onChange: (next: RebalanceDraft) => void }) {
  const { data: account } = useSWR<Account>(paths.account());
  const { data: positions } = useSWR<Position[]>(paths.positions());
  const rows = value.targets;
  const setRow = (key: number, change: Partial<TargetRow>) =>
    onChange({ ...value, targets: rows.map((row) => (row.key === key ? { ...row, ...change } : row)) });
  const addRow = () => onChange({ ...value, targets: [...rows, { key: Math.max(-1, ...rows.map((r) => r.key)) + 1, symbol: "", percent: "" }] });
  const removeRow = (key: number) => onChange({ ...value, targets: rows.filter((row) => row.key !== key) });

  // The sleeve now, as the server counts it: the cash free to spend (the buying power: cash less
  // what open buy orders hold) plus what the player holds of the targets, at the positions' values.
  const symbols = new Set(filledRows(value).map((row) => row.symbol.trim().toUpperCase()));
  const valueOf = (symbol: string) => Number(positions?.find((p) => p.symbol === symbol)?.market_value ?? 0);
  const cashNow = account ? Number(account.buying_power) : null;
  const sleeve = cashNow === null || !positions ? null : cashNow + [...symbols].reduce((sum, s) => sum + valueOf(s), 0);

  const cash = cashPercent(filledRows(value).map((row) => row.percent.trim()));
  const over = cash !== null && compareDecimal(cash, "0") === -1;

  return (
    <>
      <div className="flex flex-col gap-2 sm:col-span-2" data-testid="rule-targets">
        <div className="grid grid-cols-[1fr_1fr_4.5rem_4.5rem] gap-2 text-xs text-ink-300">
          <span>Symbol</span>
          <span>Percent of the sleeve</span>
          <span className="text-right">Now</span>
          <span />
        </div>
        {rows.map((row, i) => {
          const symbol = row.symbol.trim().toUpperCase();
          return (
            <div key={row.key} className="grid grid-cols-[1fr_1fr_4.5rem_4.5rem] items-center gap-2" data-testid="rule-target">
              <input
                className={ruleInputClass}
                aria-label={`Target ${i + 1} symbol`}
                data-testid={`rule-target-symbol-${i}`}
                value={row.symbol}
                onChange={(e) => setRow(row.key, { symbol: e.target.value })}
              />
              <input
                className={ruleInputClass}
                aria-label={`Target ${i + 1} percent`}
                data-testid={`rule-target-percent-${i}`}
                inputMode="decimal"
                value={row.percent}
                onChange={(e) => setRow(row.key, { percent: e.target.value })}
              />
              <span className="text-right font-mono text-xs text-ink-400">
                {sleeve && symbol ? percentOf(valueOf(symbol), sleeve) : "—"}
              </span>
              <button
                type="button"
                disabled={rows.length === 1}
                onClick={() => removeRow(row.key)}
                data-testid={`rule-target-remove-${i}`}
                className="rounded border border-ink-700 px-2 py-1 text-xs hover:bg-ink-800 disabled:opacity-40"
              >
                Remove
              </button>
            </div>
          );
        })}
        <div className="flex flex-wrap items-center justify-between gap-2 text-xs">
          <button
            type="button"
            disabled={rows.length >= MAX_TARGETS}
            onClick={addRow}
            data-testid="rule-target-add"
            className="rounded border border-ink-700 px-2 py-1 hover:bg-ink-800 disabled:opacity-40"
          >
            Add a holding
          </button>
          <span className={over ? "text-loss" : "text-ink-300"} data-testid="rule-target-cash">
            {cash === null
              ? "Cash: the rest, once every percent is a number"
              : over
                ? `The targets add up to ${plainDecimal(cash.replace("-", ""))}% over 100%`
                : `Cash ${plainDecimal(cash)}%`}
            {sleeve && cashNow !== null ? <span className="text-ink-400"> (now {percentOf(cashNow, sleeve)})</span> : null}
          </span>
        </div>
      </div>
      <RuleInput
        label="Every how many market days (empty: no schedule)"
        testId="rule-every"
        inputMode="numeric"
        value={value.every_days}
        onChange={(e) => onChange({ ...value, every_days: e.target.value })}
      />
      <RuleInput
        label="When a weight drifts by (percentage points; empty: never)"
        testId="rule-drift"
        inputMode="decimal"
        value={value.drift_percent}
        onChange={(e) => onChange({ ...value, drift_percent: e.target.value })}
      />
      <RuleInput
        label="A backtest starts with cash of ($; empty: yours now)"
        testId="rule-backtest-cash"
        inputMode="decimal"
        value={value.backtest_cash}
        onChange={(e) => onChange({ ...value, backtest_cash: e.target.value })}
      />
    </>
  );
}
