import { directionOf, formatPercent, formatSignedDecimal, type Direction } from "@/lib/format";

const ARROWS: Record<Direction, string> = { up: "▲", down: "▼", flat: "■" };
const LABELS: Record<Direction, string> = { up: "up", down: "down", flat: "unchanged" };

export function directionClass(direction: Direction): string {
  return direction === "up" ? "text-gain" : direction === "down" ? "text-loss" : "text-ink-300";
}

// Gain or loss shown by colour AND by an arrow, never by colour alone.
export function Change({
  change,
  percent,
  showAbsolute = true,
  className = "",
}: {
  change: string | null;
  percent: number | null;
  showAbsolute?: boolean;
  className?: string;
}) {
  const direction = directionOf(change, percent);
  if (change === null && percent === null) {
    return <span className={`text-ink-400 ${className}`}>—</span>;
  }
  return (
    <span className={`inline-flex items-center gap-1 ${directionClass(direction)} ${className}`}>
      <span aria-label={LABELS[direction]} role="img" className="text-[0.7em] leading-none">
        {ARROWS[direction]}
      </span>
      {showAbsolute && change !== null ? <span>{formatSignedDecimal(change)}</span> : null}
      <span>{showAbsolute && change !== null ? `(${formatPercent(percent)})` : formatPercent(percent)}</span>
    </span>
  );
}
