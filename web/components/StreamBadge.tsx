"use client";

import { useStreamStatus } from "@/lib/stream";

export function StreamBadge() {
  const status = useStreamStatus();
  const live = status === "live";
  const title = live
    ? "Receiving live prices"
    : status === "connecting"
      ? "Connecting to the price stream…"
      : "Disconnected from the price stream; reconnecting";
  return (
    <span
      className={`inline-flex items-center gap-1.5 rounded-full border px-2.5 py-1 text-xs font-medium ${
        live ? "border-gain/40 bg-gain/10 text-gain" : "border-ink-600 bg-ink-800 text-ink-300"
      }`}
      title={title}
      role="status"
      aria-live="polite"
    >
      <span
        aria-hidden="true"
        className={`h-2 w-2 rounded-full ${live ? "bg-gain" : "animate-pulse bg-loss"}`}
      />
      <span data-testid="stream-status">{live ? "live" : "offline"}</span>
    </span>
  );
}
