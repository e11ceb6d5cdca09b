// The names the web app gives the backend's JSON shapes. Each is taken from the schemas of
// docs/openapi.json, generated into lib/types.ts (`npm run types`; `npm run types:check` fails
// when it is stale), so a change of the API shows up here as a type error. Only what the
// document has no schema for is written by hand below. Money stays a decimal string.
import type { components } from "./types";

type Schemas = components["schemas"];

// ---- primitives ------------------------------------------------------------------------------
export type Decimal = Schemas["Decimal"];
export type Time = Schemas["Time"];

// ---- market ----------------------------------------------------------------------------------
export type InstrumentKind = Schemas["Stock"]["kind"];
export type Stock = Schemas["Stock"];
export type StockList = Schemas["StockList"];
export type StockDetail = Schemas["StockDetail"];
export type Interval = Schemas["CandleList"]["interval"];
export type Candle = Schemas["Candle"];
export type CandleList = Schemas["CandleList"];
export type Mover = Schemas["Mover"];
export type Movers = Schemas["Movers"];
export type MarketStatus = Schemas["MarketStatus"];
// The stream's `tick` event.
export type Tick = Schemas["TickEvent"];

// The home feed (GET /api/feed, and the stream's `feed` event carrying the same snapshot).
// Players are named only when they are bots or opted in; others are "Player #N" (or "A new
// player" before they trade) without a tag.
export type FeedParty = Schemas["FeedParty"];
export type FeedMover = Schemas["FeedMover"];
export type FeedWindow = Schemas["FeedWindow"];
export type SectorMove = Schemas["SectorMove"];
export type FeedTrade = Schemas["FeedTrade"];
export type FeedRanked = Schemas["FeedRanked"];
export type FeedHighlight = Schemas["FeedHighlight"];
export type FeedNewcomer = Schemas["FeedNewcomer"];
export type HomeFeed = Schemas["HomeFeed"];
export type SectorDetail = Schemas["SectorDetail"];

// Players' resting limit orders at one price, without identities, and the book they make.
export type BookLevel = Schemas["BookLevel"];
export type OrderBook = Schemas["OrderBook"];
// Who was on one side of a trade on the tape: players are never named.
export type TapeParty = Schemas["TapeParty"];
export type TapeTrade = Schemas["TapeTrade"];
export type TapePage = Schemas["TapePage"];
// The stream's `trade` event: a trade of the tape as it happens.
export type TapeEvent = Schemas["TradeEvent"];
export type Holder = Schemas["Holder"];
export type HoldersPage = Schemas["HoldersPage"];

// ---- accounts --------------------------------------------------------------------------------
export type Role = Schemas["Role"];
export type User = Schemas["User"];
export type Me = Schemas["Me"];
// Login and password change: the session changed, so the token did too.
export type SessionResponse = Schemas["Session"];

// GET /api/users/{tag}: what a player chose to publish.
export type ProfilePeriod = Schemas["Period"];
export type ProfileReturn = Schemas["ProfileReturn"];
export type ProfileTrade = Schemas["ProfileTrade"];
export type PublicProfile = Schemas["PublicProfile"];
export type PublicEquity = Schemas["PublicEquity"];

// ---- admin -----------------------------------------------------------------------------------
export type AccountStatus = Schemas["AdminUser"]["status"];
export type AdminUser = Schemas["AdminUser"];
export type AdminUserPage = Schemas["AdminUserPage"];
export type OutboxMessage = Schemas["OutboxMessage"];
export type OutboxPage = Schemas["OutboxPage"];
export type ErrorSource = Schemas["ErrorReport"]["source"];
export type ErrorReport = Schemas["ErrorReport"];
export type ErrorReportPage = Schemas["ErrorReportPage"];
export type HaltResponse = Schemas["Halt"];
export type AdminMetrics = Schemas["AdminMetrics"];
export type AdminFlag = Schemas["AdminFlag"];

