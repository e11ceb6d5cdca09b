"use client";
// Everything the app shares, above every page: SWR's defaults (the fetcher is lib/api.ts),
// who is signed in (lib/auth.tsx), the price stream, and client error reporting.

import { useEffect, type ReactNode } from "react";
import { SWRConfig, type SWRConfiguration } from "swr";
import { ApiError, swrFetcher } from "@/lib/api";
import { AuthProvider, refreshMe } from "@/lib/auth";
import { installErrorReporting } from "@/lib/errors";
import { StreamProvider } from "@/lib/stream";

const swrConfig: SWRConfiguration = {
  fetcher: swrFetcher,
  revalidateOnFocus: true,
  dedupingInterval: 2000,
  onError: (error, key) => {
    // A 401 anywhere means the session ended (idle, expired, disabled, signed out elsewhere):
    // reload /me so the header and the guarded pages find out.
    if (error instanceof ApiError && error.code === "unauthenticated" && key !== "/api/auth/me") {
      void refreshMe().catch(() => undefined);
    }
  },
  onErrorRetry: (error, _key, _config, revalidate, { retryCount }) => {
    // The caller's fault will not fix itself: no retries for 4xx.
    if (error instanceof ApiError && error.status >= 400 && error.status < 500) return;
    if (retryCount >= 8) return;
    const delay = Math.min(30_000, 1000 * 2 ** retryCount);
    setTimeout(() => void revalidate({ retryCount }), delay);
  },
};

function ErrorReporting() {
  useEffect(() => installErrorReporting(), []);
  return null;
}

export function Providers({ children }: { children: ReactNode }) {
  return (
    <SWRConfig value={swrConfig}>
      <ErrorReporting />
      <AuthProvider>
        <StreamProvider>{children}</StreamProvider>
      </AuthProvider>
    </SWRConfig>
  );
}
