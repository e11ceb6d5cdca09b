"use client";
// Admin → Runtime: the server seen from inside, live (GET /api/admin/runtime every 2 s): the
// requests being handled with their age, open streams by kind, the long-lived tasks and when
// each last made progress, each io thread's event-loop lag, the database pools, and the slowest
// recent steps (requests or task steps over MARKETSIM_SLOW_STEP) with their request ids.

import useSWR from "swr";
import type { ReactNode } from "react";
import { ErrorNotice } from "../Notice";
import { paths } from "@/lib/api";

interface Runtime {
  uptime_s: number;
  leader: boolean;
  feed: { seconds_since_step: number; last_seq: number; market_time_ms: number };
  connections: number;
  requests_in_flight: { request_id: string; method: string; route: string; age_ms: number }[];
  streams: { total: number; signed_in: number; anonymous: number; filtered: number; every_symbol: number };
  tasks: { name: string; state: string; steps: number; stalled: boolean; last_progress_ms_ago: number | null }[];
  loop_lag: { thread: number; last_ms: number; max_ms: number }[];
  pools: {
    name: string;
    connections: number;
    in_use: number;
    queued: number;
    jobs: number;
    errors: number;
    unavailable: number;
    queue_full: number;
    reconnects: number;
  }[];
  hash_pool: { queued: number; in_flight: number };
  history_buffered: number;
  slow_threshold_ms: number;
  slowest_steps: { at_ms_ago: number; kind: string; name: string; request_id: string | null; ms: number }[];
}

function ago(ms: number | null): string {
  if (ms === null) return "never";
  if (ms < 1000) return "just now";
  if (ms < 60_000) return `${Math.round(ms / 1000)} s ago`;
  if (ms < 3_600_000) return `${Math.round(ms / 60_000)} min ago`;
  return `${(ms / 3_600_000).toFixed(1)} h ago`;
}

function duration(seconds: number): string {
  if (seconds < 60) return `${seconds.toFixed(0)} s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min`;
  if (seconds < 86_400) return `${(seconds / 3600).toFixed(1)} h`;
  return `${(seconds / 86_400).toFixed(1)} days`;
}

const ms = (v: number) => (v < 10 ? v.toFixed(1) : v.toFixed(0));

function Stat({ label, value, tone }: { label: string; value: ReactNode; tone?: "warn" }) {
  return (
    <div className="rounded-lg border border-ink-700 bg-ink-900 px-4 py-3">
      <div className="text-xs text-ink-400">{label}</div>
      <div className={`mt-1 text-lg font-medium ${tone === "warn" ? "text-amber-400" : "text-ink-100"}`}>{value}</div>
    </div>
  );
}

function Section({ title, note, children, testId }: { title: string; note?: string; children: ReactNode; testId: string }) {
  return (
    <section className="rounded-lg border border-ink-700 bg-ink-900 p-4" data-testid={testId}>
      <h2 className="text-sm font-semibold text-ink-100">{title}</h2>
      {note ? <p className="mt-0.5 text-xs text-ink-400">{note}</p> : null}
      <div className="mt-3 overflow-x-auto">{children}</div>
    </section>
  );
}

