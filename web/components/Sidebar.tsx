"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";

interface Section {
  label: string;
  href: string;
  needsAccount: boolean;
}

// Until accounts exist, every section but Market leads to the sign-in page.
const SECTIONS: Section[] = [
  { label: "Your stocks", href: "/signin/", needsAccount: true },
  { label: "Trade", href: "/signin/", needsAccount: true },
  { label: "Trading actions", href: "/signin/", needsAccount: true },
  { label: "Watchlist", href: "/signin/", needsAccount: true },
  { label: "Market", href: "/", needsAccount: false },
  { label: "Analytics", href: "/signin/", needsAccount: true },
  { label: "Settings", href: "/signin/", needsAccount: true },
];

function LockIcon() {
  return (
    <svg viewBox="0 0 16 16" className="h-3.5 w-3.5 shrink-0 text-ink-400" aria-hidden="true">
      <rect x="3" y="7" width="10" height="7" rx="1.5" fill="currentColor" />
      <path d="M5.5 7V5a2.5 2.5 0 0 1 5 0v2" fill="none" stroke="currentColor" strokeWidth="1.5" />
    </svg>
  );
}

export function Sidebar() {
  const pathname = usePathname();
  const onMarket = pathname === "/" || pathname.startsWith("/stock");
  return (
    <nav
      aria-label="Sections"
      className="shrink-0 border-b border-ink-700 md:w-52 md:border-r md:border-b-0"
    >
      <ul className="flex gap-1 overflow-x-auto px-3 py-2 md:sticky md:top-14 md:flex-col md:px-3 md:py-5">
        {SECTIONS.map((section) => {
          const active = !section.needsAccount && onMarket;
          return (
            <li key={section.label}>
              <Link
                href={section.href}
                aria-current={active ? "page" : undefined}
                title={section.needsAccount ? `${section.label}: sign in to use` : section.label}
                className={`flex items-center justify-between gap-2 whitespace-nowrap rounded-md px-3 py-2 text-sm transition-colors ${
                  active
                    ? "bg-ink-800 font-semibold text-ink-100 shadow-[inset_2px_0_0_var(--color-accent)]"
                    : "text-ink-300 hover:bg-ink-850 hover:text-ink-100"
                }`}
              >
                <span>{section.label}</span>
                {section.needsAccount ? <LockIcon /> : null}
              </Link>
            </li>
          );
        })}
      </ul>
    </nav>
  );
}
