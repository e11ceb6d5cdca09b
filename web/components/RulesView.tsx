"use client";
// Trading actions: the automatic trading a player defines (GET/POST/PATCH/DELETE /api/rules).
// The list shows each rule in a line of words with its status and last firing, with
// pause/resume, delete, its audit log (GET /api/rules/{id}/firings) and a backtest. The editor
// builds a rule of any kind (a rebalance's and a condition's fields are in their own files),
// previews where its thresholds sit on the symbol's recent prices as it is typed (or says what
// it watches when there is no fixed level), and backtests the draft before it is saved. The
// server's leader evaluates the rules on ticks; the list refreshes every few seconds so
// firings show up without a reload.

import { useMemo, useState } from "react";
import useSWR from "swr";
import { apiSend, paths } from "@/lib/api";
import { formatMarketTime, formatMoney, formatWallTime } from "@/lib/format";
import { ruleSummary } from "@/lib/ruleSummary";
import type { BacktestResult, Position, Rule, RuleAction, RuleFiringList, RuleKind, RuleList, Stock } from "@/lib/models";
import { BacktestChart } from "./BacktestChart";
import { directionClass } from "./Change";
import { ConditionFields, conditionBody, conditionPreview, EMPTY_CONDITION, type ConditionDraft } from "./ConditionFields";
import { errorText } from "./Notice";
import { EMPTY_REBALANCE, RebalanceFields, rebalanceBody, rebalanceWatches, type RebalanceDraft } from "./RebalanceFields";
import { RuleInput, ruleInputClass } from "./RuleFields";
import { RulePreview, type PreviewLine } from "./RulePreview";

const KINDS: readonly RuleKind[] = ["price_alert", "stop_loss", "take_profit", "trailing_exit", "recurring_buy", "rebalance", "condition"];
const KIND_LABELS: Record<RuleKind, string> = {
  price_alert: "Price alert",
  stop_loss: "Stop-loss",
  take_profit: "Take-profit",
  trailing_exit: "Trailing exit",
  recurring_buy: "Recurring buy",
  rebalance: "Rebalance",
  condition: "Condition",
};
const KIND_HELP: Record<RuleKind, string> = {
  price_alert: "Tells you (in the app, and by mail if you like) when the price crosses a level.",
  stop_loss: "Sells your shares when the price falls to a level, to limit a loss.",
  take_profit: "Sells your shares when the price rises to a level, to lock in a gain.",
  trailing_exit: "Sells when the price falls a percentage from its highest since the rule was made.",
  recurring_buy: "Buys whole shares for up to an amount every few market days.",
  rebalance:
    "Keeps a few holdings at target weights of a sleeve (your cash and those holdings), selling first and then buying: every few market days, when a weight drifts too far, or both. Your other holdings are left alone.",
  condition:
    "When the price crosses a level, moves a percentage on the day, or crosses its moving average, places a buy or a sell; once per crossing, and at most once per cooldown.",
};
// "none": a rebalance found every weight within a share of its target.
const ACTION_LABELS: Record<RuleAction, string> = { alert: "alert", buy: "buy", sell: "sell", none: "no trade" };
const OUTCOME_LABELS: Record<string, string> = {
  placed: "order placed",
  refused: "no order",
  alerted: "notified",
  pending: "placing…",
};

interface Draft {
  name: string;
  kind: RuleKind;
  symbol: string;
  condition: "above" | "below" | "move";
  by: "price" | "percent";
  price: string;
  percent: string;
  trail_percent: string;
  qty: string;
  every_days: string;
  amount: string;
  email: boolean;
  rebalance: RebalanceDraft;
  conditionRule: ConditionDraft;
}

const EMPTY: Draft = {
  name: "",
  kind: "stop_loss",
  symbol: "AAPL",
  condition: "above",
  by: "price",
  price: "",
  percent: "",
  trail_percent: "5",
  qty: "",
  every_days: "5",
  amount: "500",
  email: false,
  rebalance: EMPTY_REBALANCE,
  conditionRule: EMPTY_CONDITION,
};

// The body the API takes for a draft (the fields its kind uses).
function bodyOf(d: Draft): Record<string, unknown> {
  const symbol = d.symbol.trim().toUpperCase();
  // A rebalance names its symbols in its targets; the server takes the first as the rule's.
  if (d.kind === "rebalance") return rebalanceBody(d.rebalance);
  if (d.kind === "condition") return conditionBody(symbol, d.conditionRule);
  const body: Record<string, unknown> = { kind: d.kind, symbol };
  switch (d.kind) {
    case "price_alert":
      body.condition = d.condition;
      if (d.condition === "move") body.percent = d.percent;
      else body.price = d.price;
      body.email = d.email;
      break;
    case "stop_loss":
    case "take_profit":
      if (d.by === "price") body.price = d.price;
      else body.percent = d.percent;
      if (d.qty.trim()) body.qty = d.qty.trim();
      break;
    case "trailing_exit":
      body.trail_percent = d.trail_percent;
      if (d.qty.trim()) body.qty = d.qty.trim();
      break;
    case "recurring_buy":
      body.every_days = Number(d.every_days);
      body.amount = d.amount;
      break;
  }
  return body;
}