// ---- trading ---------------------------------------------------------------------------------
export type Account = Schemas["Account"];
// GET /api/account/since-last-visit: what happened while the player was away.
export type AwayFill = Schemas["AwayFill"];
export type HoldingMove = Schemas["HoldingMove"];
export type SinceLastVisit = Schemas["SinceLastVisit"];
// The stream's `account` event. It has no previous_visit_equity: that stays what GET
// /v2/account said, which is what the header's change is measured against.
export type AccountEvent = Schemas["AccountEvent"];

export type OrderSide = Schemas["OrderSide"];
export type OrderType = Schemas["OrderType"];
export type TimeInForce = Schemas["TimeInForce"];
export type OrderStatus = Schemas["OrderStatus"];
export type Order = Schemas["Order"];
export type OrderRequest = Schemas["OrderRequest"];
export type OrderReplace = Schemas["OrderReplace"];
// DELETE /v2/orders answers 207 with one entry per open order.
export type CancelResult = Schemas["CancelResult"];
export type Position = Schemas["Position"];
export type Activity = Schemas["Activity"];
export type Asset = Schemas["Asset"];
// GET /v2/watchlists lists summaries; the other watchlist routes answer with the whole list.
export type WatchlistSummary = Schemas["WatchlistSummary"];
export type Watchlist = Schemas["Watchlist"];

// GET /v2/account/portfolio/history: the periods the web app asks for (the API takes any
// number of D, W, M or A), and the answer's parallel arrays.
export type HistoryPeriod = "1D" | "1W" | "1M" | "3M" | "1A" | "all";
export type HistoryTimeframe = Schemas["PortfolioHistory"]["timeframe"];
export type PortfolioHistory = Schemas["PortfolioHistory"];

// The stream's `trade_update` event and its kinds.
export type TradeEvent = Schemas["TradeUpdateEvent"]["event"];
export type TradeUpdate = Schemas["TradeUpdateEvent"];

// API keys for the Alpaca SDKs; the secret exists only in the answer that created the key.
export type ApiKey = Schemas["ApiKey"];
export type ApiKeyList = Schemas["ApiKeyList"];
export type NewApiKey = Schemas["NewApiKey"];

// ---- leaderboard -----------------------------------------------------------------------------
export type LeaderboardPeriod = Schemas["Period"];
export type LeaderboardMetric = Schemas["Leaderboard"]["metric"];
export type LeaderboardEntry = Schemas["LeaderboardEntry"];
export type Leaderboard = Schemas["Leaderboard"];

// ---- forecasts -------------------------------------------------------------------------------
export type ForecastModel = Schemas["ForecastModel"];
export type ForecastStep = Schemas["ForecastStep"];
export type ForecastScore = Schemas["ForecastScore"];
export type AccuracyRow = Schemas["AccuracyRow"];
export type ForecastPoint = Schemas["ForecastPoint"];
export type ModelForecast = Schemas["ModelForecast"];
export type SymbolForecast = Schemas["SymbolForecast"];
export type ForecastAccuracy = Schemas["ForecastAccuracy"];
export type PortfolioForecast = Schemas["PortfolioForecast"];

// ---- trading actions (rules) -----------------------------------------------------------------
export type RuleKind = Schemas["RuleKind"];
// What a condition rule watches: the price against a level, the change from the previous
// market day's last price, or the price against its moving average of N market days' closes.
export type ConditionWhen = Schemas["ConditionWhen"];
export type RuleDefinition = Schemas["RuleDefinition"];
// What a firing did; "none": a rebalance found every weight within a share of its target.
export type RuleAction = Schemas["RuleAction"];
export type RuleThreshold = Schemas["RuleThreshold"];
export type Rule = Schemas["Rule"];
export type RuleList = Schemas["RuleList"];
export type RuleFiring = Schemas["RuleFiring"];
export type RuleFiringList = Schemas["RuleFiringList"];
export type BacktestResult = Schemas["BacktestResult"];

// ---- analytics -------------------------------------------------------------------------------
export type InsightsContribution = Schemas["InsightsContribution"];
export type Insights = Schemas["Insights"];
