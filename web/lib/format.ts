// Display formatting. Prices arrive as exact decimal strings and are formatted as strings, so
// what the player sees is exactly what the server holds (grouping added, at least 2 decimals).

import { roundDecimal } from "./decimal";

const DECIMAL = /^(-?)(\d+)(?:\.(\d+))?$/;

export function formatDecimal(value: string | null | undefined, minFraction = 2): string {
  if (value === null || value === undefined) return "—";
  const match = DECIMAL.exec(value.trim());
  if (!match) return value;
  const sign = match[1] ?? "";
  const whole = (match[2] ?? "0").replace(/^0+(?=\d)/, "");
  let fraction = match[3] ?? "";
  if (fraction.length < minFraction) fraction = fraction.padEnd(minFraction, "0");
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return `${sign}${grouped}${fraction ? `.${fraction}` : ""}`;
}

export function formatSignedDecimal(value: string | null | undefined): string {
  if (value === null || value === undefined) return "—";
  const text = formatDecimal(value);
  if (text.startsWith("-") || text === "—") return text.replace(/^-/, "−");
  return isZeroDecimal(value) ? text : `+${text}`;
}

export function isZeroDecimal(value: string): boolean {
  return /^-?0*(\.0*)?$/.test(value.trim());
}

export type Direction = "up" | "down" | "flat";

export function directionOf(change: string | null | undefined, percent?: number | null): Direction {
  if (change !== null && change !== undefined) {
    const trimmed = change.trim();
    if (isZeroDecimal(trimmed)) return "flat";
    return trimmed.startsWith("-") ? "down" : "up";
  }
  if (percent === null || percent === undefined || percent === 0) return "flat";
  return percent < 0 ? "down" : "up";
}

export function formatPercent(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return "—";
  const abs = Math.abs(value).toFixed(2);
  if (abs === "0.00") return "0.00%";
  return `${value < 0 ? "−" : "+"}${abs}%`;
}

const volumeFormat = new Intl.NumberFormat("en-US");
const compactFormat = new Intl.NumberFormat("en-US", {
  notation: "compact",
  maximumFractionDigits: 1,
});

export function formatVolume(value: number | null | undefined, compact = false): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return "—";
  return compact ? compactFormat.format(value) : volumeFormat.format(value);
}

// Market time is shown in UTC: the replayed history's clock, not the player's wall clock.
export function formatMarketTime(value: string | null | undefined): string {
  if (!value) return "—";
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return value;
  const iso = date.toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC`;
}

// A wall-clock time (when an order was placed or filled) in the player's own time zone, saying
// so: prices carry the market's clock (formatMarketTime), which is years away from this one.
export function formatWallTime(value: string | null | undefined): string {
  if (!value) return "—";
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return value;
  return `${date.toLocaleString("en-US", { dateStyle: "medium", timeStyle: "medium" })} your time`;
}

// Compares two RFC 3339 times; null is older than anything.
export function isNewer(a: string | null | undefined, b: string | null | undefined): boolean {
  if (!a) return false;
  if (!b) return true;
  return Date.parse(a) > Date.parse(b);
}

export function decimalToNumber(value: string | null | undefined): number | null {
  if (value === null || value === undefined) return null;
  const n = Number(value);
  return Number.isFinite(n) ? n : null;
}

// Larger / smaller of two decimal strings, compared as numbers but returned unchanged.
export function maxDecimal(a: string | null, b: string | null): string | null {
  if (a === null) return b;
  if (b === null) return a;
  return Number(b) > Number(a) ? b : a;
}

export function minDecimal(a: string | null, b: string | null): string | null {
  if (a === null) return b;
  if (b === null) return a;
  return Number(b) < Number(a) ? b : a;
}

// A calendar date for people ("January 3, 2005"), in UTC so it does not shift by time zone.
export function formatDate(value: string | null | undefined): string {
  if (!value) return "—";
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return value;
  return date.toLocaleDateString("en-US", { timeZone: "UTC", year: "numeric", month: "long", day: "numeric" });
}

// Money rounded to cents for display ("98765.4321" → "98,765.43"); prices keep their decimals.
export function formatMoney(value: string | null | undefined): string {
  if (value === null || value === undefined) return "—";
  return formatDecimal(roundDecimal(value, 2) ?? value);
}
