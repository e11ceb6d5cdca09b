"use client";
// Where the player's money is: a donut of each holding's market value and the cash, with a
// legend. Plain SVG (a circle per slice, drawn with stroke-dasharray), so no chart library is
// needed. Geometry uses floats; the amounts in the legend are the exact decimal strings. A
// public profile passes weights instead of amounts (`amounts={false}`): the legend shows only
// the percentages.

import { decimalToNumber, formatMoney } from "@/lib/format";

export interface Slice {
  key: string;
  label: string;
  value: string; // decimal string
}

// Distinguishable on the dark background; cash is always the neutral grey.
const PALETTE = ["#4f8cff", "#22c55e", "#f59e0b", "#a855f7", "#06b6d4", "#ec4899", "#84cc16", "#f97316", "#14b8a6", "#eab308"];
const CASH_COLOR = "#7d8aa3";
const RADIUS = 15.9155; // circumference 100, so a slice's percentage is its dash length
const STROKE = 5;

export function colorFor(index: number, key: string): string {
  return key === "cash" ? CASH_COLOR : (PALETTE[index % PALETTE.length] ?? CASH_COLOR);
}

export function AllocationChart({
  slices,
  amounts = true,
  label = "Allocation of your money",
}: {
  slices: Slice[];
  amounts?: boolean;
  label?: string;
}) {
  const numbers = slices.map((s) => Math.max(0, decimalToNumber(s.value) ?? 0));
  const total = numbers.reduce((a, b) => a + b, 0);
  const percents = numbers.map((n) => (total > 0 ? (n / total) * 100 : 0));
  // Where each slice starts along the circle: the sum of the slices before it.
  const starts = percents.map((_, i) => percents.slice(0, i).reduce((a, b) => a + b, 0));

  // Side by side when its container is wide enough (a container query: the same chart sits in a
  // narrow column on wide screens and full width below them), stacked otherwise.
  return (
    <div className="flex flex-col items-center gap-4 @lg:flex-row @lg:items-start @lg:gap-8" data-testid="allocation">
      <svg viewBox="0 0 42 42" className="h-40 w-40 shrink-0 -rotate-90" role="img" aria-label={label}>
        <circle cx="21" cy="21" r={RADIUS} fill="none" stroke="var(--color-ink-800)" strokeWidth={STROKE} />
        {total > 0
          ? slices.map((slice, i) => {
              const pct = percents[i] ?? 0;
              if (pct <= 0) return null;
              return (
                <circle
                  key={slice.key}
                  cx="21"
                  cy="21"
                  r={RADIUS}
                  fill="none"
                  stroke={colorFor(i, slice.key)}
                  strokeWidth={STROKE}
                  strokeDasharray={`${pct} ${100 - pct}`}
                  strokeDashoffset={-(starts[i] ?? 0)}
                >
                  <title>{`${slice.label}: ${pct.toFixed(1)}%`}</title>
                </circle>
              );
            })
          : null}
      </svg>
      <ul className="grid w-full min-w-0 max-w-md grid-cols-1 gap-1.5 text-sm">
        {slices.map((slice, i) => {
          const pct = percents[i] ?? 0;
          return (
            <li key={slice.key} className="flex items-center gap-2">
              <span aria-hidden="true" className="h-2.5 w-2.5 shrink-0 rounded-sm" style={{ background: colorFor(i, slice.key) }} />
              <span className={`min-w-0 flex-1 truncate ${slice.key === "cash" ? "text-ink-300" : "font-mono text-ink-100"}`}>
                {slice.label}
              </span>
              {amounts ? <span className="text-ink-100">{formatMoney(slice.value)}</span> : null}
              <span className="w-14 text-right text-xs text-ink-400">{pct.toFixed(1)}%</span>
            </li>
          );
        })}
      </ul>
    </div>
  );
}