// Where the draft's thresholds sit now, for the preview: from the price now and, for a
// percentage of cost, the position's average cost.
function previewLines(d: Draft, price: number | null, cost: number | null): PreviewLine[] {
  const pct = (v: string) => Number(v) / 100;
  switch (d.kind) {
    case "price_alert":
      if (d.condition === "move") {
        if (price === null || !(pct(d.percent) > 0)) return [];
        return [
          { price: price * (1 + pct(d.percent)), label: `+${d.percent}%` },
          { price: price * (1 - pct(d.percent)), label: `−${d.percent}%` },
        ];
      }
      return [{ price: Number(d.price), label: d.condition }];
    case "stop_loss":
      if (d.by === "price") return [{ price: Number(d.price), label: "stop", color: "#f7768e" }];
      return cost === null ? [] : [{ price: cost * (1 - pct(d.percent)), label: "stop (from cost)", color: "#f7768e" }];
    case "take_profit":
      if (d.by === "price") return [{ price: Number(d.price), label: "take", color: "#9ece6a" }];
      return cost === null ? [] : [{ price: cost * (1 + pct(d.percent)), label: "take (from cost)", color: "#9ece6a" }];
    case "trailing_exit":
      return price === null ? [] : [{ price: price * (1 - pct(d.trail_percent)), label: "trail (from now)", color: "#f7768e" }];
    case "recurring_buy":
    case "rebalance":
      return [];
    case "condition":
      return conditionPreview(d.symbol, d.conditionRule).lines;
  }
}

// Whose firing this is, when the log should say: a rebalance's legs name their symbols.
function firingSymbol(symbol: string | undefined, ruleSymbol: string, kind: RuleKind): string {
  return symbol && (symbol !== ruleSymbol || kind === "rebalance") ? ` ${symbol}` : "";
}

