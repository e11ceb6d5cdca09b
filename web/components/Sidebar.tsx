"use client";
// The section list. Market, Leaderboard, Forecasts and the API reference are open to everyone; the
// others need an account. Signed in, they open their pages (the trading pages, watchlist,
// analytics, settings); anonymous, they lead to sign-in with `next` set to where they would have
// gone. Admins get an Admin entry.

import Link from "next/link";
import { usePathname } from "next/navigation";
import { signInHref, useAuth } from "@/lib/auth";
import { TRADING_SECTIONS, type AccountSection } from "@/lib/sections";

interface Entry {
  key: string;
  label: string;
  href: string;
  locked: boolean;
  active: boolean;
}

function LockIcon() {
  return (
    <svg viewBox="0 0 16 16" className="h-3.5 w-3.5 shrink-0 text-ink-400" aria-hidden="true">
      <rect x="3" y="7" width="10" height="7" rx="1.5" fill="currentColor" />
      <path d="M5.5 7V5a2.5 2.5 0 0 1 5 0v2" fill="none" stroke="currentColor" strokeWidth="1.5" />
    </svg>
  );
}

// "/settings/" and "/settings" are the same page (trailingSlash).
function trimSlash(path: string): string {
  return path.length > 1 ? path.replace(/\/+$/, "") : path;
}

function SidebarList() {
  const pathname = trimSlash(usePathname() ?? "/");
  const { user, isAdmin } = useAuth();
  const signedIn = user !== null;
  const onMarket = pathname === "/" || pathname.startsWith("/stock") || pathname.startsWith("/sector");

  const trading = (entry: AccountSection): Entry => {
    const href = entry.path;
    return {
      key: entry.slug,
      label: entry.label,
      href: signedIn ? href : signInHref(href),
      locked: !signedIn,
      active: pathname === trimSlash(href),
    };
  };
  const [stocks, trade, actions, orders, activity, watchlist, analytics] = TRADING_SECTIONS.map(trading);
  const entries: (Entry | undefined)[] = [
    stocks,
    trade,
    actions,
    orders,
    activity,
    watchlist,
    { key: "market", label: "Market", href: "/", locked: false, active: onMarket },
    {
      key: "leaderboard",
      label: "Leaderboard",
      href: "/leaderboard/",
      locked: false,
      active: pathname === "/leaderboard",
    },
    {
      key: "forecasts",
      label: "Forecasts",
      href: "/forecasts/",
      locked: false,
      active: pathname === "/forecasts",
    },
    analytics,
    {
      key: "api",
      label: "API reference",
      href: "/docs/api/",
      locked: false,
      active: pathname === "/docs/api",
    },
    {
      key: "settings",
      label: "Settings",
      href: signedIn ? "/settings/" : signInHref("/settings/"),
      locked: !signedIn,
      active: pathname === "/settings",
    },
    isAdmin
      ? { key: "admin", label: "Admin", href: "/admin/", locked: false, active: pathname === "/admin" }
      : undefined,
  ];

  return (
    <ul className="flex gap-1 overflow-x-auto px-3 py-2 md:sticky md:top-14 md:flex-col md:px-3 md:py-5">
      {entries.map((entry) =>
        entry ? (
          <li key={entry.key}>
            <Link
              href={entry.href}
              aria-current={entry.active ? "page" : undefined}
              title={entry.locked ? `${entry.label}: sign in to use` : entry.label}
              data-testid={`nav-${entry.key}`}
              className={`flex items-center justify-between gap-2 whitespace-nowrap rounded-md px-3 py-2 text-sm transition-colors ${
                entry.active
                  ? "bg-ink-800 font-semibold text-ink-100 shadow-[inset_2px_0_0_var(--color-accent)]"
                  : "text-ink-300 hover:bg-ink-850 hover:text-ink-100"
              }`}
            >
              <span>{entry.label}</span>
              {entry.locked ? <LockIcon /> : null}
            </Link>
          </li>
        ) : null,
      )}
    </ul>
  );
}

export function Sidebar() {
  return (
    <nav aria-label="Sections" className="shrink-0 border-b border-ink-700 md:w-52 md:border-r md:border-b-0">
      <SidebarList />
    </nav>
  );
}
