"use client";
// The player's orders: open ones (resting limits, untriggered stops) that can be canceled one
// by one or all at once, or replaced with a new quantity or price; and closed ones (filled,
// canceled, expired, replaced, rejected). Both lists are refetched whenever the stream reports
// a change to one of the player's orders, so a fill or an expiry shows up without a reload.
// Cancels are immediate, without an "are you sure": canceling an order only ever returns the
// reserved cash or shares, and a canceled order is easily placed again.

import Link from "next/link";
import { useState, type FormEvent } from "react";
import useSWR, { useSWRConfig } from "swr";
import { apiSend, paths } from "@/lib/api";
import { normalizeTyped, priceProblem, qtyProblem } from "@/lib/decimal";
import { formatDecimal, formatWallTime } from "@/lib/format";
import { useTradeUpdates } from "@/lib/stream";
import { STATUS_LABEL, TIF_LABEL, isOpen, needsLimit, needsStop, priceTerms } from "@/lib/trading";
import type { CancelResult, Order, OrderReplace } from "@/lib/models";
import { Field, FormAlert, FormSuccess, secondaryButtonClass } from "./Form";
import { ErrorNotice, errorText } from "./Notice";

type Tab = "open" | "closed";

const smallButton =
  "rounded-md border px-2 py-1 text-xs whitespace-nowrap transition-colors disabled:cursor-not-allowed disabled:opacity-50";

function statusTone(order: Order): string {
  switch (order.status) {
    case "filled":
      return "border-gain/40 text-gain";
    case "partially_filled":
    case "new":
      return "border-accent/50 text-accent";
    case "rejected":
      return "border-loss/40 text-loss";
    default:
      return "border-ink-600 text-ink-300";
  }
}

// PATCH /v2/orders/{id} with only what changed; the server answers with the replacing order.
function ReplaceForm({ order, onDone, onClose }: { order: Order; onDone: () => void; onClose: () => void }) {
  const [qty, setQty] = useState(order.qty);
  const [limit, setLimit] = useState(order.limit_price ?? "");
  const [stop, setStop] = useState(order.stop_price ?? "");
  const [errors, setErrors] = useState<{ qty?: string; limit?: string; stop?: string }>({});
  const [failure, setFailure] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (busy) return;
    const found: typeof errors = {};
    const change: OrderReplace = {};
    const q = normalizeTyped(qty);
    if (q !== order.qty) {
      const problem = qtyProblem(q);
      if (problem) found.qty = problem;
      else change.qty = q;
    }
    if (needsLimit(order.type) && normalizeTyped(limit) !== (order.limit_price ?? "")) {
      const problem = priceProblem(limit);
      if (problem) found.limit = problem;
      else change.limit_price = normalizeTyped(limit);
    }
    if (needsStop(order.type) && normalizeTyped(stop) !== (order.stop_price ?? "")) {
      const problem = priceProblem(stop);
      if (problem) found.stop = problem;
      else change.stop_price = normalizeTyped(stop);
    }
    setErrors(found);
    if (Object.keys(found).length > 0) return;
    if (Object.keys(change).length === 0) {
      setFailure("Nothing changed.");
      return;
    }
    setBusy(true);
    setFailure(null);
    try {
      await apiSend<Order>("PATCH", paths.order(order.id), change);
      onDone();
    } catch (error) {
      setFailure(errorText(error));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form noValidate onSubmit={submit} className="flex flex-wrap items-start gap-3" data-testid="order-replace-form">
      <div className="w-32">
        <Field label="New quantity" inputMode="numeric" value={qty} onChange={(e) => setQty(e.target.value)} error={errors.qty} testId="replace-qty" />
      </div>
      {needsLimit(order.type) ? (
        <div className="w-36">
          <Field
            label="New limit price"
            inputMode="decimal"
            value={limit}
            onChange={(e) => setLimit(e.target.value)}
            error={errors.limit}
            testId="replace-limit"
          />
        </div>
      ) : null}
      {needsStop(order.type) ? (
        <div className="w-36">
          <Field
            label="New stop price"
            inputMode="decimal"
            value={stop}
            onChange={(e) => setStop(e.target.value)}
            error={errors.stop}
            testId="replace-stop"
          />
        </div>
      ) : null}
      <div className="flex gap-2 pt-7">
        <button type="submit" className={`${smallButton} border-accent/60 bg-accent/10 text-ink-100 hover:bg-accent/20`} disabled={busy} data-testid="order-replace-submit">
          {busy ? "Replacing…" : "Replace order"}
        </button>
        <button type="button" className={`${smallButton} border-ink-600 text-ink-300 hover:bg-ink-800`} onClick={onClose} disabled={busy}>
          Keep as is
        </button>
      </div>
      {failure ? (
        <div className="basis-full">
          <FormAlert testId="order-replace-error">{failure}</FormAlert>
        </div>
      ) : null}
    </form>
  );
}

