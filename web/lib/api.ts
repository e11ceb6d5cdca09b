// The one door to the backend: same-origin fetch, JSON in and out, every failure turned into
// an ApiError carrying the server's code, message and request id, and handed to one reporter.
// Unsafe methods carry the CSRF token; a request the server refuses with csrf_failed (an
// anonymous cookie that rotated, a session that ended) is retried once with a fresh token.

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly requestId: string | null;
  // Seconds from the Retry-After header (429, 503), when the server sent one.
  readonly retryAfter: number | null;

  constructor(
    status: number,
    code: string,
    message: string,
    requestId: string | null,
    retryAfter: number | null = null,
  ) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.requestId = requestId;
    this.retryAfter = retryAfter;
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

// The token that unsafe methods send as X-CSRF-Token; lib/auth.tsx keeps it current from
// /api/auth/me, login and password change responses.
let csrfToken: string | null = null;

export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

// Fetches a fresh token (GET /api/auth/me) and installs it; lib/auth.tsx provides it. Used when
// an unsafe request has no token yet, and once after a csrf_failed answer.
export type CsrfRefresher = () => Promise<string | null>;
let csrfRefresher: CsrfRefresher | null = null;

export function setCsrfRefresher(next: CsrfRefresher | null): void {
  csrfRefresher = next;
}

async function refreshCsrf(): Promise<void> {
  if (!csrfRefresher) return;
  try {
    await csrfRefresher();
  } catch {
    // The request goes out anyway and its own failure is what the caller sees.
  }
}

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

interface ErrorBody {
  code?: unknown;
  message?: unknown;
  request_id?: unknown;
}

// Retry-After is either delta-seconds or an HTTP date.
function parseRetryAfter(value: string | null): number | null {
  if (!value) return null;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return null;
  return Math.max(0, Math.ceil((at - Date.now()) / 1000));
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
  return new ApiError(
    response.status,
    code,
    message,
    requestId,
    parseRetryAfter(response.headers.get("retry-after")),
  );
}

