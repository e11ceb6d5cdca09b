"use client";
// Admin: the account machinery's counters (password hashing pool, cached sessions, database
// jobs), refreshed every few seconds while the tab is open.

import useSWR from "swr";
import { ErrorNotice } from "../Notice";
import { paths } from "@/lib/api";
import { formatVolume } from "@/lib/format";
import type { AdminMetrics as Metrics } from "@/lib/models";

function Stat({ label, value }: { label: string; value: number | undefined }) {
  return (
    <div className="rounded-lg border border-ink-700 bg-ink-900 px-4 py-3">
      <div className="text-xs text-ink-400">{label}</div>
      <div className="mt-1 text-lg font-medium text-ink-100">{formatVolume(value)}</div>
    </div>
  );
}

export function AdminMetrics() {
  const { data, error, mutate } = useSWR<Metrics>(paths.adminMetrics(), { refreshInterval: 5000 });
  if (error && !data) {
    return <ErrorNotice title="Could not load the metrics" error={error} onRetry={() => void mutate()} />;
  }
  return (
    <div className="grid grid-cols-2 gap-3 md:grid-cols-4" data-testid="admin-metrics" aria-busy={!data}>
      <Stat label="Password verifications" value={data?.password_verifications} />
      <Stat label="Password hashes" value={data?.password_hashes} />
      <Stat label="Sessions cached" value={data?.sessions_cached} />
      <Stat label="Database jobs" value={data?.db_jobs} />
      <Stat label="Hash pool threads" value={data?.hash_pool?.threads} />
      <Stat label="Hash pool queued" value={data?.hash_pool?.queued} />
      <Stat label="Hash pool in flight" value={data?.hash_pool?.in_flight} />
      <Stat label="Hash pool peak in flight" value={data?.hash_pool?.peak_in_flight} />
      <Stat label="Hash pool rejected" value={data?.hash_pool?.rejected} />
    </div>
  );
}
