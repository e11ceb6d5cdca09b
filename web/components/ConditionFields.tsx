"use client";
// The condition rule's part of the editor, when → then with a cooldown: what it watches (the
// price against a level, the day's change, or the price against its N-day average) with only
// the input that condition needs; the order it places (side, shares or dollars, market or
// limit); and the market minutes that must pass before it fires again.

import { whenWords } from "@/lib/ruleSummary";
import type { ConditionWhen } from "@/lib/models";
import type { PreviewLine } from "./RulePreview";
import { RuleInput, RuleSelect, wholeNumberOrText } from "./RuleFields";

export interface ConditionDraft {
  when: ConditionWhen;
  price: string;
  percent: string;
  ma_days: string;
  side: "buy" | "sell";
  size: "qty" | "amount";
  qty: string;
  amount: string;
  order_type: "market" | "limit";
  limit_price: string;
  cooldown_minutes: string;
}

export const EMPTY_CONDITION: ConditionDraft = {
  when: "price_above",
  price: "",
  percent: "2",
  ma_days: "20",
  side: "buy",
  size: "qty",
  qty: "1",
  amount: "500",
  order_type: "market",
  limit_price: "",
  cooldown_minutes: "0",
};

// Short enough for the select's width; the rule list says it in full (lib/ruleSummary.ts).
const WHEN_LABELS: Record<ConditionWhen, string> = {
  price_above: "price rises above a level",
  price_below: "price falls below a level",
  change_up: "price is up a % on the day",
  change_down: "price is down a % on the day",
  ma_cross_above: "crosses above its average",
  ma_cross_below: "crosses below its average",
};

// Which input a `when` needs: a price, a percent (the change from the previous market day's
// last price) or the moving average's market days.
function levelOf(when: ConditionWhen): "price" | "percent" | "ma_days" {
  if (when === "price_above" || when === "price_below") return "price";
  if (when === "change_up" || when === "change_down") return "percent";
  return "ma_days";
}

export function conditionBody(symbol: string, d: ConditionDraft): Record<string, unknown> {
  const body: Record<string, unknown> = { kind: "condition", symbol, when: d.when, side: d.side, order_type: d.order_type };
  const level = levelOf(d.when);
  if (level === "ma_days") body.ma_days = wholeNumberOrText(d.ma_days);
  else body[level] = d[level].trim();
  if (d.size === "qty") body.qty = d.qty.trim();
  else body.amount = d.amount.trim();
  if (d.order_type === "limit" && d.limit_price.trim()) body.limit_price = d.limit_price.trim();
  body.cooldown_minutes = wholeNumberOrText(d.cooldown_minutes.trim() || "0");
  return body;
}

// The preview: a fixed price level is drawn; the day's change and the average move with the
// prices, so they are said in a line instead.
export function conditionPreview(symbol: string, d: ConditionDraft): { lines: PreviewLine[]; watches: string | null } {
  switch (levelOf(d.when)) {
    case "price":
      return { lines: [{ price: Number(d.price), label: d.when === "price_above" ? "above" : "below" }], watches: null };
    case "percent":
      return {
        lines: [],
        watches: `Watches ${symbol}'s change from the previous market day's last price: it fires when ${symbol} ${whenWords(d.when, { percent: d.percent || "?" })}.`,
      };
    case "ma_days":
      return {
        lines: [],
        watches: `Watches ${symbol} against its ${d.ma_days || "?"}-day average of market days' last prices, counted from the days it has watched: no fixed level to draw.`,
      };
  }
}

export function ConditionFields({ value, onChange }: { value: ConditionDraft; onChange: (next: ConditionDraft) => void }) {
  const set = <K extends keyof ConditionDraft>(key: K, v: ConditionDraft[K]) => onChange({ ...value, [key]: v });
  const level = levelOf(value.when);
  return (
    <>
      <RuleSelect label="When" testId="rule-when" value={value.when} options={WHEN_LABELS} onChange={(v) => set("when", v)} />
      {level === "price" ? (
        <RuleInput label="Price" testId="rule-price" inputMode="decimal" value={value.price} onChange={(e) => set("price", e.target.value)} />
      ) : level === "percent" ? (
        <RuleInput
          label="Percent from the previous market day's last price"
          testId="rule-percent"
          inputMode="decimal"
          value={value.percent}
          onChange={(e) => set("percent", e.target.value)}
        />
      ) : (
        <RuleInput
          label="Average of how many market days (2–200)"
          testId="rule-ma-days"
          inputMode="numeric"
          value={value.ma_days}
          onChange={(e) => set("ma_days", e.target.value)}
        />
      )}
      <RuleSelect label="Then" testId="rule-side" value={value.side} options={{ buy: "buy", sell: "sell" }} onChange={(v) => set("side", v)} />
      <RuleSelect
        label="How much"
        testId="rule-size"
        value={value.size}
        options={{ qty: "a number of shares", amount: "whole shares for up to an amount" }}
        onChange={(v) => set("size", v)}
      />
      {value.size === "qty" ? (
        <RuleInput label="Shares" testId="rule-qty" inputMode="numeric" value={value.qty} onChange={(e) => set("qty", e.target.value)} />
      ) : (
        <RuleInput label="Amount ($)" testId="rule-amount" inputMode="decimal" value={value.amount} onChange={(e) => set("amount", e.target.value)} />
      )}
      <RuleSelect
        label="Order"
        testId="rule-order-type"
        value={value.order_type}
        options={{ market: "at market", limit: "with a limit" }}
        onChange={(v) => set("order_type", v)}
      />
      {value.order_type === "limit" ? (
        <RuleInput
          label="Limit price (empty: the price when it fires)"
          testId="rule-limit-price"
          inputMode="decimal"
          value={value.limit_price}
          onChange={(e) => set("limit_price", e.target.value)}
        />
      ) : null}
      <RuleInput
        label="Cooldown (market minutes before it may fire again; 0: none)"
        testId="rule-cooldown"
        inputMode="numeric"
        value={value.cooldown_minutes}
        onChange={(e) => set("cooldown_minutes", e.target.value)}
      />
    </>
  );
}
