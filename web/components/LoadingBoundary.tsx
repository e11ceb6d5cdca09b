// A Suspense boundary that shows a plain "Loading…" line. A page that reads its query string
// (useSearchParams) needs one around the part that reads it: the static export prerenders the
// page without a query, and Next fails the build when useSearchParams has no boundary above it.

import { Suspense, type ReactNode } from "react";

export function LoadingBoundary({ children }: { children: ReactNode }) {
  return <Suspense fallback={<div className="text-sm text-ink-400">Loading…</div>}>{children}</Suspense>;
}
