"use client";
// The order ticket for one symbol: side, order type, whole-share quantity, the prices the type
// needs (and only those: the server refuses a field the type does not take), time in force,
// and what it would cost against the player's buying power or the shares they can sell.
// POST /v2/orders answers with the order as it stands after matching, so the confirmation
// says at once whether it filled (and at what) or is resting in the book.
//
// A double click must not trade twice: a submission in flight blocks the next, the button
// stays disabled for a moment after an answer, and every submission carries a client_order_id.
// That id is kept when the outcome is unknown (no answer, a 5xx) and the same order is sent
// again, so the retry returns the original order instead of placing a second one; any answer
// that settles the submission (an order, or a refusal) retires it.

import Link from "next/link";
import { useEffect, useId, useRef, useState, type FormEvent, type ReactNode } from "react";
import useSWR from "swr";
import { ApiError, apiSend, paths } from "@/lib/api";
import { signInHref, useAuth } from "@/lib/auth";
import { compareDecimal, mulDecimal, normalizeTyped, percentProblem, priceProblem, qtyProblem } from "@/lib/decimal";
import { formatDecimal, formatMoney } from "@/lib/format";
import { useTradeUpdates } from "@/lib/stream";
import {
  ORDER_TYPES,
  TIF_LABEL,
  TYPE_LABEL,
  allowedTimeInForce,
  fetchOrNull,
  needsLimit,
  needsStop,
  outcomeText,
  useAccount,
} from "@/lib/trading";
import type { Asset, Order, OrderRequest, OrderSide, OrderType, Position, TimeInForce } from "@/lib/models";
import { Field, FormAlert, FormSuccess, inputClass, retryText } from "./Form";
import { errorText } from "./Notice";

type TrailUnit = "price" | "percent";

interface FieldErrors {
  qty?: string;
  limit?: string;
  stop?: string;
  trail?: string;
}

// After an answer the button stays disabled this long, so the second click of a double click
// lands on a disabled button instead of placing a second order.
const COOLDOWN_MS = 800;

function Select<T extends string>({
  label,
  value,
  options,
  render,
  onChange,
  testId,
}: {
  label: string;
  value: T;
  options: readonly T[];
  render: (v: T) => string;
  onChange: (v: T) => void;
  testId?: string;
}) {
  const id = useId();
  return (
    <div className="flex flex-col gap-1.5">
      <label htmlFor={id} className="text-sm font-medium text-ink-100">
        {label}
      </label>
      <select
        id={id}
        value={value}
        onChange={(e) => onChange(e.target.value as T)}
        className={inputClass}
        data-testid={testId}
      >
        {options.map((option) => (
          <option key={option} value={option}>
            {render(option)}
          </option>
        ))}
      </select>
    </div>
  );
}

function Row({ label, children, testId }: { label: string; children: ReactNode; testId?: string }) {
  return (
    <div className="flex items-baseline justify-between gap-3">
      <dt className="text-ink-400">{label}</dt>
      <dd className="text-right font-medium text-ink-100" data-testid={testId}>
        {children}
      </dd>
    </div>
  );
}

// What the player reads when the server refuses: the reason in words, then the server's message.
function refusalTitle(error: unknown, symbol: string): string {
  if (!(error instanceof ApiError)) return "The order could not be placed";
  switch (error.code) {
    case "insufficient_buying_power":
      return "Not enough buying power";
    case "insufficient_qty":
      return "Not enough shares to sell";
    case "symbol_halted":
      return `Trading in ${symbol} is halted`;
    case "unprocessable":
    case "bad_request":
      return "The server did not accept this order";
    case "client_order_id_conflict":
      return "This order clashes with one already placed";
    case "rate_limited":
      return `Too many orders: try again ${retryText(error.retryAfter)}`;
    case "unauthenticated":
      return "You are signed out";
    case "network":
      return "No answer from the server: the order may or may not have been placed";
    default:
      return "The order could not be placed";
  }
}

// A failure after which the order's fate is unknown: retrying must reuse the client_order_id.
function outcomeUnknown(error: unknown): boolean {
  return error instanceof ApiError && (error.status === 0 || error.status >= 500) && error.code !== "aborted";
}

