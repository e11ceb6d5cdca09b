// The one door to the backend: same-origin fetch, JSON in and out, every failure turned into
// an ApiError carrying the server's code, message and request id, and handed to one reporter.

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly requestId: string | null;

  constructor(status: number, code: string, message: string, requestId: string | null) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.requestId = requestId;
  }

  get isNotFound(): boolean {
    return this.status === 404 || this.code === "not_found";
  }
}

export interface FailureContext {
  method: string;
  path: string;
}

export type FailureReporter = (error: ApiError, context: FailureContext) => void;

// Nothing reports anywhere yet; the accounts work adds /api/errors and installs a reporter here.
let reporter: FailureReporter | null = null;

export function setFailureReporter(next: FailureReporter | null): void {
  reporter = next;
}

export function reportFailure(error: ApiError, context: FailureContext): void {
  if (!reporter) return;
  try {
    reporter(error, context);
  } catch {
    // A broken reporter must never turn into a second failure for the caller.
  }
}

// Browsers will send a CSRF token header on unsafe methods once sessions exist.
let csrfToken: string | null = null;

export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

interface ErrorBody {
  code?: unknown;
  message?: unknown;
  request_id?: unknown;
}

async function toApiError(response: Response): Promise<ApiError> {
  const headerId = response.headers.get("x-request-id");
  let body: ErrorBody | null = null;
  try {
    body = (await response.json()) as ErrorBody;
  } catch {
    body = null;
  }
  const code = typeof body?.code === "string" ? body.code : `http_${response.status}`;
  const message =
    typeof body?.message === "string" ? body.message : response.statusText || "request failed";
  const requestId = typeof body?.request_id === "string" ? body.request_id : headerId;
  return new ApiError(response.status, code, message, requestId);
}

export async function apiFetch<T>(path: string, init: RequestInit = {}): Promise<T> {
  const method = (init.method ?? "GET").toUpperCase();
  const headers = new Headers(init.headers);
  headers.set("Accept", "application/json");
  if (init.body !== undefined && !headers.has("Content-Type")) {
    headers.set("Content-Type", "application/json");
  }
  if (csrfToken && !SAFE_METHODS.has(method)) {
    headers.set("X-CSRF-Token", csrfToken);
  }

  let response: Response;
  try {
    response = await fetch(path, { ...init, method, headers, credentials: "same-origin" });
  } catch (cause) {
    const message = cause instanceof Error ? cause.message : "network error";
    const error = new ApiError(0, "network", message, null);
    reportFailure(error, { method, path });
    throw error;
  }

  if (!response.ok) {
    const error = await toApiError(response);
    reportFailure(error, { method, path });
    throw error;
  }
  if (response.status === 204) {
    return undefined as T;
  }
  try {
    return (await response.json()) as T;
  } catch {
    const error = new ApiError(
      response.status,
      "invalid_json",
      "the server sent a response that is not JSON",
      response.headers.get("x-request-id"),
    );
    reportFailure(error, { method, path });
    throw error;
  }
}

// SWR's fetcher: the key is the path.
export function swrFetcher<T>(path: string): Promise<T> {
  return apiFetch<T>(path);
}

export const paths = {
  stocks: () => "/api/stocks",
  stock: (symbol: string) => `/api/stocks/${encodeURIComponent(symbol)}`,
  candles: (symbol: string, interval: string, limit = 500) =>
    `/api/stocks/${encodeURIComponent(symbol)}/candles?interval=${interval}&limit=${limit}`,
  movers: (count = 5) => `/api/market/movers?count=${count}`,
  status: () => "/api/market/status",
  stream: () => "/api/stream",
};