export async function apiFetch<T>(path: string, init: RequestInit = {}): Promise<T> {
  const method = (init.method ?? "GET").toUpperCase();
  const unsafe = !SAFE_METHODS.has(method);
  // Only a body we can send twice may be retried (all of ours are JSON strings).
  const replayable = init.body === undefined || init.body === null || typeof init.body === "string";

  const send = (): Promise<Response> => {
    const headers = new Headers(init.headers);
    headers.set("Accept", "application/json");
    if (init.body !== undefined && init.body !== null && !headers.has("Content-Type")) {
      headers.set("Content-Type", "application/json");
    }
    if (csrfToken && unsafe) {
      headers.set("X-CSRF-Token", csrfToken);
    }
    return fetch(path, { ...init, method, headers, credentials: "same-origin" });
  };

  let response: Response;
  try {
    if (unsafe && !csrfToken) await refreshCsrf();
    response = await send();
    if (unsafe && replayable && response.status === 403 && csrfRefresher) {
      const first = await toApiError(response.clone());
      if (first.code === "csrf_failed") {
        await refreshCsrf();
        response = await send();
      }
    }
  } catch (cause) {
    // An abort is the caller's own decision, not a failure worth reporting.
    if (cause instanceof DOMException && cause.name === "AbortError") {
      throw new ApiError(0, "aborted", "the request was cancelled", null);
    }
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
  if (response.status === 204 || response.status === 205) {
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

// A JSON request with an unsafe method: `apiSend("POST", paths.login(), {email, password})`.
export function apiSend<T>(method: "POST" | "PUT" | "PATCH" | "DELETE", path: string, body?: unknown): Promise<T> {
  return apiFetch<T>(path, { method, body: body === undefined ? undefined : JSON.stringify(body) });
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
  feed: () => "/api/feed",
  sectors: () => "/api/sectors",
  sector: (name: string) => `/api/sectors/${encodeURIComponent(name)}`,
  status: () => "/api/market/status",
  stream: () => "/api/stream",
  me: () => "/api/auth/me",
  register: () => "/api/auth/register",
  verify: () => "/api/auth/verify",
  login: () => "/api/auth/login",
  logout: () => "/api/auth/logout",
  password: () => "/api/auth/password",
  passwordReset: () => "/api/auth/password-reset",
  passwordResetConfirm: () => "/api/auth/password-reset/confirm",
  profile: () => "/api/account/profile",
  publicUser: (tag: string) => `/api/users/${encodeURIComponent(tag)}`,
  leaderboard: (period: string, metric: string, cursor: string | null = null, limit = 50) =>
    `/api/leaderboard?${query({ period, metric, limit, cursor })}`,
  publicEquity: (tag: string, period: string) =>
    `/api/users/${encodeURIComponent(tag)}/equity?${query({ period })}`,
  errors: () => "/api/errors",
  adminUsers: (q: string, after: number | null, limit = 50) =>
    `/api/admin/users?${query({ q, limit, after })}`,
  adminUserAction: (id: number, action: "disable" | "enable" | "role") =>
    `/api/admin/users/${id}/${action}`,
  adminOutbox: (before: number | null, limit = 50) => `/api/admin/outbox?${query({ limit, before })}`,
  adminErrors: (source: string, q: string, before: number | null, limit = 50) =>
    `/api/admin/errors?${query({ source, q, limit, before })}`,
  adminSymbol: (symbol: string, action: "halt" | "resume") =>
    `/api/admin/symbols/${encodeURIComponent(symbol)}/${action}`,
  adminMetrics: () => "/api/admin/metrics",
  adminRuntime: () => "/api/admin/runtime",
  adminFlags: () => "/api/admin/flags",
  book: (symbol: string, depth = 10) => `/api/stocks/${encodeURIComponent(symbol)}/book?depth=${depth}`,
  trades: (symbol: string, limit = 50) => `/api/stocks/${encodeURIComponent(symbol)}/trades?limit=${limit}`,
  holders: (symbol: string, limit = 10) => `/api/stocks/${encodeURIComponent(symbol)}/holders?limit=${limit}`,
  forecast: (symbol: string) => `/api/forecasts/${encodeURIComponent(symbol)}`,
  forecastAccuracy: () => "/api/forecasts/accuracy",
  portfolioForecast: () => "/api/forecasts/portfolio",
  rules: () => "/api/rules",
  rule: (id: string) => `/api/rules/${encodeURIComponent(id)}`,
  ruleAction: (id: string, action: "pause" | "resume") => `/api/rules/${encodeURIComponent(id)}/${action}`,
  ruleFirings: (id: string, limit = 50) => `/api/rules/${encodeURIComponent(id)}/firings?limit=${limit}`,
  backtest: () => "/api/rules/backtest",
  apiKeys: () => "/api/account/keys",
  apiKey: (id: string | number) => `/api/account/keys/${encodeURIComponent(String(id))}`,
  sinceLastVisit: () => "/api/account/since-last-visit",
  insights: (period: string) => `/api/insights?${query({ period })}`,
  dismissSinceLastVisit: () => "/api/account/since-last-visit/dismiss",
  // Trading, Alpaca's paths. Everything under /v2/ belongs to the signed-in player.
  account: () => "/v2/account",
  orders: (status?: "open" | "closed" | "all", limit = 100) =>
    status ? `/v2/orders?${query({ status, limit })}` : "/v2/orders",
  order: (id: string) => `/v2/orders/${encodeURIComponent(id)}`,
  positions: () => "/v2/positions",
  position: (symbol: string) => `/v2/positions/${encodeURIComponent(symbol)}`,
  fills: (pageToken: string | null, pageSize = 50) =>
    `/v2/account/activities/FILL?${query({ direction: "desc", page_size: pageSize, page_token: pageToken })}`,
  asset: (symbol: string) => `/v2/assets/${encodeURIComponent(symbol)}`,
  portfolioHistory: (period: string, timeframe?: string) =>
    `/v2/account/portfolio/history?${query({ period, timeframe })}`,
  watchlists: () => "/v2/watchlists",
  watchlist: (id: string) => `/v2/watchlists/${encodeURIComponent(id)}`,
  watchlistSymbol: (id: string, symbol: string) =>
    `/v2/watchlists/${encodeURIComponent(id)}/${encodeURIComponent(symbol)}`,
};

// A query string from the parameters that have a value (empty strings and null are left out).
function query(params: Record<string, string | number | null | undefined>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value === null || value === undefined || value === "") continue;
    search.set(key, String(value));
  }
  return search.toString();
}
