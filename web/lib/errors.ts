// Client error reports: failures the player cannot fix (the server unreachable, a 5xx, a
// response that is not JSON) and uncaught exceptions or rejections in the page are POSTed to
// /api/errors, where admins read them next to the server's own. Reporting must never make
// things worse, so it is capped per page load, never throws, never reports its own requests,
// and stays quiet while the page is being left (navigation aborts fetches on purpose).

import { ApiError, apiSend, paths, setFailureReporter, type FailureContext } from "./api";

const MAX_REPORTS_PER_PAGE_LOAD = 10;
const MAX_MESSAGE = 2000;
const MAX_STACK = 8000;

let sent = 0;
let leaving = false;
// Errors already reported, so a failed request that also goes unhandled is reported once.
const reported = new WeakSet<object>();

export interface ClientReport {
  kind: string;
  message: string;
  stack?: string;
  page?: string;
  request_id?: string;
  [extra: string]: unknown;
}

// Query parameters whose values must not travel into a report (the verify link's token).
const SECRET_PARAM = /token|password|secret|key|session|csrf/i;

function currentPage(): string {
  const search = new URLSearchParams(window.location.search);
  for (const name of [...search.keys()]) {
    if (SECRET_PARAM.test(name)) search.set(name, "[scrubbed]");
  }
  const query = search.toString();
  return `${window.location.pathname}${query ? `?${query}` : ""}`;
}

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

export function sendReport(report: ClientReport): void {
  try {
    if (leaving || sent >= MAX_REPORTS_PER_PAGE_LOAD) return;
    sent += 1;
    const body: ClientReport = {
      ...report,
      message: clip(report.message || "(no message)", MAX_MESSAGE),
      page: report.page ?? currentPage(),
    };
    if (report.stack) body.stack = clip(report.stack, MAX_STACK);
    apiSend<unknown>("POST", paths.errors(), body).catch(() => undefined);
  } catch {
    // Nothing to do: a report that cannot be sent is dropped.
  }
}

function reportRequestFailure(error: ApiError, context: FailureContext): void {
  // A report about a failed report would loop.
  if (context.path.startsWith(paths.errors())) return;
  const serverFault = error.status === 0 || error.status >= 500 || error.code === "invalid_json";
  if (!serverFault || error.code === "aborted") return;
  reported.add(error);
  const report: ClientReport = {
    kind: error.status === 0 ? "network" : "http",
    message: `${context.method} ${context.path}: ${error.status || "no response"} ${error.code}: ${error.message}`,
    status: error.status,
    code: error.code,
    method: context.method,
    path: context.path,
  };
  if (error.requestId) report.request_id = error.requestId;
  sendReport(report);
}

function describe(value: unknown): { message: string; stack?: string; request_id?: string } {
  if (value instanceof ApiError) {
    return {
      message: `${value.name} ${value.status} ${value.code}: ${value.message}`,
      stack: value.stack,
      ...(value.requestId ? { request_id: value.requestId } : {}),
    };
  }
  if (value instanceof Error) return { message: `${value.name}: ${value.message}`, stack: value.stack };
  try {
    return { message: typeof value === "string" ? value : JSON.stringify(value) ?? String(value) };
  } catch {
    return { message: String(value) };
  }
}

function onError(event: ErrorEvent): void {
  // Same-origin scripts only, so a bare "Script error." carries nothing worth storing.
  if (!event.error && (!event.message || event.message === "Script error.")) return;
  if (event.error && typeof event.error === "object") {
    if (reported.has(event.error as object)) return;
    reported.add(event.error as object);
  }
  const described = describe(event.error ?? event.message);
  sendReport({
    kind: "error",
    ...described,
    message: event.message || described.message,
    source: event.filename ? `${event.filename}:${event.lineno}:${event.colno}` : undefined,
  });
}

function onRejection(event: PromiseRejectionEvent): void {
  const reason: unknown = event.reason;
  if (reason && typeof reason === "object") {
    if (reported.has(reason)) return;
    reported.add(reason);
  }
  if (reason instanceof ApiError && reason.code === "aborted") return;
  sendReport({ kind: "unhandledrejection", ...describe(reason) });
}

function onPageHide(): void {
  leaving = true;
}

function onPageShow(): void {
  // Back from the back/forward cache: the page is alive again.
  leaving = false;
}

// Installs the request failure reporter and the window handlers; returns the undo.
export function installErrorReporting(): () => void {
  setFailureReporter(reportRequestFailure);
  window.addEventListener("error", onError);
  window.addEventListener("unhandledrejection", onRejection);
  window.addEventListener("pagehide", onPageHide);
  window.addEventListener("pageshow", onPageShow);
  return () => {
    setFailureReporter(null);
    window.removeEventListener("error", onError);
    window.removeEventListener("unhandledrejection", onRejection);
    window.removeEventListener("pagehide", onPageHide);
    window.removeEventListener("pageshow", onPageShow);
  };
}
