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
