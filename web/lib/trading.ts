"use client";
// What the trading pages share: the player's account kept live (fetched once, then patched by
// the stream's `account` events), a fetcher for "none yet" answers (a 404 position), the rules
// of the order ticket (which fields and time-in-force each order type takes, as docs/api.md
// states them) and the words for orders, so every page describes an order the same way.

import { useEffect, useRef } from "react";
import useSWR, { type KeyedMutator } from "swr";
import { ApiError, apiFetch, paths } from "./api";
import { formatDecimal } from "./format";
import { useAccountEvents } from "./stream";
import type { Account, Order, OrderStatus, OrderType, TimeInForce } from "./models";

export interface LiveAccount {
  account: Account | undefined;
  error: unknown;
  isLoading: boolean;
  mutate: KeyedMutator<Account>;
}

// GET /v2/account, with each `account` event folded into SWR's cache: every component that
// shows the account (header, ticket, portfolio) reads the one cached copy, so they agree.
export function useAccount(enabled = true): LiveAccount {
  const { data, error, isLoading, isValidating, mutate } = useSWR<Account>(enabled ? paths.account() : null, {
    // The stream keeps it current; a focus refetch only repairs a missed event.
    dedupingInterval: 5000,
  });
  // An event that came while the first answer was on its way: fetch once more when it lands.
  const missed = useRef(false);
  useEffect(() => {
    if (data === undefined || !missed.current) return;
    missed.current = false;
    void mutate();
  }, [data, mutate]);
  useAccountEvents((event) => {
    if (!enabled) return;
    // Before the first answer there is nothing to fold the event into, and a mutation now would
    // make SWR drop the answer that is on its way (it arrives during a mutation): fetch instead,
    // unless a fetch is on its way. Refetching at every event would drop every answer while a
    // player's holdings move with each tick, and the account would never load.
    if (data === undefined) {
      if (isValidating) missed.current = true;
      else void mutate();
      return;
    }
    void mutate((current) => (current ? { ...current, ...event } : current), { revalidate: false });
  });
  return { account: data, error, isLoading, mutate };
}

// An SWR fetcher for resources whose absence is an answer, not a failure (a position in a
// symbol the player does not hold): 404 becomes null, so SWR does not keep a stale value.
export async function fetchOrNull<T>(path: string): Promise<T | null> {
  try {
    return await apiFetch<T>(path);
  } catch (error) {
    if (error instanceof ApiError && error.isNotFound) return null;
    throw error;
  }
}

export const ORDER_TYPES: readonly OrderType[] = ["market", "limit", "stop", "stop_limit", "trailing_stop"];

export const TYPE_LABEL: Record<OrderType, string> = {
  market: "Market",
  limit: "Limit",
  stop: "Stop",
  stop_limit: "Stop limit",
  trailing_stop: "Trailing stop",
};

export const TIF_LABEL: Record<TimeInForce, string> = {
  day: "Day",
  gtc: "GTC · good till canceled",
  ioc: "IOC · immediate or cancel",
  fok: "FOK · fill or kill",
};

// Market orders take day, ioc or fok; the others any of the four.
export function allowedTimeInForce(type: OrderType): readonly TimeInForce[] {
  return type === "market" ? ["day", "ioc", "fok"] : ["day", "gtc", "ioc", "fok"];
}

export function needsLimit(type: OrderType): boolean {
  return type === "limit" || type === "stop_limit";
}

export function needsStop(type: OrderType): boolean {
  return type === "stop" || type === "stop_limit";
}

export const STATUS_LABEL: Record<OrderStatus, string> = {
  new: "open",
  partially_filled: "partly filled",
  filled: "filled",
  canceled: "canceled",
  expired: "expired",
  replaced: "replaced",
  rejected: "rejected",
};

export function isOpen(order: Order): boolean {
  return order.status === "new" || order.status === "partially_filled";
}

// "limit 41.30", "stop 40 / limit 39.90", "trail 2%", "market".
export function priceTerms(order: Pick<Order, "type" | "limit_price" | "stop_price" | "trail_price" | "trail_percent">): string {
  switch (order.type) {
    case "market":
      return "market";
    case "limit":
      return `limit ${formatDecimal(order.limit_price)}`;
    case "stop":
      return `stop ${formatDecimal(order.stop_price)}`;
    case "stop_limit":
      return `stop ${formatDecimal(order.stop_price)} / limit ${formatDecimal(order.limit_price)}`;
    case "trailing_stop":
      return order.trail_percent !== null
        ? `trail ${formatDecimal(order.trail_percent, 0)}%`
        : `trail ${formatDecimal(order.trail_price)}`;
    default:
      return order.type;
  }
}

function shares(qty: string): string {
  const text = formatDecimal(qty, 0);
  return `${text} ${qty.trim() === "1" ? "share" : "shares"}`;
}

// One sentence on what became of an order just placed: what the confirmation shows.
export function outcomeText(order: Order): string {
  const verb = order.side === "buy" ? "Bought" : "Sold";
  const what = `${order.symbol}`;
  const filled = order.filled_qty && !/^0*(\.0*)?$/.test(order.filled_qty) ? order.filled_qty : null;
  const at = order.filled_avg_price ? ` at ${formatDecimal(order.filled_avg_price)}` : "";
  switch (order.status) {
    case "filled":
      return `${verb} ${shares(order.filled_qty)} of ${what}${at}. Filled.`;
    case "partially_filled":
      return `${verb} ${shares(filled ?? "0")} of ${what}${at}; the rest of the ${shares(order.qty)} is resting (${priceTerms(order)}, ${order.time_in_force}).`;
    case "new":
      return `Order placed: ${order.side} ${shares(order.qty)} of ${what}, ${priceTerms(order)}, ${order.time_in_force}. It is resting until the price reaches it.`;
    case "canceled":
      return filled
        ? `${verb} ${shares(filled)} of ${what}${at}; the rest was canceled (${order.time_in_force}).`
        : `Nothing traded: the order was canceled (${order.time_in_force} and nothing could fill it now).`;
    case "expired":
      return `The order expired without ${filled ? "filling completely" : "filling"}.`;
    case "rejected":
      return "The order was rejected.";
    default:
      return `Order ${STATUS_LABEL[order.status] ?? order.status}.`;
  }
}
