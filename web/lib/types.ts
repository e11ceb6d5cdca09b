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
  // The price is invented (an invented company, or past the end of the real history), not real
  // history or a live quote.
  simulated?: boolean;
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

// The home feed (GET /api/feed, and the stream's `feed` event carrying the same snapshot).
// Players are named only when they are bots or opted in; others are "Player #N" (or "A new
// player" before they trade) without a tag.
export interface FeedParty {
  name: string;
  bot: boolean;
  user_tag?: string;
  strategy?: string;
}

export interface FeedMover {
  symbol: string;
  name: string;
  price: Decimal | null;
  change_percent: number;
}

export interface FeedWindow {
  from: Time | null; // market time of the oldest price the window starts from
  gainers: FeedMover[];
  losers: FeedMover[];
}

export interface SectorMove {
  sector: string;
  stocks: number;
  advancing: number;
  declining: number;
  change_percent: number;
  best: string;
  worst: string;
}

export interface FeedTrade {
  time: Time;
  symbol: string;
  qty: number;
  price: Decimal;
  value: Decimal;
  buyer: FeedParty | null; // null: the house
  seller: FeedParty | null;
}

export interface FeedRanked extends FeedParty {
  rank: number;
  return: Decimal;
}

export interface FeedHighlight extends FeedRanked {
  kind: "lead" | "top10";
  time: Time;
}

export interface FeedNewcomer extends FeedParty {
  joined: Time;
}

export interface HomeFeed {
  as_of: Time | null;
  movers: { session: { gainers: FeedMover[]; losers: FeedMover[] }; week: FeedWindow; month: FeedWindow };
  sectors: SectorMove[];
  trades: FeedTrade[];
  highlights: FeedHighlight[];
  leaderboard: { total: number; entries: FeedRanked[] };
  newest: FeedNewcomer[];
}

export interface SectorDetail {
  sector: string;
  summary: SectorMove | null;
  stocks: StockDetail[];
}

