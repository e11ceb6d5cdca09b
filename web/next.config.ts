// Two shapes of one config. `next build` exports a static site to out/ that marketsim serves
// itself (one origin, so no proxy exists in production). `next dev` cannot export and instead
// proxies the API, the stream and the health checks to a running backend.
import path from "node:path";
import type { NextConfig } from "next";
import { PHASE_DEVELOPMENT_SERVER } from "next/constants";

const shared: NextConfig = {
  reactStrictMode: true,
  trailingSlash: true,
  images: { unoptimized: true },
  poweredByHeader: false,
  // The repository, not web/: the API reference page imports docs/openapi.json when the app is
  // built (components/ApiReference.tsx), and Turbopack resolves nothing outside its root.
  turbopack: { root: path.join(__dirname, "..") },
};

function backendOrigin(): string {
  const raw = process.env.MARKETSIM_BACKEND ?? "http://127.0.0.1:8080";
  return raw.replace(/\/+$/, "");
}

export default function config(phase: string): NextConfig {
  if (phase !== PHASE_DEVELOPMENT_SERVER) {
    return { ...shared, output: "export" };
  }
  const backend = backendOrigin();
  return {
    ...shared,
    // trailingSlash would otherwise answer /api/stocks with a redirect to /api/stocks/
    // before the rewrite gets a chance to proxy it.
    skipTrailingSlashRedirect: true,
    // Gzip buffers text/event-stream; the stream must reach the browser tick by tick.
    compress: false,
    experimental: {
      // The proxy's idle timeout; heartbeats arrive every 15 s, so this only ends dead streams.
      proxyTimeout: 120_000,
    },
    async rewrites() {
      return [
        { source: "/api/:path*", destination: `${backend}/api/:path*` },
        { source: "/v2/:path*", destination: `${backend}/v2/:path*` },
        { source: "/healthz", destination: `${backend}/healthz` },
        { source: "/readyz", destination: `${backend}/readyz` },
      ];
    },
  };
}
