import type { ReactNode } from "react";
import { ApiError } from "@/lib/api";

export function Notice({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="rounded-xl border border-ink-700 bg-ink-900 p-6">
      <h2 className="text-base font-semibold text-ink-100">{title}</h2>
      {children ? <div className="mt-2 text-sm text-ink-300">{children}</div> : null}
    </div>
  );
}

export function errorText(error: unknown): string {
  if (error instanceof ApiError) {
    if (error.code === "network") return "The server cannot be reached.";
    const id = error.requestId ? ` (request ${error.requestId})` : "";
    return `${error.message}${id}`;
  }
  return error instanceof Error ? error.message : "Something went wrong.";
}

export function ErrorNotice({
  title,
  error,
  onRetry,
}: {
  title: string;
  error: unknown;
  onRetry?: () => void;
}) {
  return (
    <div role="alert" className="rounded-xl border border-loss/40 bg-loss/5 p-4 text-sm">
      <div className="font-medium text-ink-100">{title}</div>
      <div className="mt-1 text-ink-300">{errorText(error)}</div>
      {onRetry ? (
        <button
          type="button"
          onClick={onRetry}
          className="mt-3 rounded-md border border-ink-600 px-3 py-1 text-ink-100 hover:bg-ink-800"
        >
          Try again
        </button>
      ) : null}
    </div>
  );
}
