"use client";

import Link from "next/link";
import { Logo } from "./Logo";
import { StreamBadge } from "./StreamBadge";

export function Header() {
  return (
    <header className="sticky top-0 z-20 border-b border-ink-700 bg-ink-900/95 backdrop-blur">
      <div className="mx-auto flex h-14 max-w-[1440px] items-center gap-3 px-4 md:px-6">
        <Link href="/" className="flex items-center gap-2.5 rounded-md focus-visible:outline-2 focus-visible:outline-accent">
          <Logo />
          <span className="text-lg font-semibold tracking-tight text-ink-100">marketsim</span>
        </Link>
        <div className="ml-auto flex items-center gap-3">
          <StreamBadge />
          <Link
            href="/signin/"
            className="rounded-md border border-ink-600 px-3 py-1.5 text-sm font-medium text-ink-100 transition-colors hover:border-accent hover:bg-ink-800"
          >
            Sign in
          </Link>
        </div>
      </div>
    </header>
  );
}