function Ticket({ symbol, price, halted }: { symbol: string; price: string | null; halted: boolean }) {
  const [side, setSide] = useState<OrderSide>("buy");
  const [type, setType] = useState<OrderType>("market");
  const [qty, setQty] = useState("");
  const [limit, setLimit] = useState("");
  const [stop, setStop] = useState("");
  const [trail, setTrail] = useState("");
  const [trailUnit, setTrailUnit] = useState<TrailUnit>("percent");
  const [chosenTif, setTif] = useState<TimeInForce>("day");
  const [errors, setErrors] = useState<FieldErrors>({});
  const [placed, setPlaced] = useState<Order | null>(null);
  const [failure, setFailure] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [coolingDown, setCoolingDown] = useState(false);

  // Refs, not state: they must be current within the same event loop turn as a second click.
  const inFlight = useRef(false);
  const pending = useRef<{ id: string; fingerprint: string } | null>(null);
  const cooldownTimer = useRef<ReturnType<typeof setTimeout> | null>(null);
  useEffect(
    () => () => {
      if (cooldownTimer.current) clearTimeout(cooldownTimer.current);
    },
    [],
  );

  const { account, mutate: refreshAccount } = useAccount();
  const position = useSWR<Position | null>(paths.position(symbol), fetchOrNull<Position>);
  const asset = useSWR<Asset | null>(paths.asset(symbol), fetchOrNull<Asset>, { revalidateOnFocus: false });
  const tradable = asset.data ? asset.data.tradable && asset.data.status === "active" : true;

  useTradeUpdates((update) => {
    if (update.order.symbol !== symbol) return;
    void position.mutate();
  });

  // Market orders cannot be gtc: switching to market falls back to day.
  const tifOptions = allowedTimeInForce(type);
  const tif = tifOptions.includes(chosenTif) ? chosenTif : "day";

  const qtyText = normalizeTyped(qty);
  const qtyOk = qtyProblem(qtyText) === null;
  // What one share is reckoned at: the limit, else the stop, else the price now.
  const basis = needsLimit(type) ? limit.trim() : type === "stop" ? stop.trim() : (price ?? "");
  const basisOk = basis !== "" && priceProblem(basis) === null;
  const estimate = qtyOk && basisOk ? mulDecimal(qtyText, basis) : null;
  const overBudget =
    side === "buy" && estimate !== null && account ? compareDecimal(estimate, account.buying_power) === 1 : false;
  const held = position.data ?? null;
  const available = held ? held.qty_available : "0";
  const overHoldings = side === "sell" && qtyOk && position.data !== undefined ? compareDecimal(qtyText, available) === 1 : false;

  function edited() {
    setPlaced(null);
    setFailure(null);
  }

  function validate(): FieldErrors {
    const found: FieldErrors = {};
    const q = qtyProblem(qtyText);
    if (q) found.qty = q;
    if (needsLimit(type)) {
      const p = priceProblem(limit);
      if (p) found.limit = p;
    }
    if (needsStop(type)) {
      const p = priceProblem(stop);
      if (p) found.stop = p;
    }
    if (type === "trailing_stop") {
      const p = trailUnit === "percent" ? percentProblem(trail) : priceProblem(trail);
      if (p) found.trail = p;
    }
    return found;
  }

  function request(clientOrderId: string): OrderRequest {
    const body: OrderRequest = {
      symbol,
      qty: qtyText,
      side,
      type,
      time_in_force: tif,
      client_order_id: clientOrderId,
    };
    if (needsLimit(type)) body.limit_price = normalizeTyped(limit);
    if (needsStop(type)) body.stop_price = normalizeTyped(stop);
    if (type === "trailing_stop") {
      if (trailUnit === "percent") body.trail_percent = normalizeTyped(trail);
      else body.trail_price = normalizeTyped(trail);
    }
    return body;
  }

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (inFlight.current || coolingDown) return;
    const found = validate();
    setErrors(found);
    if (Object.keys(found).length > 0) return;

    const fingerprint = JSON.stringify(request(""));
    if (!pending.current || pending.current.fingerprint !== fingerprint) {
      pending.current = { id: crypto.randomUUID(), fingerprint };
    }
    const body = request(pending.current.id);

    inFlight.current = true;
    setBusy(true);
    setPlaced(null);
    setFailure(null);
    try {
      const order = await apiSend<Order>("POST", paths.orders(), body);
      pending.current = null;
      setPlaced(order);
    } catch (error) {
      if (!outcomeUnknown(error)) pending.current = null;
      setFailure(error);
    } finally {
      inFlight.current = false;
      setBusy(false);
      setCoolingDown(true);
      cooldownTimer.current = setTimeout(() => setCoolingDown(false), COOLDOWN_MS);
      // The stream will say so too; fetching now keeps the ticket right if it is offline.
      void refreshAccount();
      void position.mutate();
    }
  }

  const sideButton = (value: OrderSide, label: string) => {
    const active = side === value;
    const tone =
      value === "buy"
        ? active
          ? "bg-gain/15 text-gain shadow-[inset_0_0_0_1px_var(--color-gain)]"
          : "text-ink-300 hover:text-ink-100"
        : active
          ? "bg-loss/15 text-loss shadow-[inset_0_0_0_1px_var(--color-loss)]"
          : "text-ink-300 hover:text-ink-100";
    return (
      <button
        type="button"
        aria-pressed={active}
        onClick={() => {
          setSide(value);
          edited();
        }}
        data-testid={`trade-side-${value}`}
        className={`flex-1 rounded px-3 py-1.5 text-sm font-semibold transition-colors ${tone}`}
      >
        {label}
      </button>
    );
  };

  const disabled = busy || coolingDown || halted || !tradable;

  return (
    <form
      noValidate
      onSubmit={submit}
      aria-label={`Trade ${symbol}`}
      data-testid="trade-ticket"
      className="flex flex-col gap-4 rounded-xl border border-ink-700 bg-ink-900 p-4"
    >
      <div className="flex items-baseline justify-between gap-2">
        <h2 className="text-base font-semibold text-ink-100">
          Trade <span className="font-mono">{symbol}</span>
        </h2>
        <Link href="/orders/" className="text-xs text-accent hover:underline">
          Your orders
        </Link>
      </div>

      <div role="group" aria-label="Side" className="flex gap-1 rounded-md border border-ink-700 bg-ink-950 p-0.5">
        {sideButton("buy", "Buy")}
        {sideButton("sell", "Sell")}
      </div>

      <div className="grid grid-cols-2 gap-3">
        <Select
          label="Order type"
          value={type}
          options={ORDER_TYPES}
          render={(t) => TYPE_LABEL[t]}
          onChange={(t) => {
            setType(t);
            setErrors({});
            edited();
          }}
          testId="trade-type"
        />
        <Select
          label="Time in force"
          value={tif}
          options={tifOptions}
          render={(t) => TIF_LABEL[t]}
          onChange={(t) => {
            setTif(t);
            edited();
          }}
          testId="trade-tif"
        />
      </div>

      <Field
        label="Quantity"
        inputMode="numeric"
        autoComplete="off"
        placeholder="shares"
        value={qty}
        onChange={(e) => {
          setQty(e.target.value);
          edited();
        }}
        error={errors.qty}
        hint={
          side === "sell" ? (
            held ? (
              <>
                You can sell up to {formatDecimal(available, 0)} of the {formatDecimal(held.qty, 0)} you hold.
              </>
            ) : position.data === null ? (
              <>You hold no {symbol}.</>
            ) : undefined
          ) : undefined
        }
        testId="trade-qty"
      />

      {needsStop(type) ? (
        <Field
          label="Stop price"
          inputMode="decimal"
          autoComplete="off"
          placeholder={price ? formatDecimal(price) : "price"}
          value={stop}
          onChange={(e) => {
            setStop(e.target.value);
            edited();
          }}
          error={errors.stop}
          hint={
            type === "stop"
              ? `Becomes a market order once the price ${side === "buy" ? "rises to" : "falls to"} this.`
              : `Becomes a limit order once the price ${side === "buy" ? "rises to" : "falls to"} this.`
          }
          testId="trade-stop"
        />
      ) : null}

      {needsLimit(type) ? (
        <Field
          label="Limit price"
          inputMode="decimal"
          autoComplete="off"
          placeholder={price ? formatDecimal(price) : "price"}
          value={limit}
          onChange={(e) => {
            setLimit(e.target.value);
            edited();
          }}
          error={errors.limit}
          hint={side === "buy" ? "The most you will pay per share." : "The least you will take per share."}
          testId="trade-limit"
        />
      ) : null}

      {type === "trailing_stop" ? (
        <div className="flex items-start gap-2">
          <div className="flex-1">
            <Field
              label="Trail"
              inputMode="decimal"
              autoComplete="off"
              placeholder={trailUnit === "percent" ? "e.g. 2.5" : "e.g. 1.00"}
              value={trail}
              onChange={(e) => {
                setTrail(e.target.value);
                edited();
              }}
              error={errors.trail}
              hint={
                side === "sell"
                  ? `Sells at market once the price falls this far below its high since the order.`
                  : `Buys at market once the price rises this far above its low since the order.`
              }
              testId="trade-trail"
            />
          </div>
          <div
            role="group"
            aria-label="Amount or percentage"
            className="mt-7 inline-flex rounded-md border border-ink-700 bg-ink-950 p-0.5"
          >
            {(["percent", "price"] as const).map((unit) => (
              <button
                key={unit}
                type="button"
                aria-pressed={trailUnit === unit}
                aria-label={unit === "percent" ? "Percent" : "Dollars"}
                onClick={() => {
                  setTrailUnit(unit);
                  setErrors((e) => ({ ...e, trail: undefined }));
                  edited();
                }}
                data-testid={`trade-trail-${unit}`}
                className={`rounded px-2.5 py-1.5 text-xs font-medium ${
                  trailUnit === unit ? "bg-ink-700 text-ink-100" : "text-ink-400 hover:text-ink-100"
                }`}
              >
                {unit === "percent" ? "%" : "$"}
              </button>
            ))}
          </div>
        </div>
      ) : null}

      <dl className="flex flex-col gap-1.5 rounded-md border border-ink-700 bg-ink-950 px-3 py-2.5 text-sm">
        <Row label="Price now" testId="trade-price">
          {price ? formatDecimal(price) : "—"}
        </Row>
        <Row label={side === "buy" ? "Estimated cost" : "Estimated proceeds"} testId="trade-estimate">
          {estimate !== null ? formatMoney(estimate) : "—"}
        </Row>
        <Row label="Buying power" testId="trade-buying-power">
          {account ? formatMoney(account.buying_power) : "—"}
        </Row>
        <Row label="Shares held" testId="trade-held">
          {position.data === undefined
            ? "—"
            : held
              ? `${formatDecimal(held.qty, 0)} (${formatDecimal(held.qty_available, 0)} available)`
              : "0"}
        </Row>
      </dl>
      {type === "market" ? (
        <p className="-mt-2 text-xs text-ink-400">
          A market order fills at the best price on offer: other players&apos; limit orders, or the house&apos;s bid or
          ask just around the price.
        </p>
      ) : null}
      {overBudget ? (
        <p className="-mt-2 text-xs text-loss" data-testid="trade-over-budget">
          This is more than your buying power.
        </p>
      ) : null}
      {overHoldings ? (
        <p className="-mt-2 text-xs text-loss" data-testid="trade-over-holdings">
          This is more than the {formatDecimal(available, 0)} shares you can sell.
        </p>
      ) : null}
      {halted ? <FormAlert>Trading in {symbol} is halted for now.</FormAlert> : null}
      {/* The asset says untradable while halted too; the halt has its own words above. */}
      {!tradable && !halted ? <FormAlert>{symbol} cannot be traded.</FormAlert> : null}

      <button
        type="submit"
        disabled={disabled}
        aria-busy={busy}
        data-testid="trade-submit"
        className={`inline-flex items-center justify-center rounded-md px-4 py-2 text-sm font-semibold text-white transition-colors disabled:cursor-not-allowed disabled:opacity-60 ${
          side === "buy" ? "bg-gain/80 hover:bg-gain/70" : "bg-loss/80 hover:bg-loss/70"
        }`}
      >
        {busy ? "Placing…" : "Place order"}
      </button>

      {placed || failure ? (
        <div data-testid="trade-result" data-status={placed ? placed.status : "error"} aria-live="polite">
          {placed ? (
            placed.status === "rejected" ? (
              <FormAlert>{outcomeText(placed)}</FormAlert>
            ) : (
              <FormSuccess>
                {outcomeText(placed)}{" "}
                <Link href="/orders/" className="text-accent hover:underline">
                  See your orders
                </Link>
              </FormSuccess>
            )
          ) : (
            <FormAlert>
              <div className="font-medium">{refusalTitle(failure, symbol)}</div>
              <div className="mt-0.5 text-ink-300" data-testid="trade-error">
                {errorText(failure)}
              </div>
            </FormAlert>
          )}
        </div>
      ) : null}
    </form>
  );
}