export interface MarketStatus {
  provider: "replay" | "simulated" | "http";
  market_time: Time | null;
  // Whether market time has reached the simulated continuation of the real history, and the
  // first market date of that continuation (YYYY-MM-DD; null when there is none).
  simulated?: boolean;
  simulated_since?: string | null;
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

// GET /api/users/{tag}: what a player chose to publish. Weights are percentages of the equity
// ("12.3"); no quantities and no amounts of money but the equity.
export type ProfilePeriod = "day" | "week" | "month" | "all";

export interface ProfileReturn {
  return: Decimal | null; // "0.012345" is +1.2345%
  rank: number | null;
  of: number;
}

export interface ProfileTrade {
  symbol: string;
  side: "buy" | "sell";
  price: Decimal;
  time: Time; // wall clock
}

export interface PublicProfile {
  user_tag: string;
  display_name: string;
  member_since: Time;
  bot: boolean;
  strategy?: string;
  strategy_title?: string;
  strategy_description?: string;
  as_of: Time | null; // market time
  equity: Decimal | null;
  returns: Record<ProfilePeriod, ProfileReturn>;
  allocation: {
    cash_weight: Decimal;
    stocks: { symbol: string; name: string; sector: string; weight: Decimal }[];
    sectors: { sector: string; weight: Decimal }[];
  };
  trades: ProfileTrade[];
  trade_delay_seconds: number;
}

// GET /api/users/{tag}/equity?period=: the equity curve in market time.
export interface PublicEquity {
  user_tag: string;
  period: ProfilePeriod;
  as_of: Time | null;
  start_equity: Decimal | null;
  return: Decimal | null;
  points: { market_at: Time; equity: Decimal }[];
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

// Trading (docs/api.md "Trading (Alpaca-compatible, `/v2`)"). Money, prices and quantities are
// decimal strings, as Alpaca's API has them; times are RFC 3339.
export interface Account {
  id: string;
  account_number: string;
  status: string;
  currency: string;
  cash: Decimal;
  buying_power: Decimal;
  regt_buying_power: Decimal;
  daytrading_buying_power: Decimal;
  non_marginable_buying_power: Decimal;
  equity: Decimal;
  last_equity: Decimal;
  portfolio_value: Decimal;
  long_market_value: Decimal;
  short_market_value: Decimal;
  initial_margin: Decimal;
  maintenance_margin: Decimal;
  multiplier: Decimal;
  pattern_day_trader: boolean;
  trading_blocked: boolean;
  transfers_blocked: boolean;
  account_blocked: boolean;
  shorting_enabled: boolean;
  daytrade_count: number;
  created_at: Time;
  reserved_cash: Decimal;
  realized_pl: Decimal;
  login_equity: Decimal;
  // The equity at the end of the player's previous visit (the starting grant on a first
  // visit): what the header's change is measured from.
  previous_visit_equity: Decimal;
  previous_visit_ended_at: Time | null;
}

// GET /api/account/since-last-visit: what happened while the player was away.
export interface AwayFill {
  order_id: string;
  symbol: string;
  side: OrderSide;
  qty: Decimal;
  price: Decimal;
  time: Time;
}

export interface HoldingMove {
  symbol: string;
  qty: Decimal;
  price_then: Decimal;
  price_now: Decimal;
  change: Decimal;
  change_percent: number;
}

export interface SinceLastVisit {
  visit_id: string;
  visit_started_at: Time;
  // null: this is the player's first visit, and there is nothing to summarize.
  previous_visit_ended_at: Time | null;
  dismissed: boolean;
  equity_then: Decimal;
  equity_now: Decimal;
  change: Decimal;
  fills: AwayFill[];
  fill_count: number;
  moves: HoldingMove[];
  rank: { then: number | null; now: number | null; players_then: number; players_now: number } | null;
}

// The `account` stream event: the figures that move, after every change and every tick that
// moves the value of the player's holdings. It has no previous_visit_equity: that stays what
// GET /v2/account said, which is what the header's change is measured against.
export interface AccountEvent {
  cash: Decimal;
  buying_power: Decimal;
  equity: Decimal;
  long_market_value: Decimal;
  last_equity: Decimal;
}

export type OrderSide = "buy" | "sell";
export type OrderType = "market" | "limit" | "stop" | "stop_limit" | "trailing_stop";
export type TimeInForce = "day" | "gtc" | "ioc" | "fok";
export type OrderStatus =
  | "new"
  | "partially_filled"
  | "filled"
  | "canceled"
  | "expired"
  | "replaced"
  | "rejected";

export interface Order {
  id: string;
  client_order_id: string;
  created_at: Time;
  updated_at: Time;
  submitted_at: Time;
  filled_at: Time | null;
  expired_at: Time | null;
  canceled_at: Time | null;
  failed_at: Time | null;
  replaced_at: Time | null;
  replaced_by: string | null;
  replaces: string | null;
  asset_id: string;
  symbol: string;
  asset_class: string;
  notional: Decimal | null;
  qty: Decimal;
  filled_qty: Decimal;
  filled_avg_price: Decimal | null;
  order_class: string;
  order_type: OrderType;
  type: OrderType;
  side: OrderSide;
  time_in_force: TimeInForce;
  limit_price: Decimal | null;
  stop_price: Decimal | null;
  trail_price: Decimal | null;
  trail_percent: Decimal | null;
  hwm: Decimal | null;
  status: OrderStatus;
  extended_hours: boolean;
  legs: Order[] | null;
}

// POST /v2/orders. Prices go as decimal strings; only the fields the type allows are present.
export interface OrderRequest {
  symbol: string;
  qty: Decimal;
  side: OrderSide;
  type: OrderType;
  time_in_force: TimeInForce;
  limit_price?: Decimal;
  stop_price?: Decimal;
  trail_price?: Decimal;
  trail_percent?: Decimal;
  client_order_id: string;
}

// PATCH /v2/orders/{id}: any of these; the answer is the new order that replaces the old.
export interface OrderReplace {
  qty?: Decimal;
  time_in_force?: TimeInForce;
  limit_price?: Decimal;
  stop_price?: Decimal;
  trail?: Decimal;
  client_order_id?: string;
}

// DELETE /v2/orders answers 207 with one entry per open order.
export interface CancelResult {
  id: string;
  status: number;
  body: Order | { code?: string; message?: string } | null;
}

export interface Position {
  asset_id: string;
  symbol: string;
  exchange: string;
  asset_class: string;
  qty: Decimal;
  qty_available: Decimal;
  side: "long" | "short";
  avg_entry_price: Decimal;
  cost_basis: Decimal;
  market_value: Decimal;
  current_price: Decimal;
  lastday_price: Decimal;
  change_today: Decimal;
  unrealized_pl: Decimal;
  unrealized_plpc: Decimal;
  unrealized_intraday_pl: Decimal;
  unrealized_intraday_plpc: Decimal;
  realized_pl: Decimal;
}

export interface Activity {
  id: string;
  activity_type: "FILL";
  transaction_time: Time;
  type: "fill" | "partial_fill";
  price: Decimal;
  qty: Decimal;
  side: OrderSide;
  symbol: string;
  leaves_qty: Decimal;
  order_id: string;
  cum_qty: Decimal;
  order_status: OrderStatus;
}

export interface Asset {
  id: string;
  class: string;
  exchange: string;
  symbol: string;
  name: string;
  status: "active" | "inactive";
  tradable: boolean;
  marginable: boolean;
  shortable: boolean;
  easy_to_borrow: boolean;
  fractionable: boolean;
}

// GET /v2/watchlists lists these; the other watchlist routes answer with the whole list.
export interface WatchlistSummary {
  id: string;
  name: string;
  created_at: Time;
  updated_at: Time;
}

export interface Watchlist extends WatchlistSummary {
  // In the order they were added.
  assets: Asset[];
}

export type HistoryPeriod = "1D" | "1W" | "1M" | "3M" | "1A" | "all";
export type HistoryTimeframe = "1Min" | "5Min" | "15Min" | "1H" | "1D";

// GET /v2/account/portfolio/history: parallel arrays, one entry per point (the last snapshot of
// each bucket, then one for now). Numbers, not decimal strings: they are for charts.
export interface PortfolioHistory {
  timestamp: number[]; // epoch seconds
  equity: number[];
  profit_loss: number[];
  profit_loss_pct: number[];
  base_value: number;
  timeframe: HistoryTimeframe;
}

// Players' resting limit orders at one price, without identities.
export interface BookLevel {
  price: Decimal;
  qty: Decimal;
  orders: number;
  // Of those, the bots' resting orders; the rest are people's.
  bot_qty: Decimal;
  bot_orders: number;
}

// Who was on one side of a trade on the tape: players are never named.
export type TapeParty = "player" | "bot" | "house";

// One trade of a symbol's tape (GET /api/stocks/{symbol}/trades), newest first.
export interface TapeTrade {
  id: number;
  price: Decimal;
  qty: Decimal;
  time: Time | null; // market time
  taker: "buy" | "sell" | null; // the side that took it
  buyer: TapeParty;
  seller: TapeParty;
  house: boolean; // the house was one side; false: between two players (bots included)
}

export interface TapePage {
  symbol: string;
  trades: TapeTrade[];
}

// The stream's `trade` event: a trade of the tape as it happens, with the symbol's trade before
// it (a client whose newest trade is another one missed some and refetches).
export interface TapeEvent extends TapeTrade {
  symbol: string;
  previous_id: number | null;
}

// A top holder of a symbol among players with a public profile: its weight in their portfolio,
// never a number of shares.
export interface Holder {
  name: string;
  user_tag: string;
  bot: boolean;
  strategy?: string;
  weight: Decimal; // a fraction, "0.2500"
}

export interface HoldersPage {
  symbol: string;
  as_of: Time | null;
  holders: Holder[];
}

export interface OrderBook {
  symbol: string;
  reference: Decimal | null;
  house_bid: Decimal | null;
  house_ask: Decimal | null;
  bids: BookLevel[];
  asks: BookLevel[];
}

export type TradeEvent = "new" | "fill" | "partial_fill" | "canceled" | "expired" | "replaced" | "rejected";

// The `trade_update` stream event; price, qty and position_qty come with fills.
export interface TradeUpdate {
  event: TradeEvent;
  timestamp: Time;
  order: Order;
  price?: Decimal;
  qty?: Decimal;
  position_qty?: Decimal;
}

// API keys for the Alpaca SDKs; the secret exists only in the answer that created the key.
export interface ApiKey {
  // The contract does not say whether this is a number or a uuid; both work in paths.
  id: string | number;
  key_id: string;
  name: string;
  created_at: Time;
  last_used_at: Time | null;
}

export interface ApiKeyList {
  keys: ApiKey[];
}

export interface NewApiKey {
  id: string | number;
  key_id: string;
  secret: string;
  name: string;
  created_at: Time;
}

// GET /api/leaderboard (docs/api.md).
export type LeaderboardPeriod = "day" | "week" | "month" | "all";
export type LeaderboardMetric = "return" | "sharpe";

export interface LeaderboardEntry {
  rank: number | null; // null: not ranked on this metric (too little history)
  name: string;
  user_tag?: string; // only for public profiles and bots
  bot: boolean;
  strategy?: string;
  flags: string[];
  return: string; // a decimal fraction: "0.012345" is +1.2345%
  equity: string;
  start_equity: string;
  sharpe?: number | null;
  history_days?: number;
}

export interface Leaderboard {
  period: LeaderboardPeriod;
  metric: LeaderboardMetric;
  as_of: Time | null;
  total: number;
  entries: LeaderboardEntry[];
  next_cursor: string | null;
  you: LeaderboardEntry | null;
  min_history_days?: number;
  unranked?: number;
}

// GET /api/admin/flags.
export interface AdminFlag {
  account_id: number;
  user_id: number;
  user_tag: string;
  display_name: string;
  kind: "wash_trading" | "off_market" | "shared_address" | string;
  detail: unknown;
  first_seen: Time;
  updated_at: Time;
}

// Forecasts (docs/forecasts.md): GET /api/forecasts/{symbol}, /accuracy, /portfolio.
export type ForecastModel = "drift" | "ar1" | "trend";
export type ForecastStep = "day" | "month";

export interface ForecastScore {
  model: ForecastModel;
  horizon: number;
  origins: number;
  mae: number;
  rmse: number;
  naive_mae: number;
  naive_rmse: number;
  mae_ratio: number;
  rmse_ratio: number;
  beats_baseline: boolean;
  direction_cases: number;
  direction_hits: number;
  hit_rate: number | null;
  up_rate: number;
  coverage: number;
}

export interface AccuracyRow extends ForecastScore {
  series: string;
  symbol: string;
  step: ForecastStep;
  source: string;
  window: number;
  points: number;
  first_date: string;
  last_date: string;
}

export interface ForecastPoint {
  horizon: number;
  step: ForecastStep;
  target_date: string;
  point: number;
  lower: number;
  upper: number;
}

export interface ModelForecast {
  model: ForecastModel;
  title: string;
  forecasts: ForecastPoint[];
  accuracy_series: string;
  accuracy: ForecastScore[];
  beats_baseline: boolean | null;
  verdict: string;
}

export interface SymbolForecast {
  symbol: string;
  market_time: Time;
  market_date: string;
  basis: {
    series: string;
    source: string;
    step: ForecastStep;
    window: number;
    prices_used: number;
    first_date?: string;
    origin_date?: string;
    origin_price?: number;
    origin_is_current_price: boolean;
    history: { date: string; price: number }[];
  } | null;
  models: ModelForecast[];
  reason?: string;
}

export interface ForecastAccuracy {
  horizons: number[];
  models: { model: ForecastModel; title: string }[];
  windows: { day: number; month: number; stored: number };
  catalog?: { rows: AccuracyRow[]; unavailable?: string };
  stored?: { market_time: Time; rows: AccuracyRow[] };
}

export interface PortfolioForecast {
  equity: Decimal;
  cash: Decimal;
  holdings: { symbol: string; qty: Decimal }[];
  model: ForecastModel;
  step: ForecastStep;
  market_date: string;
  prices_used?: number;
  forecasts: (ForecastPoint & { change: number; change_lower: number; change_upper: number })[];
  accuracy: ForecastScore[];
  verdict: string;
  reason?: string;
}

// Trading actions (GET /api/rules and friends, docs/api.md).
export type RuleKind =
  | "price_alert"
  | "stop_loss"
  | "take_profit"
  | "trailing_exit"
  | "recurring_buy"
  | "rebalance"
  | "condition";

// What a condition rule watches: the price against a level, the change from the previous
// market day's last price, or the price against its moving average of N market days' closes.
export type ConditionWhen = "price_above" | "price_below" | "change_up" | "change_down" | "ma_cross_above" | "ma_cross_below";

// A rule's stored definition: the fields of its kind (a rebalance's targets map symbol → percent).
export type RuleDefinition = Record<string, string | number | boolean | null | Record<string, Decimal>>;

// What a firing did; "none": a rebalance found every weight within a share of its target.
export type RuleAction = "alert" | "buy" | "sell" | "none";

export interface RuleThreshold {
  price: Decimal;
  direction: "up" | "down";
}

export interface Rule {
  id: string;
  name: string;
  kind: RuleKind;
  symbol: string;
  enabled: boolean;
  definition: RuleDefinition;
  thresholds: RuleThreshold[];
  firings: number;
  high_water: Decimal | null;
  created_at: string;
  updated_at: string;
  last_fired_at: string | null;
  last_outcome: "pending" | "placed" | "refused" | "alerted" | null;
  // Market time the engine first evaluated the rule (null: not yet).
  watching_since: string | null;
}

export interface RuleList {
  rules: Rule[];
}

export interface RuleFiring {
  id: string;
  seq: number;
  at: string;
  market_at: string | null;
  // The firing's own symbol: a rebalance's legs each name theirs.
  symbol: string;
  price: Decimal;
  action: RuleAction;
  qty: string | null;
  // A limit order's price (null: a market order, or no order).
  limit_price: Decimal | null;
  client_order_id: string | null;
  outcome: "pending" | "placed" | "refused" | "alerted";
  order_id: string | null;
  reason: string | null;
}

export interface RuleFiringList {
  firings: RuleFiring[];
  next_before: string | null;
}

export interface BacktestResult {
  symbol: string;
  kind: RuleKind;
  from: string;
  to: string;
  start_qty: string;
  end_qty: string;
  first_price: Decimal | null;
  last_price: Decimal | null;
  cash: Decimal;
  pnl: Decimal;
  thresholds: RuleThreshold[];
  // The window's prices, thinned to at most 500 (every firing's among them).
  prices: { t: string; p: Decimal }[];
  firings: {
    market_at: string;
    symbol: string;
    price: Decimal;
    action: RuleAction;
    qty: string | null;
    limit_price: Decimal | null;
    reason: string | null;
  }[];
}

// GET /api/insights?period=: the player's analytics over a period of market time. Money as
// decimal strings; returns, weights and statistics as plain numbers (fractions: 0.01 is 1%);
// null where a figure has no meaning, with the reason in why_null.
export interface InsightsContribution {
  symbol: string;
  pl: Decimal;
  contribution: number | null;
}

export interface Insights {
  period: LeaderboardPeriod;
  as_of: Time | null;
  period_start: Time | null;
  start: { time: Time; equity: Decimal; kind: "opening" | "previous_close" } | null;
  end: { time: Time; equity: Decimal } | null;
  index_symbol: string;
  returns: {
    time_weighted: number | null;
    money_weighted: number | null;
    cash_flows: number;
    money_weighted_basis?: string;
  };
  risk: {
    daily_returns: number;
    min_daily_returns: number;
    volatility: number | null;
    sharpe: number | null;
    sortino: number | null;
    beta: number | null;
    correlation: number | null;
  };
  drawdown: { max: number | null; peak_at: Time | null; trough_at: Time | null; recovered_at: Time | null };
  curve: { time: Time; equity: Decimal; index: Decimal | null; drawdown: number | null }[];
  contributions: InsightsContribution[];
  best: InsightsContribution | null;
  worst: InsightsContribution | null;
  pl: { realized: Decimal; unrealized: Decimal; realized_total: Decimal };
  trading: {
    fills: number;
    traded_value: Decimal;
    round_trips: number;
    wins: number;
    win_rate: number | null;
    average_hold_days: number | null;
    turnover: number | null;
  };
  allocation: {
    equity: Decimal;
    cash: Decimal;
    cash_weight: number;
    holdings: { symbol: string; name: string; sector: string; value: Decimal; weight: number }[];
    sectors: { sector: string; value: Decimal; weight: number }[];
  };
  why_null: Record<string, string>;
}