function BacktestTable({ result }: { result: BacktestResult }) {
  const pnl = Number(result.pnl);
  return (
    <div className="flex flex-col gap-2 text-sm" data-testid="backtest-result">
      <p className="text-ink-300">
        {formatMarketTime(result.from)} to {formatMarketTime(result.to)}: {result.firings.length} firing
        {result.firings.length === 1 ? "" : "s"}, {result.symbol} shares {result.start_qty} → {result.end_qty}
        {result.kind === "rebalance" ? " (the first target, drawn below)" : ""}. Against holding:{" "}
        <span className={`font-mono font-semibold ${directionClass(pnl > 0 ? "up" : pnl < 0 ? "down" : "flat")}`} data-testid="backtest-pnl">
          {formatMoney(result.pnl)}
        </span>
      </p>
      <BacktestChart result={result} />
      {result.firings.length > 0 ? (
        <table className="w-full text-left text-xs">
          <thead className="text-ink-400">
            <tr>
              <th className="py-1 pr-3 font-medium">Market time</th>
              <th className="py-1 pr-3 font-medium">Price</th>
              <th className="py-1 pr-3 font-medium">Action</th>
              <th className="py-1 font-medium">Shares</th>
            </tr>
          </thead>
          <tbody>
            {result.firings.map((f, i) => (
              <tr key={i} className="border-t border-ink-800" data-testid="backtest-firing">
                <td className="py-1 pr-3">{formatMarketTime(f.market_at)}</td>
                <td className="py-1 pr-3 font-mono">{f.price}</td>
                <td className="py-1 pr-3">
                  {ACTION_LABELS[f.action] ?? f.action}
                  {firingSymbol(f.symbol, result.symbol, result.kind)}
                  {f.limit_price ? ` (limit ${f.limit_price})` : ""}
                </td>
                <td className="py-1">{f.qty ?? f.reason ?? "—"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </div>
  );
}

function FiringLog({ rule }: { rule: Rule }) {
  const { data, error } = useSWR<RuleFiringList>(paths.ruleFirings(rule.id), { refreshInterval: 3000 });
  if (error) return <p className="text-xs text-loss">{errorText(error)}</p>;
  if (!data) return <p className="text-xs text-ink-400">Loading the log…</p>;
  if (data.firings.length === 0) return <p className="text-xs text-ink-400">It has not fired yet.</p>;
  return (
    <table className="w-full text-left text-xs" data-testid={`rule-log-${rule.id}`}>
      <thead className="text-ink-400">
        <tr>
          <th className="py-1 pr-3 font-medium">When (market time)</th>
          <th className="py-1 pr-3 font-medium">Price</th>
          <th className="py-1 pr-3 font-medium">Action</th>
          <th className="py-1 font-medium">Outcome</th>
        </tr>
      </thead>
      <tbody>
        {data.firings.map((f) => (
          <tr key={f.id} className="border-t border-ink-800" data-testid="rule-firing">
            <td className="py-1 pr-3">{f.market_at ? formatMarketTime(f.market_at) : formatWallTime(f.at)}</td>
            <td className="py-1 pr-3 font-mono">{f.price}</td>
            <td className="py-1 pr-3">
              {ACTION_LABELS[f.action] ?? f.action}
              {f.qty ? ` ${f.qty}` : ""}
              {firingSymbol(f.symbol, rule.symbol, rule.kind)}
              {f.limit_price ? ` (limit ${f.limit_price})` : ""}
            </td>
            <td className="py-1" data-outcome={f.outcome}>
              {OUTCOME_LABELS[f.outcome] ?? f.outcome}
              {f.reason ? `: ${f.reason}` : ""}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function RuleRow({ rule, onChanged }: { rule: Rule; onChanged: () => void }) {
  const [open, setOpen] = useState(false);
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const [backtest, setBacktest] = useState<BacktestResult | null>(null);
  const act = async (fn: () => Promise<unknown>) => {
    setBusy(true);
    setProblem(null);
    try {
      await fn();
      onChanged();
    } catch (err) {
      setProblem(errorText(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <li className="rounded-lg border border-ink-800 bg-ink-900 p-4" data-testid="rule" data-rule-id={rule.id}>
      <div className="flex flex-wrap items-center justify-between gap-3">
        <div className="flex min-w-0 flex-col">
          <div className="flex items-center gap-2">
            <span className="font-medium text-ink-100">{rule.name}</span>
            <span className="rounded bg-ink-800 px-1.5 py-0.5 text-xs text-ink-300">{KIND_LABELS[rule.kind]}</span>
            <span className={`text-xs ${rule.enabled ? "text-gain" : "text-ink-400"}`} data-testid="rule-status">
              {rule.enabled ? "active" : "paused"}
            </span>
          </div>
          <span className="text-sm text-ink-300" data-testid="rule-summary">
            {ruleSummary(rule)}
          </span>
          <span className="text-xs text-ink-400" data-testid="rule-last">
            {rule.last_fired_at
              ? `Last fired ${formatWallTime(rule.last_fired_at)}: ${OUTCOME_LABELS[rule.last_outcome ?? ""] ?? rule.last_outcome} (${rule.firings} in all)`
              : rule.watching_since
                ? `Not fired yet; watching since ${formatMarketTime(rule.watching_since)} market time`
                : "Not fired yet"}
          </span>
        </div>
        <div className="flex flex-wrap gap-2 text-xs">
          <button type="button" className="rounded border border-ink-700 px-2 py-1 hover:bg-ink-800" onClick={() => setOpen(!open)} data-testid="rule-log-toggle">
            {open ? "Hide log" : "Log"}
          </button>
          <button
            type="button"
            disabled={busy}
            className="rounded border border-ink-700 px-2 py-1 hover:bg-ink-800"
            data-testid="rule-backtest"
            onClick={() =>
              act(async () => setBacktest(await apiSend<BacktestResult>("POST", paths.backtest(), { rule_id: rule.id })))
            }
          >
            Backtest 30 days
          </button>
          <button
            type="button"
            disabled={busy}
            className="rounded border border-ink-700 px-2 py-1 hover:bg-ink-800"
            data-testid="rule-toggle"
            onClick={() => act(() => apiSend("POST", paths.ruleAction(rule.id, rule.enabled ? "pause" : "resume")))}
          >
            {rule.enabled ? "Pause" : "Resume"}
          </button>
          <button
            type="button"
            disabled={busy}
            className="rounded border border-loss/50 px-2 py-1 text-loss hover:bg-loss/10"
            data-testid="rule-delete"
            onClick={() => act(() => apiSend("DELETE", paths.rule(rule.id)))}
          >
            Delete
          </button>
        </div>
      </div>
      {problem ? <p className="mt-2 text-xs text-loss">{problem}</p> : null}
      {backtest ? (
        <div className="mt-3">
          <BacktestTable result={backtest} />
        </div>
      ) : null}
      {open ? (
        <div className="mt-3">
          <FiringLog rule={rule} />
        </div>
      ) : null}
    </li>
  );
}

function Editor({ onSaved }: { onSaved: () => void }) {
  const [draft, setDraft] = useState<Draft>(EMPTY);
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [backtest, setBacktest] = useState<BacktestResult | null>(null);
  const symbol = draft.symbol.trim().toUpperCase();
  const { data: stock } = useSWR<Stock>(symbol ? paths.stock(symbol) : null);
  const { data: positions } = useSWR<Position[]>(paths.positions());
  const held = positions?.find((p) => p.symbol === symbol);
  const price = stock?.price ? Number(stock.price) : null;
  const cost = held ? Number(held.avg_entry_price) : null;
  const lines = useMemo(() => previewLines(draft, price, cost), [draft, price, cost]);
  const watches = draft.kind === "condition" ? conditionPreview(symbol, draft.conditionRule).watches : null;
  const set = <K extends keyof Draft>(key: K, value: Draft[K]) => setDraft((d) => ({ ...d, [key]: value }));

  const run = async (fn: () => Promise<void>) => {
    setBusy(true);
    setProblem(null);
    try {
      await fn();
    } catch (err) {
      setProblem(errorText(err));
    } finally {
      setBusy(false);
    }
  };
  const save = () =>
    run(async () => {
      await apiSend<Rule>("POST", paths.rules(), { name: draft.name, ...bodyOf(draft) });
      setDraft({ ...EMPTY, kind: draft.kind, symbol: draft.symbol });
      setBacktest(null);
      onSaved();
    });
  const test = () =>
    run(async () => {
      const body: Record<string, unknown> = { rule: bodyOf(draft) };
      // A rebalance may be tried from another starting cash than the player's now.
      if (draft.kind === "rebalance" && draft.rebalance.backtest_cash.trim()) body.cash = draft.rebalance.backtest_cash.trim();
      setBacktest(await apiSend<BacktestResult>("POST", paths.backtest(), body));
    });

  const k = draft.kind;
  return (
    <section className="flex flex-col gap-4 rounded-lg border border-ink-800 bg-ink-900 p-4" aria-label="New rule">
      <h2 className="text-lg font-semibold">New rule</h2>
      <div className="flex flex-wrap gap-1" role="group" aria-label="Kind">
        {KINDS.map((kind) => (
          <button
            key={kind}
            type="button"
            aria-pressed={k === kind}
            data-testid={`rule-kind-${kind}`}
            onClick={() => set("kind", kind)}
            className={`rounded px-2.5 py-1 text-xs font-medium ${k === kind ? "bg-ink-700 text-ink-100" : "text-ink-400 hover:text-ink-100"}`}
          >
            {KIND_LABELS[kind]}
          </button>
        ))}
      </div>
      <p className="text-sm text-ink-300">{KIND_HELP[k]}</p>
      <div className="grid grid-cols-1 gap-3 sm:grid-cols-2">
        <RuleInput label="Name" testId="rule-name" value={draft.name} maxLength={80} onChange={(e) => set("name", e.target.value)} />
        {k !== "rebalance" ? (
          <RuleInput label="Symbol" testId="rule-symbol" value={draft.symbol} onChange={(e) => set("symbol", e.target.value)} />
        ) : null}
        {k === "price_alert" ? (
          <>
            <label className="flex flex-col gap-1 text-xs text-ink-300">
              When the price
              <select className={ruleInputClass} data-testid="rule-condition" value={draft.condition} onChange={(e) => set("condition", e.target.value as Draft["condition"])}>
                <option value="above">rises to</option>
                <option value="below">falls to</option>
                <option value="move">moves by a percentage</option>
              </select>
            </label>
            {draft.condition === "move" ? (
              <RuleInput label="Percent" testId="rule-percent" inputMode="decimal" value={draft.percent} onChange={(e) => set("percent", e.target.value)} />
            ) : (
              <RuleInput label="Price" testId="rule-price" inputMode="decimal" value={draft.price} onChange={(e) => set("price", e.target.value)} />
            )}
            <label className="flex items-center gap-2 text-xs text-ink-300">
              <input type="checkbox" checked={draft.email} onChange={(e) => set("email", e.target.checked)} data-testid="rule-email" />
              Mail me too
            </label>
          </>
        ) : null}
        {k === "stop_loss" || k === "take_profit" ? (
          <>
            <label className="flex flex-col gap-1 text-xs text-ink-300">
              Level
              <select className={ruleInputClass} data-testid="rule-by" value={draft.by} onChange={(e) => set("by", e.target.value as Draft["by"])}>
                <option value="price">a price</option>
                <option value="percent">a percentage of my average cost</option>
              </select>
            </label>
            {draft.by === "price" ? (
              <RuleInput label="Price" testId="rule-price" inputMode="decimal" value={draft.price} onChange={(e) => set("price", e.target.value)} />
            ) : (
              <RuleInput label="Percent" testId="rule-percent" inputMode="decimal" value={draft.percent} onChange={(e) => set("percent", e.target.value)} />
            )}
            <RuleInput label="Shares (empty: all I hold)" testId="rule-qty" inputMode="numeric" value={draft.qty} onChange={(e) => set("qty", e.target.value)} />
          </>
        ) : null}
        {k === "trailing_exit" ? (
          <>
            <RuleInput label="Trail percent" testId="rule-trail" inputMode="decimal" value={draft.trail_percent} onChange={(e) => set("trail_percent", e.target.value)} />
            <RuleInput label="Shares (empty: all I hold)" testId="rule-qty" inputMode="numeric" value={draft.qty} onChange={(e) => set("qty", e.target.value)} />
          </>
        ) : null}
        {k === "recurring_buy" ? (
          <>
            <RuleInput label="Every how many market days" testId="rule-every" inputMode="numeric" value={draft.every_days} onChange={(e) => set("every_days", e.target.value)} />
            <RuleInput label="Amount ($)" testId="rule-amount" inputMode="decimal" value={draft.amount} onChange={(e) => set("amount", e.target.value)} />
          </>
        ) : null}
        {k === "rebalance" ? <RebalanceFields value={draft.rebalance} onChange={(next) => set("rebalance", next)} /> : null}
        {k === "condition" ? <ConditionFields value={draft.conditionRule} onChange={(next) => set("conditionRule", next)} /> : null}
      </div>
      {k === "rebalance" ? (
        <p className="text-xs text-ink-400" data-testid="rule-watches">
          {rebalanceWatches(draft.rebalance)}
        </p>
      ) : symbol ? (
        <div className="flex flex-col gap-1">
          <p className="text-xs text-ink-400">
            {symbol} now {stock?.price ?? "—"}
            {held ? `, you hold ${held.qty} at ${held.avg_entry_price} on average` : ""}.{" "}
            {watches ? <span data-testid="rule-watches">{watches}</span> : "The dashed lines are where this rule fires."}
          </p>
          <RulePreview symbol={symbol} lines={lines} />
        </div>
      ) : null}
      {problem ? (
        <p className="text-sm text-loss" role="alert" data-testid="rule-error">
          {problem}
        </p>
      ) : null}
      <div className="flex flex-wrap gap-2">
        <button type="button" disabled={busy} onClick={save} data-testid="rule-save" className="rounded-md bg-accent px-3 py-1.5 text-sm font-medium text-ink-950 hover:opacity-90 disabled:opacity-50">
          Save rule
        </button>
        <button type="button" disabled={busy} onClick={test} data-testid="rule-draft-backtest" className="rounded-md border border-ink-700 px-3 py-1.5 text-sm hover:bg-ink-800 disabled:opacity-50">
          Backtest the last 30 days
        </button>
      </div>
      {backtest ? <BacktestTable result={backtest} /> : null}
    </section>
  );
}

export function RulesView() {
  const { data, error, mutate } = useSWR<RuleList>(paths.rules(), { refreshInterval: 3000 });
  return (
    <div className="flex flex-col gap-5">
      <div>
        <h1 className="text-2xl font-semibold tracking-tight">Trading actions</h1>
        <p className="mt-1 text-sm text-ink-300">
          Rules that watch the market for you and act on every tick: alerts, stop-losses, take-profits, trailing exits,
          recurring buys, rebalances to target weights and when-then conditions. A level fires once each time the price
          crosses it, and every firing is in its log.
        </p>
      </div>
      <div className="grid grid-cols-1 gap-5 xl:grid-cols-[minmax(0,1fr)_minmax(0,1fr)]">
        <section aria-label="Your rules" className="flex flex-col gap-3">
          <h2 className="text-lg font-semibold">Your rules</h2>
          {error ? <p className="text-sm text-loss">{errorText(error)}</p> : null}
          {data && data.rules.length === 0 ? <p className="text-sm text-ink-400">No rules yet: make one with the editor.</p> : null}
          <ul className="flex flex-col gap-3" data-testid="rule-list">
            {data?.rules.map((rule) => <RuleRow key={rule.id} rule={rule} onChanged={() => void mutate()} />)}
          </ul>
        </section>
        <Editor onSaved={() => void mutate()} />
      </div>
    </div>
  );
}
