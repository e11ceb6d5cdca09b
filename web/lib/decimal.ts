// Exact arithmetic on the server's decimal strings ("41.27" × "10", equity − login_equity),
// done with BigInt so a sum of money never picks up a binary-float tail like 412.70000000000005.
// Only what the trading pages need: add, subtract, multiply, compare, and input checks for the
// amounts a player types (whole shares; prices with at most 4 decimals, as the server takes).

const DECIMAL = /^(-?)(\d+)(?:\.(\d+))?$/;

interface Exact {
  units: bigint; // value × 10^scale
  scale: number;
}

function parse(value: string): Exact | null {
  const match = DECIMAL.exec(value.trim());
  if (!match) return null;
  const fraction = match[3] ?? "";
  const units = BigInt(`${match[2] ?? "0"}${fraction}`);
  return { units: match[1] ? -units : units, scale: fraction.length };
}

function rescale(value: Exact, scale: number): bigint {
  return value.units * 10n ** BigInt(scale - value.scale);
}

function format(value: Exact): string {
  const negative = value.units < 0n;
  let digits = (negative ? -value.units : value.units).toString();
  if (value.scale > 0) {
    digits = digits.padStart(value.scale + 1, "0");
    const whole = digits.slice(0, digits.length - value.scale);
    const fraction = digits.slice(digits.length - value.scale).replace(/0+$/, "");
    digits = fraction ? `${whole}.${fraction}` : whole;
  }
  return negative && digits !== "0" ? `-${digits}` : digits;
}

function combine(a: string, b: string, op: (x: bigint, y: bigint) => bigint): string | null {
  const x = parse(a);
  const y = parse(b);
  if (!x || !y) return null;
  const scale = Math.max(x.scale, y.scale);
  return format({ units: op(rescale(x, scale), rescale(y, scale)), scale });
}

export function addDecimal(a: string, b: string): string | null {
  return combine(a, b, (x, y) => x + y);
}

export function subDecimal(a: string, b: string): string | null {
  return combine(a, b, (x, y) => x - y);
}

export function mulDecimal(a: string, b: string): string | null {
  const x = parse(a);
  const y = parse(b);
  if (!x || !y) return null;
  return format({ units: x.units * y.units, scale: x.scale + y.scale });
}

// Sum of many; null when any term is not a decimal.
export function sumDecimals(values: readonly string[]): string | null {
  let total = "0";
  for (const value of values) {
    const next = addDecimal(total, value);
    if (next === null) return null;
    total = next;
  }
  return total;
}

// -1, 0 or 1; null when either is not a decimal.
export function compareDecimal(a: string, b: string): -1 | 0 | 1 | null {
  const x = parse(a);
  const y = parse(b);
  if (!x || !y) return null;
  const scale = Math.max(x.scale, y.scale);
  const d = rescale(x, scale) - rescale(y, scale);
  return d < 0n ? -1 : d > 0n ? 1 : 0;
}

// Rounds half away from zero to `places` decimals (for showing an estimate in cents).
export function roundDecimal(value: string, places: number): string | null {
  const x = parse(value);
  if (!x) return null;
  if (x.scale <= places) return format(x);
  const divisor = 10n ** BigInt(x.scale - places);
  const negative = x.units < 0n;
  const abs = negative ? -x.units : x.units;
  let units = abs / divisor;
  if ((abs % divisor) * 2n >= divisor) units += 1n;
  return format({ units: negative ? -units : units, scale: places });
}

export const MAX_QTY = 1_000_000_000;

// Whole shares, 1 to 1,000,000,000, as typed (no sign, no decimals, no exponent).
export function qtyProblem(text: string): string | null {
  const trimmed = text.trim();
  if (trimmed === "") return "Enter a number of shares.";
  if (!/^\d+$/.test(trimmed)) return "Whole shares only.";
  const value = BigInt(trimmed);
  if (value < 1n) return "At least 1 share.";
  if (value > BigInt(MAX_QTY)) return "At most 1,000,000,000 shares.";
  return null;
}

// A positive price with at most 4 decimals.
export function priceProblem(text: string): string | null {
  const trimmed = text.trim();
  if (trimmed === "") return "Enter a price.";
  if (!/^\d+(\.\d+)?$/.test(trimmed)) return "A price like 41.27.";
  if ((trimmed.split(".")[1] ?? "").length > 4) return "At most 4 decimals.";
  if (compareDecimal(trimmed, "0") !== 1) return "Must be above 0.";
  return null;
}

// A trailing percentage: above 0 and below 100, at most 4 decimals.
export function percentProblem(text: string): string | null {
  const problem = priceProblem(text);
  if (problem) return problem === "A price like 41.27." ? "A percentage like 2.5." : problem;
  if (compareDecimal(text.trim(), "100") !== -1) return "Must be below 100.";
  return null;
}

// "0041.50" → "41.50": what is sent, without leading zeros the server would have to forgive.
export function normalizeTyped(text: string): string {
  const trimmed = text.trim();
  return trimmed.replace(/^0+(?=\d)/, "");
}