function OrderRow({ order, onChanged }: { order: Order; onChanged: () => void }) {
  const [editing, setEditing] = useState(false);
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<string | null>(null);
  const open = isOpen(order);

  async function cancel() {
    setBusy(true);
    setFailure(null);
    try {
      await apiSend<void>("DELETE", paths.order(order.id));
      onChanged();
    } catch (error) {
      setFailure(errorText(error));
      // It may have filled or expired meanwhile: show what it is now.
      onChanged();
    } finally {
      setBusy(false);
    }
  }

  return (
    <>
      <tr data-testid="order-row" data-order-id={order.id} data-status={order.status} className="align-top">
        <td className="px-4 py-2.5 text-left text-xs whitespace-nowrap text-ink-300">
          <time dateTime={order.submitted_at}>{formatWallTime(order.submitted_at)}</time>
        </td>
        <td className="px-3 py-2.5 text-left">
          <Link href={`/stock/?symbol=${encodeURIComponent(order.symbol)}`} className="font-mono font-semibold text-ink-100 hover:text-accent">
            {order.symbol}
          </Link>
        </td>
        <td className={`px-3 py-2.5 text-left font-medium ${order.side === "buy" ? "text-gain" : "text-loss"}`}>{order.side}</td>
        <td className="px-3 py-2.5 text-left text-ink-300">
          {priceTerms(order)}
          {order.hwm ? <span className="block text-xs text-ink-400">high-water {formatDecimal(order.hwm)}</span> : null}
        </td>
        <td className="px-3 py-2.5 text-right text-ink-100">
          {`${formatDecimal(order.filled_qty || "0", 0)} / ${formatDecimal(order.qty, 0)}`}
        </td>
        <td className="px-3 py-2.5 text-right text-ink-100">{order.filled_avg_price ? formatDecimal(order.filled_avg_price) : "—"}</td>
        <td className="px-3 py-2.5 text-left text-xs text-ink-300" title={TIF_LABEL[order.time_in_force]}>
          {order.time_in_force}
        </td>
        <td className="px-3 py-2.5 text-left">
          <span className={`inline-block rounded border px-1.5 py-0.5 text-[11px] leading-none ${statusTone(order)}`} data-testid="order-status">
            {STATUS_LABEL[order.status] ?? order.status}
          </span>
        </td>
        <td className="px-4 py-2.5 text-right">
          {open ? (
            <span className="inline-flex gap-1.5">
              <button
                type="button"
                className={`${smallButton} border-ink-600 text-ink-100 hover:border-accent hover:bg-ink-800`}
                onClick={() => setEditing((v) => !v)}
                aria-expanded={editing}
                disabled={busy}
                data-testid="order-replace"
              >
                Change
              </button>
              <button
                type="button"
                className={`${smallButton} border-loss/50 text-loss hover:bg-loss/10`}
                onClick={() => void cancel()}
                disabled={busy}
                data-testid="order-cancel"
              >
                {busy ? "Canceling…" : "Cancel"}
              </button>
            </span>
          ) : (
            <span className="text-xs text-ink-400">
              {formatWallTime(order.filled_at ?? order.canceled_at ?? order.expired_at ?? order.replaced_at ?? order.failed_at ?? order.updated_at)}
            </span>
          )}
          {failure ? (
            <span className="mt-1 block text-xs text-loss" role="alert" data-testid="order-error">
              {failure}
            </span>
          ) : null}
        </td>
      </tr>
      {editing && open ? (
        <tr className="bg-ink-850">
          <td colSpan={9} className="px-4 py-3">
            <ReplaceForm
              order={order}
              onClose={() => setEditing(false)}
              onDone={() => {
                setEditing(false);
                onChanged();
              }}
            />
          </td>
        </tr>
      ) : null}
    </>
  );
}

function CancelAll({ count, onChanged }: { count: number; onChanged: () => void }) {
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);

  async function run() {
    setBusy(true);
    setMessage(null);
    try {
      const results = (await apiSend<CancelResult[] | undefined>("DELETE", paths.orders())) ?? [];
      const failed = results.filter((r) => r.status < 200 || r.status >= 300);
      const done = results.length - failed.length;
      setMessage(
        failed.length === 0
          ? { ok: true, text: done === 1 ? "1 order canceled." : `${done} orders canceled.` }
          : { ok: false, text: `${done} canceled; ${failed.length} could not be (they may have filled meanwhile).` },
      );
    } catch (error) {
      setMessage({ ok: false, text: errorText(error) });
    } finally {
      setBusy(false);
      onChanged();
    }
  }

  return (
    <div className="flex flex-wrap items-center gap-3">
      {message ? (
        message.ok ? (
          <FormSuccess testId="cancel-all-result">{message.text}</FormSuccess>
        ) : (
          <FormAlert testId="cancel-all-result">{message.text}</FormAlert>
        )
      ) : null}
      <button
        type="button"
        className={`${secondaryButtonClass} border-loss/50 text-loss hover:bg-loss/10`}
        onClick={() => void run()}
        disabled={busy || count === 0}
        data-testid="cancel-all"
      >
        {busy ? "Canceling…" : "Cancel all"}
      </button>
    </div>
  );
}