function Table({ head, rows, empty }: { head: string[]; rows: ReactNode[][]; empty: string }) {
  if (rows.length === 0) return <p className="text-sm text-ink-400">{empty}</p>;
  return (
    <table className="w-full text-left text-sm">
      <thead className="text-xs text-ink-400">
        <tr>
          {head.map((h) => (
            <th key={h} className="pb-1 pr-4 font-normal">
              {h}
            </th>
          ))}
        </tr>
      </thead>
      <tbody className="text-ink-200">
        {rows.map((r, i) => (
          <tr key={i} className="border-t border-ink-800">
            {r.map((c, j) => (
              <td key={j} className="py-1 pr-4 tabular-nums">
                {c}
              </td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function AdminRuntime() {
  const { data, error, mutate } = useSWR<Runtime>(paths.adminRuntime(), { refreshInterval: 2000 });
  if (error && !data) {
    return <ErrorNotice title="Could not load the runtime view" error={error} onRetry={() => void mutate()} />;
  }
  if (!data) return <div aria-busy className="h-40" data-testid="admin-runtime" />;
  const feedLate = data.feed.seconds_since_step < 0 || data.feed.seconds_since_step > 10;
  return (
    <div className="flex flex-col gap-4" data-testid="admin-runtime">
      <div className="grid grid-cols-2 gap-3 md:grid-cols-4">
        <Stat label="Up for" value={duration(data.uptime_s)} />
        <Stat label="This instance" value={data.leader ? "leads the market" : "follows"} />
        <Stat
          label="Last market step"
          value={data.feed.seconds_since_step < 0 ? "none yet" : `${data.feed.seconds_since_step.toFixed(1)} s ago`}
          tone={feedLate ? "warn" : undefined}
        />
        <Stat label="Connections" value={data.connections} />
        <Stat label="Streams" value={`${data.streams.total} (${data.streams.signed_in} signed in)`} />
        <Stat label="Streams by filter" value={`${data.streams.filtered} filtered · ${data.streams.every_symbol} all`} />
        <Stat label="Ticks not yet stored" value={data.history_buffered} />
        <Stat label="Password hashes queued" value={`${data.hash_pool.queued} (${data.hash_pool.in_flight} in flight)`} />
      </div>

      <Section title="Requests in flight" note="Oldest first; each with the request id its log lines carry." testId="runtime-requests">
        <Table
          head={["Request id", "Method", "Route", "Age"]}
          rows={data.requests_in_flight.map((r) => [
            <code key="id" className="text-xs">
              {r.request_id}
            </code>,
            r.method,
            r.route,
            `${ms(r.age_ms)} ms`,
          ])}
          empty="None."
        />
      </Section>

      <Section
        title="Long-lived tasks"
        note="What each background loop does and when it last made progress; amber: silent for three of its periods."
        testId="runtime-tasks"
      >
        <Table
          head={["Task", "State", "Steps", "Last progress"]}
          rows={data.tasks.map((t) => {
            // The server knows each task's period: silent for three of them is stalled.
            const stalled = t.stalled;
            return [
              t.name,
              t.state,
              t.steps,
              <span key="ago" className={stalled ? "text-amber-400" : undefined} data-stalled={stalled || undefined}>
                {ago(t.last_progress_ms_ago)}
              </span>,
            ];
          })}
          empty="No tasks."
        />
      </Section>

      <div className="grid gap-4 md:grid-cols-2">
        <Section
          title="Event-loop lag"
          note="How late a 100 ms timer ran on each io thread, over the last 10 s: time the thread spent without yielding."
          testId="runtime-lag"
        >
          <Table
            head={["Thread", "Last", "Max (10 s)"]}
            rows={data.loop_lag.map((l) => [
              l.thread,
              `${ms(l.last_ms)} ms`,
              <span key="max" className={l.max_ms > data.slow_threshold_ms ? "text-amber-400" : undefined}>
                {ms(l.max_ms)} ms
              </span>,
            ])}
            empty="No samples yet."
          />
        </Section>
        <Section title="Database pools" testId="runtime-pools">
          <Table
            head={["Pool", "In use", "Queued", "Jobs", "Errors", "Reconnects"]}
            rows={data.pools.map((p) => [
              p.name,
              `${p.in_use} / ${p.connections}`,
              p.queued,
              p.jobs,
              p.errors + p.unavailable + p.queue_full,
              p.reconnects,
            ])}
            empty="No pools."
          />
        </Section>
      </div>

      <Section
        title="Slowest recent steps"
        note={`Requests and task steps that took longer than ${data.slow_threshold_ms} ms (MARKETSIM_SLOW_STEP), slowest first.`}
        testId="runtime-slow"
      >
        <Table
          head={["When", "Kind", "What", "Request id", "Took"]}
          rows={data.slowest_steps.map((s) => [
            ago(s.at_ms_ago),
            s.kind,
            s.name,
            s.request_id ? (
              <code key="rid" className="text-xs">
                {s.request_id}
              </code>
            ) : (
              "—"
            ),
            `${ms(s.ms)} ms`,
          ])}
          empty="None: every step was quicker than the threshold."
        />
      </Section>
    </div>
  );
}
