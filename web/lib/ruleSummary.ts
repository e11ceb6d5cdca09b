// A rule in one line of words, for the rule list: "AAPL: sell all at 95.00", "Rebalance AAPL
// 40% · MSFT 30% · cash 30%, every 5 market days or on a 5-point drift", "When AAPL crosses
// above its 20-day average, buy 1 share at market, at most once every 60 min". Read from the
// stored definition the server answers (decimals padded: "40.00"), not from what was typed.

import { compareDecimal, subDecimal, sumDecimals } from "./decimal";
import type { ConditionWhen, Rule, RuleDefinition } from "./models";

// "40.00" → "40", "2.50" → "2.5": a stored decimal without its padding.
export function plainDecimal(value: string): string {
  return value.includes(".") ? value.replace(/\.?0+$/, "") : value;
}

// What is left for cash when the targets take these percents (null: one is not a number).
export function cashPercent(percents: readonly string[]): string | null {
  const total = sumDecimals(percents);
  return total === null ? null : subDecimal("100", total);
}

// "60 min", "3 hours", "a day": a cooldown, in the largest unit that divides it.
export function cooldownWords(minutes: number): string {
  const unit = minutes % 1440 === 0 ? { n: minutes / 1440, word: "day" } : minutes % 60 === 0 && minutes >= 120 ? { n: minutes / 60, word: "hour" } : null;
  if (!unit) return `every ${minutes} min`;
  return unit.n === 1 ? `a ${unit.word}` : `every ${unit.n} ${unit.word}s`;
}

// What a condition's `when` reads as after the symbol ("crosses above its 20-day average"); "on
// the day" is the change from the previous market day's last price.
export function whenWords(when: ConditionWhen, level: { price?: string; percent?: string; ma_days?: string }): string {
  switch (when) {
    case "price_above":
      return `rises above ${level.price ?? "?"}`;
    case "price_below":
      return `falls below ${level.price ?? "?"}`;
    case "change_up":
      return `is up ${plainDecimal(level.percent ?? "?")}% on the day`;
    case "change_down":
      return `is down ${plainDecimal(level.percent ?? "?")}% on the day`;
    case "ma_cross_above":
      return `crosses above its ${level.ma_days ?? "?"}-day average`;
    case "ma_cross_below":
      return `crosses below its ${level.ma_days ?? "?"}-day average`;
  }
}

// A definition's field as text; absent, null and the targets object are all "no value".
function text(d: RuleDefinition, key: keyof RuleDefinition): string | undefined {
  const v = d[key];
  return typeof v === "string" ? v : typeof v === "number" || typeof v === "boolean" ? String(v) : undefined;
}

function rebalanceSummary(d: RuleDefinition): string {
  const targets = typeof d.targets === "object" && d.targets !== null ? Object.entries(d.targets) : [];
  const parts = targets.map(([symbol, percent]) => `${symbol} ${plainDecimal(percent)}%`);
  const cash = cashPercent(targets.map(([, percent]) => percent));
  if (cash !== null && compareDecimal(cash, "0") === 1) parts.push(`cash ${plainDecimal(cash)}%`);
  const every = text(d, "every_days");
  const drift = text(d, "drift_percent");
  const when = [
    every ? (every === "1" ? "every market day" : `every ${every} market days`) : null,
    drift ? `on a ${plainDecimal(drift)}-point drift` : null,
  ].filter(Boolean);
  return `Rebalance ${parts.join(" · ")}, ${when.join(" or ")}`;
}

function conditionSummary(rule: Rule): string {
  const d = rule.definition;
  const when = whenWords((text(d, "when") ?? "price_above") as ConditionWhen, {
    price: text(d, "price"),
    percent: text(d, "percent"),
    ma_days: text(d, "ma_days"),
  });
  const qty = text(d, "qty");
  const size = qty ? `${qty} share${qty === "1" ? "" : "s"}` : `$${plainDecimal(text(d, "amount") ?? "?")} worth`;
  const limit = text(d, "limit_price");
  const how = text(d, "order_type") === "limit" ? (limit ? `with a limit of ${limit}` : "with a limit at the firing price") : "at market";
  const cooldown = Number(text(d, "cooldown_minutes") ?? 0);
  const often = cooldown > 0 ? `, at most once ${cooldownWords(cooldown)}` : "";
  return `When ${text(d, "symbol") ?? rule.symbol} ${when}, ${text(d, "side") ?? "buy"} ${size} ${how}${often}`;
}

export function ruleSummary(rule: Rule): string {
  const d = rule.definition;
  switch (rule.kind) {
    case "price_alert":
      return `${rule.symbol}: ${
        d.condition === "move"
          ? `alert on a ${text(d, "percent")}% move from ${text(d, "reference")}`
          : `alert ${text(d, "condition")} ${text(d, "price")}${d.email ? ", by mail too" : ""}`
      }`;
    case "stop_loss":
    case "take_profit": {
      const what = d.price ? `at ${text(d, "price")}` : `${text(d, "percent")}% ${rule.kind === "stop_loss" ? "below" : "above"} cost`;
      return `${rule.symbol}: sell ${text(d, "qty") ?? "all"} ${what}`;
    }
    case "trailing_exit":
      return `${rule.symbol}: sell ${text(d, "qty") ?? "all"} ${text(d, "trail_percent")}% below the high${rule.high_water ? ` (${rule.high_water})` : ""}`;
    case "recurring_buy":
      return `${rule.symbol}: buy $${text(d, "amount")} every ${text(d, "every_days")} market days`;
    case "rebalance":
      return rebalanceSummary(d);
    case "condition":
      return conditionSummary(rule);
  }
}
