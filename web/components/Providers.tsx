"use client";

import type { ReactNode } from "react";
import { SWRConfig, type SWRConfiguration } from "swr";
import { ApiError, swrFetcher } from "@/lib/api";
import { StreamProvider } from "@/lib/stream";

const swrConfig: SWRConfiguration = {
  fetcher: swrFetcher,
  revalidateOnFocus: true,
  dedupingInterval: 2000,
  onErrorRetry: (error, _key, _config, revalidate, { retryCount }) => {
    // The caller's fault will not fix itself: no retries for 4xx.
    if (error instanceof ApiError && error.status >= 400 && error.status < 500) return;
    if (retryCount >= 8) return;
    const delay = Math.min(30_000, 1000 * 2 ** retryCount);
    setTimeout(() => void revalidate({ retryCount }), delay);
  },
};

export function Providers({ children }: { children: ReactNode }) {
  return (
    <SWRConfig value={swrConfig}>
      <StreamProvider>{children}</StreamProvider>
    </SWRConfig>
  );
}
