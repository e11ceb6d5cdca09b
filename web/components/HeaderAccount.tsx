"use client";
// The signed-in player's money in the top bar: cash, equity, what the holdings would fetch if
// sold now (long market value) and the change in equity since this session signed in. Loaded
// from GET /v2/account, then kept live by the stream's `account` events (lib/trading.ts).
// It links to the portfolio, where the same figures are broken down.

import Link from "next/link";
import { roundDecimal, subDecimal } from "@/lib/decimal";
import { decimalToNumber, formatMoney } from "@/lib/format";
import { useAccount } from "@/lib/trading";
import { Change } from "./Change";

function Figure({
  label,
  value,
  testId,
  className = "",
}: {
  label: string;
  value: string;
  testId?: string;
  className?: string;
}) {
  return (
    <span className={`items-baseline gap-1.5 ${className}`}>
      <span className="text-ink-400">{label}</span>
      <span className="text-sm font-medium text-ink-100" data-testid={testId}>
        {value}
      </span>
    </span>
  );
}

export function HeaderAccount() {
  const { account, error } = useAccount();
  const change = account ? subDecimal(account.equity, account.login_equity) : null;
  const base = decimalToNumber(account?.login_equity);
  const changeNumber = decimalToNumber(change);
  const percent = base && changeNumber !== null ? (changeNumber / base) * 100 : null;

  return (
    <Link
      href="/portfolio/"
      className="hidden items-center gap-3 rounded-md border border-ink-700 px-2.5 py-1 text-xs transition-colors hover:border-ink-600 hover:bg-ink-850 md:inline-flex"
      title={error && !account ? "Your account could not be loaded" : "Your stocks and cash"}
      data-testid="header-account"
    >
      <Figure label="Cash" value={account ? formatMoney(account.cash) : "—"} testId="header-cash" className="inline-flex" />
      <Figure
        label="Equity"
        value={account ? formatMoney(account.equity) : "—"}
        testId="header-equity"
        className="inline-flex"
      />
      <Figure
        label="If sold now"
        value={account ? formatMoney(account.long_market_value) : "—"}
        testId="header-market-value"
        className="hidden xl:inline-flex"
      />
      {change !== null ? (
        <span className="hidden lg:inline" title="Change in equity since you signed in" data-testid="header-session-change">
          <Change change={roundDecimal(change, 2)} percent={percent} className="text-xs" />
        </span>
      ) : null}
    </Link>
  );
}
