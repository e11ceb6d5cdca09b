"use client";
// The signed-in player's money in the top bar: cash, equity, what the holdings would fetch if
// sold now (long market value) and the change in equity since the end of the player's previous
// visit (the server's `previous_visit_equity`; the starting grant on a first visit). Loaded
// from GET /v2/account, then kept live by the stream's `account` events (lib/trading.ts).
// It links to the portfolio, where the same figures are broken down. On a phone it keeps the
// equity and its change (as a percentage); cash and the rest appear as the bar widens.

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
  labelClassName = "",
}: {
  label: string;
  value: string;
  testId?: string;
  className?: string;
  labelClassName?: string;
}) {
  return (
    <span className={`items-baseline gap-1.5 ${className}`}>
      <span className={`text-ink-400 ${labelClassName}`}>{label}</span>
      <span className="text-sm font-medium text-ink-100" data-testid={testId}>
        {value}
      </span>
    </span>
  );
}

export function HeaderAccount() {
  const { account, error } = useAccount();
  const change = account ? subDecimal(account.equity, account.previous_visit_equity) : null;
  const base = decimalToNumber(account?.previous_visit_equity);
  const changeNumber = decimalToNumber(change);
  const percent = base && changeNumber !== null ? (changeNumber / base) * 100 : null;
  const since = account?.previous_visit_ended_at
    ? "Change in equity since the end of your last visit"
    : "Change in equity since you started";

  return (
    <Link
      href="/portfolio/"
      className="inline-flex min-w-0 items-center gap-2 rounded-md border border-ink-700 px-2 py-1 text-xs transition-colors hover:border-ink-600 hover:bg-ink-850 sm:gap-3 sm:px-2.5"
      title={error && !account ? "Your account could not be loaded" : "Your stocks and cash"}
      data-testid="header-account"
    >
      <Figure
        label="Cash"
        value={account ? formatMoney(account.cash) : "—"}
        testId="header-cash"
        className="hidden md:inline-flex"
      />
      <Figure
        label="Equity"
        value={account ? formatMoney(account.equity) : "—"}
        testId="header-equity"
        className="inline-flex"
        labelClassName="hidden sm:inline"
      />
      <Figure
        label="If sold now"
        value={account ? formatMoney(account.long_market_value) : "—"}
        testId="header-market-value"
        className="hidden xl:inline-flex"
      />
      {change !== null ? (
        <span title={since} data-testid="header-visit-change">
          <span className="hidden lg:inline">
            <Change change={roundDecimal(change, 2)} percent={percent} className="text-xs" />
          </span>
          {/* Narrower bars: the percentage alone, with its arrow. */}
          <span className="lg:hidden">
            <Change change={roundDecimal(change, 2)} percent={percent} showAbsolute={false} className="text-xs" />
          </span>
        </span>
      ) : null}
    </Link>
  );
}
