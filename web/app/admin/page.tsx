"use client";
// The admin console: users, the mail outbox, error reports, trading halts, anti-collusion
// flags, the account machinery's metrics and the server's runtime view, one tab each, chosen by `?tab=` so a tab can be linked to. Only for the
// admin role: anonymous visitors are sent to sign in, other players are told it is not theirs;
// the server checks the role on every request regardless.

import Link from "next/link";
import { useSearchParams } from "next/navigation";
import { AdminErrors } from "@/components/admin/AdminErrors";
import { AdminFlags } from "@/components/admin/AdminFlags";
import { AdminMetrics } from "@/components/admin/AdminMetrics";
import { AdminOutbox } from "@/components/admin/AdminOutbox";
import { AdminRuntime } from "@/components/admin/AdminRuntime";
import { AdminSymbols } from "@/components/admin/AdminSymbols";
import { AdminUsers } from "@/components/admin/AdminUsers";
import { LoadingBoundary } from "@/components/LoadingBoundary";
import { Notice } from "@/components/Notice";
import { RequireUser } from "@/components/RequireUser";
import { usePageTitle } from "@/lib/title";
import type { User } from "@/lib/models";

const TABS = [
  { id: "users", label: "Users" },
  { id: "outbox", label: "Outbox" },
  { id: "errors", label: "Error reports" },
  { id: "symbols", label: "Symbols" },
  { id: "flags", label: "Flags" },
  { id: "metrics", label: "Metrics" },
  { id: "runtime", label: "Runtime" },
] as const;

type TabId = (typeof TABS)[number]["id"];

function Console({ me }: { me: User }) {
  const requested = useSearchParams().get("tab");
  const tab: TabId = TABS.find((t) => t.id === requested)?.id ?? "users";
  return (
    <div className="flex flex-col gap-5">
      <div>
        <h1 className="text-2xl font-semibold tracking-tight">Admin</h1>
        <p className="mt-1 text-sm text-ink-400">Signed in as @{me.user_tag}. Every action is checked by the server.</p>
      </div>
      <nav aria-label="Admin sections" className="flex gap-1 overflow-x-auto border-b border-ink-700">
        {TABS.map((t) => (
          <Link
            key={t.id}
            href={`/admin/?tab=${t.id}`}
            aria-current={tab === t.id ? "page" : undefined}
            data-testid={`admin-tab-${t.id}`}
            className={`-mb-px border-b-2 px-3 py-2 text-sm whitespace-nowrap transition-colors ${
              tab === t.id
                ? "border-accent font-semibold text-ink-100"
                : "border-transparent text-ink-300 hover:text-ink-100"
            }`}
          >
            {t.label}
          </Link>
        ))}
      </nav>
      {tab === "users" ? <AdminUsers me={me} /> : null}
      {tab === "outbox" ? <AdminOutbox /> : null}
      {tab === "errors" ? <AdminErrors /> : null}
      {tab === "symbols" ? <AdminSymbols /> : null}
      {tab === "flags" ? <AdminFlags /> : null}
      {tab === "metrics" ? <AdminMetrics /> : null}
      {tab === "runtime" ? <AdminRuntime /> : null}
    </div>
  );
}

function Admin({ me }: { me: User }) {
  if (me.role !== "admin") {
    return (
      <Notice title="Admins only">
        <p data-testid="admin-forbidden">
          This account is not an admin, so there is nothing here for it.{" "}
          <Link href="/" className="text-accent hover:underline">
            Back to the market
          </Link>
        </p>
      </Notice>
    );
  }
  return (
    <LoadingBoundary>
      <Console me={me} />
    </LoadingBoundary>
  );
}

export default function AdminPage() {
  usePageTitle("Admin");
  return (
    <RequireUser next="/admin/" redirect={false} anonymousTitle="Admins only">
      {(me) => <Admin me={me} />}
    </RequireUser>
  );
}
