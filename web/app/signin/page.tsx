"use client";

import Link from "next/link";

export default function SignInPage() {
  return (
    <div className="mx-auto max-w-lg py-10">
      <div className="rounded-xl border border-ink-700 bg-ink-900 p-8">
        <h1 className="text-2xl font-semibold tracking-tight">Sign in</h1>
        <p className="mt-3 text-sm leading-relaxed text-ink-300">
          Accounts arrive soon. With one you will get virtual cash, a portfolio, a watchlist,
          trading and analytics. Until then the market is open to everyone to watch.
        </p>
        <Link
          href="/"
          className="mt-6 inline-block rounded-md bg-accent px-4 py-2 text-sm font-medium text-white hover:bg-accent/90"
        >
          Back to the market
        </Link>
      </div>
    </div>
  );
}