// The ticket for a signed-in player; a visitor is offered sign-in and brought back here.
export function TradeTicket({
  symbol,
  price,
  halted = false,
  next,
}: {
  symbol: string;
  price: string | null;
  halted?: boolean;
  // Where sign-in brings a visitor back to; the stock page by default.
  next?: string;
}) {
  const { user, status } = useAuth();
  if (user) return <Ticket key={`${user.id}:${symbol}`} symbol={symbol} price={price} halted={halted} />;
  if (status === "loading") {
    return <div className="h-72 animate-pulse rounded-xl border border-ink-700 bg-ink-900" aria-hidden="true" />;
  }
  return (
    <div className="rounded-xl border border-ink-700 bg-ink-900 p-4" data-testid="trade-signin">
      <h2 className="text-base font-semibold text-ink-100">
        Trade <span className="font-mono">{symbol}</span>
      </h2>
      <p className="mt-2 text-sm text-ink-300">
        Every player starts with virtual cash to buy and sell with.{" "}
        <Link
          href={signInHref(next ?? `/stock/?symbol=${encodeURIComponent(symbol)}`)}
          className="text-accent hover:underline"
          data-testid="trade-signin-link"
        >
          Sign in to trade
        </Link>{" "}
        or{" "}
        <Link href="/register/" className="text-accent hover:underline">
          create an account
        </Link>
        .
      </p>
    </div>
  );
}
