// Shapes of the backend's JSON, as docs/api.md describes them. Money stays a decimal string.

export type Decimal = string;
export type Time = string;

export type InstrumentKind = "stock" | "index" | "simulated";

export interface Stock {
  symbol: string;
  name: string;
  sector: string;
  kind: InstrumentKind;
  price: Decimal | null;
  change: Decimal | null;
  change_percent: number | null;
  updated_at: Time | null;
  // Set by an admin's halt; absent from servers older than the accounts work.
  halted?: boolean;
}

export interface StockList {
  stocks: Stock[];
  as_of: Time | null;
}

export interface StockDetail extends Stock {
  day_open: Decimal | null;
  day_high: Decimal | null;
  day_low: Decimal | null;
  previous_close: Decimal | null;
  volume: number;
}

export type Interval = "1m" | "5m" | "1h" | "1d";

export interface Candle {
  time: Time;
  open: Decimal;
  high: Decimal;
  low: Decimal;
  close: Decimal;
  volume: number;
}

export interface CandleList {
  symbol: string;
  interval: Interval;
  candles: Candle[];
}

export interface Mover extends Stock {
  volume: number;
}

export interface Movers {
  gainers: Mover[];
  losers: Mover[];
  most_active: Mover[];
}

export interface MarketStatus {
  provider: "replay" | "simulated" | "http";
  market_time: Time | null;
  tick_interval_ms: number;
}

export interface Tick {
  symbol: string;
  price: Decimal;
  volume: number;
  time: Time;
  change: Decimal;
  change_percent: number;
  day_volume: number;
}

// Accounts (docs/api.md "Accounts and sessions"). Email reaches only its owner and admins.
export type Role = "user" | "admin";

export interface User {
  id: number;
  user_tag: string;
  display_name: string;
  email?: string;
  role: Role;
  public_profile: boolean;
  created_at: Time;
}

export interface Me {
  user: User | null;
  csrf_token: string;
}

// Login and password change: the session changed, so the token did too.
export interface SessionResponse {
  user: User;
  csrf_token: string;
}

export interface PublicProfile {
  user_tag: string;
  display_name: string;
  member_since: Time;
}

export type AccountStatus = "pending" | "active" | "disabled";

export interface AdminUser extends User {
  status: AccountStatus;
  last_login_at: Time | null;
}

export interface AdminUserPage {
  users: AdminUser[];
  next: number | null;
}

export interface OutboxMessage {
  id: number;
  to: string;
  subject: string;
  body: string;
  created_at: Time;
  sent_at: Time | null;
  // Delivery attempts so far, and why the last one failed (SMTP delivery only).
  attempts?: number;
  last_error?: string | null;
}

export interface OutboxPage {
  messages: OutboxMessage[];
  next: number | null;
}

export type ErrorSource = "client" | "server";

export interface ErrorReport {
  id: number;
  created_at: Time;
  source: ErrorSource;
  user_tag: string | null;
  page: string | null;
  request_id: string | null;
  message: string | null;
  report: unknown;
}

export interface ErrorReportPage {
  reports: ErrorReport[];
  next: number | null;
}

export interface HaltResponse {
  symbol: string;
  halted: boolean;
}

export interface AdminMetrics {
  password_verifications: number;
  password_hashes: number;
  hash_pool: {
    threads: number;
    queued: number;
    in_flight: number;
    peak_in_flight: number;
    rejected: number;
  };
  sessions_cached: number;
  db_jobs: number;
}