export function OrdersView() {
  const [tab, setTab] = useState<Tab>("open");
  const key = paths.orders(tab, 100);
  const { data, error, mutate } = useSWR<Order[]>(key);
  const { mutate: mutateAny } = useSWRConfig();

  // Both tabs, the account (reserved cash) and positions (reserved shares) move together.
  const refreshAll = () => {
    void mutate();
    void mutateAny((k) => typeof k === "string" && k.startsWith("/v2/") && k !== key);
  };
  useTradeUpdates(() => refreshAll());

  const tabButton = (value: Tab, label: string) => (
    <button
      type="button"
      role="tab"
      aria-selected={tab === value}
      onClick={() => setTab(value)}
      data-testid={`orders-tab-${value}`}
      className={`rounded px-3 py-1.5 text-sm font-medium transition-colors ${
        tab === value ? "bg-ink-700 text-ink-100" : "text-ink-400 hover:text-ink-100"
      }`}
    >
      {label}
    </button>
  );

  return (
    <div className="flex flex-col gap-5">
      <div className="flex flex-wrap items-end justify-between gap-3">
        <div>
          <h1 className="text-2xl font-semibold tracking-tight">Orders</h1>
          <p className="text-sm text-ink-400">
            Open orders wait in the book until the price reaches them; day orders expire at the simulated close.
          </p>
        </div>
        <Link href="/activity/" className="text-sm text-accent hover:underline">
          Fills
        </Link>
      </div>

      <div className="flex flex-wrap items-center justify-between gap-3">
        <div role="tablist" aria-label="Orders" className="inline-flex rounded-md border border-ink-700 bg-ink-900 p-0.5">
          {tabButton("open", "Open")}
          {tabButton("closed", "Closed")}
        </div>
        {tab === "open" ? <CancelAll count={data?.length ?? 0} onChanged={refreshAll} /> : null}
      </div>

      {error && !data ? (
        <ErrorNotice title="Could not load your orders" error={error} onRetry={() => void mutate()} />
      ) : !data ? (
        <p className="text-sm text-ink-400" role="status">
          Loading…
        </p>
      ) : data.length === 0 ? (
        <div className="rounded-xl border border-ink-700 bg-ink-900 p-6 text-sm text-ink-300" data-testid="no-orders">
          {tab === "open" ? (
            <>
              No open orders. Limit and stop orders wait here until they fill; place one from a{" "}
              <Link href="/" className="text-accent hover:underline">
                stock&apos;s page
              </Link>
              .
            </>
          ) : (
            <>No closed orders yet.</>
          )}
        </div>
      ) : (
        <div className="overflow-x-auto rounded-xl border border-ink-700 bg-ink-900" role="tabpanel">
          <table className="w-full text-sm" data-testid={`orders-${tab}`}>
            <thead className="border-b border-ink-700 text-xs text-ink-400">
              <tr>
                <th scope="col" className="px-4 py-2.5 text-left font-normal">
                  Submitted
                </th>
                <th scope="col" className="px-3 py-2.5 text-left font-normal">
                  Symbol
                </th>
                <th scope="col" className="px-3 py-2.5 text-left font-normal">
                  Side
                </th>
                <th scope="col" className="px-3 py-2.5 text-left font-normal">
                  Type
                </th>
                <th scope="col" className="px-3 py-2.5 text-right font-normal">
                  Filled / qty
                </th>
                <th scope="col" className="px-3 py-2.5 text-right font-normal">
                  Avg. price
                </th>
                <th scope="col" className="px-3 py-2.5 text-left font-normal">
                  TIF
                </th>
                <th scope="col" className="px-3 py-2.5 text-left font-normal">
                  Status
                </th>
                <th scope="col" className="px-4 py-2.5 text-right font-normal">
                  {tab === "open" ? <span className="sr-only">Actions</span> : "Closed"}
                </th>
              </tr>
            </thead>
            <tbody className="divide-y divide-ink-800">
              {data.map((order) => (
                <OrderRow key={order.id} order={order} onChanged={refreshAll} />
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
