"use client";
// The tab's one EventSource on /api/stream, shared by every component through context.
// It keeps the latest tick per symbol in a small store that components read with
// useSyncExternalStore, so a tick re-renders only what shows that symbol. The browser
// reconnects by itself (sending Last-Event-ID, so nothing is missed); when it gives up
// (an HTTP error such as 503 too_many_streams) we open a fresh stream with backoff and
// refetch, as we do on the server's `reset` event.
//
// A signed-in player's stream also carries `trade_update` (their orders: new, fills, cancels)
// and `account` (cash, buying power, equity) events, which the server attaches to the stream
// by its session cookie. So the stream waits for /me before it opens, and is reopened when the
// player signs in or out; components subscribe with useTradeUpdates and useAccountEvents.
// Every stream also carries the market's `trade` events (the tape: each fill of a symbol, by
// anyone), which components follow with useTape.
//
// Every stream also carries `feed` events: the home feed's whole new snapshot, put straight
// into SWR's cache for /api/feed, so whatever shows the feed re-renders without a request.

import {
  createContext,
  useCallback,
  useContext,
  useEffect,
  useEffectEvent,
  useMemo,
  useRef,
  useState,
  useSyncExternalStore,
  type ReactNode,
} from "react";
import { useSWRConfig } from "swr";
import { paths } from "./api";
import { useAuth } from "./auth";
import { isNewer } from "./format";
import type { AccountEvent, HomeFeed, TapeEvent, Tick, TradeUpdate } from "./models";

export type StreamStatus = "connecting" | "live" | "offline";

type Listener = () => void;
type TickListener = (tick: Tick) => void;
type TradeListener = (update: TradeUpdate) => void;
type AccountListener = (event: AccountEvent) => void;
type TapeListener = (trade: TapeEvent) => void;

class TickStore {
  private quotes = new Map<string, Tick>();
  private symbolListeners = new Map<string, Set<Listener>>();
  private tickListeners = new Set<TickListener>();
  private metaListeners = new Set<Listener>();
  private tradeListeners = new Set<TradeListener>();
  private accountListeners = new Set<AccountListener>();
  private tapeListeners = new Set<TapeListener>();
  private status: StreamStatus = "connecting";
  private latestTime: string | null = null;

  push(tick: Tick): void {
    this.quotes.set(tick.symbol, tick);
    this.symbolListeners.get(tick.symbol)?.forEach((fn) => fn());
    this.tickListeners.forEach((fn) => fn(tick));
    if (isNewer(tick.time, this.latestTime)) {
      this.latestTime = tick.time;
      this.metaListeners.forEach((fn) => fn());
    }
  }

  pushTrade(update: TradeUpdate): void {
    this.tradeListeners.forEach((fn) => fn(update));
  }

  pushAccount(event: AccountEvent): void {
    this.accountListeners.forEach((fn) => fn(event));
  }

  pushTape(trade: TapeEvent): void {
    this.tapeListeners.forEach((fn) => fn(trade));
  }

  subscribeTape(fn: TapeListener): () => void {
    this.tapeListeners.add(fn);
    return () => this.tapeListeners.delete(fn);
  }

  subscribeTrades(fn: TradeListener): () => void {
    this.tradeListeners.add(fn);
    return () => this.tradeListeners.delete(fn);
  }

  subscribeAccount(fn: AccountListener): () => void {
    this.accountListeners.add(fn);
    return () => this.accountListeners.delete(fn);
  }

  setStatus(next: StreamStatus): void {
    if (next === this.status) return;
    this.status = next;
    this.metaListeners.forEach((fn) => fn());
  }

  getStatus = (): StreamStatus => this.status;
  getLatestTime = (): string | null => this.latestTime;
  getQuote(symbol: string): Tick | undefined {
    return this.quotes.get(symbol);
  }

  subscribeSymbol(symbol: string, fn: Listener): () => void {
    let set = this.symbolListeners.get(symbol);
    if (!set) {
      set = new Set();
      this.symbolListeners.set(symbol, set);
    }
    set.add(fn);
    return () => {
      set.delete(fn);
      if (set.size === 0) this.symbolListeners.delete(symbol);
    };
  }

  subscribeTicks(fn: TickListener): () => void {
    this.tickListeners.add(fn);
    return () => this.tickListeners.delete(fn);
  }

  subscribeMeta = (fn: Listener): (() => void) => {
    this.metaListeners.add(fn);
    return () => this.metaListeners.delete(fn);
  };
}

const StreamContext = createContext<TickStore | null>(null);

function useStore(): TickStore {
  const store = useContext(StreamContext);
  if (!store) throw new Error("stream hooks must be used inside <StreamProvider>");
  return store;
}

function parseTick(data: string): Tick | null {
  try {
    const value = JSON.parse(data) as Partial<Tick>;
    if (typeof value.symbol !== "string" || typeof value.price !== "string") return null;
    if (typeof value.time !== "string") return null;
    return {
      symbol: value.symbol,
      price: value.price,
      time: value.time,
      volume: typeof value.volume === "number" ? value.volume : 0,
      change: typeof value.change === "string" ? value.change : "0",
      change_percent: typeof value.change_percent === "number" ? value.change_percent : 0,
      day_volume: typeof value.day_volume === "number" ? value.day_volume : 0,
    };
  } catch {
    return null;
  }
}

function parseTradeUpdate(data: string): TradeUpdate | null {
  try {
    const value = JSON.parse(data) as Partial<TradeUpdate>;
    if (typeof value.event !== "string" || !value.order || typeof value.order.id !== "string") return null;
    return value as TradeUpdate;
  } catch {
    return null;
  }
}

function parseTapeEvent(data: string): TapeEvent | null {
  try {
    const value = JSON.parse(data) as Partial<TapeEvent>;
    if (typeof value.symbol !== "string" || typeof value.id !== "number") return null;
    if (typeof value.price !== "string" || typeof value.qty !== "string") return null;
    return value as TapeEvent;
  } catch {
    return null;
  }
}

function parseFeed(data: string): HomeFeed | null {
  try {
    const value = JSON.parse(data) as Partial<HomeFeed>;
    if (!value.movers || !Array.isArray(value.sectors) || !value.leaderboard) return null;
    return value as HomeFeed;
  } catch {
    return null;
  }
}

function parseAccountEvent(data: string): AccountEvent | null {
  try {
    const value = JSON.parse(data) as Partial<AccountEvent>;
    const fields = ["cash", "buying_power", "equity", "long_market_value", "last_equity"] as const;
    // Only the figures that are present and are strings are taken; a field the server leaves
    // out keeps the value the page already has.
    const event: Partial<AccountEvent> = {};
    for (const field of fields) {
      if (typeof value[field] === "string") event[field] = value[field];
    }
    return Object.keys(event).length > 0 ? (event as AccountEvent) : null;
  } catch {
    return null;
  }
}

const MAX_BACKOFF_MS = 15_000;

export function StreamProvider({ children }: { children: ReactNode }) {
  const [store] = useState(() => new TickStore());
  const { mutate } = useSWRConfig();
  const { user, status: authStatus } = useAuth();
  // Whose stream this is: null while /me is loading (the stream would otherwise open anonymous
  // and be reopened a moment later), then the player or "anonymous" (also when /me failed).
  const identity = authStatus === "loading" ? null : user ? `user:${user.id}` : "anonymous";
  // Set once a stream has been opened: a later one (another identity) refetches what it missed.
  const opened = useRef(false);

  // Everything SWR holds may be stale after a gap the stream could not replay.
  const refetchAll = useEffectEvent(() => {
    void mutate(() => true);
  });

  // The home feed's new snapshot replaces the one fetched: no request needed.
  const putFeed = useEffectEvent((feed: HomeFeed) => {
    void mutate(paths.feed(), feed, { revalidate: false });
  });

  useEffect(() => {
    if (identity === null) return;
    let source: EventSource | null = null;
    let retryTimer: ReturnType<typeof setTimeout> | null = null;
    let attempt = 0;
    let refetchOnOpen = opened.current;
    let stopped = false;
    opened.current = true;

    const connect = () => {
      if (stopped) return;
      store.setStatus(attempt === 0 ? "connecting" : "offline");
      const es = new EventSource(paths.stream());
      source = es;
      es.onopen = () => {
        attempt = 0;
        store.setStatus("live");
        if (refetchOnOpen) {
          refetchOnOpen = false;
          refetchAll();
        }
      };
      es.addEventListener("tick", (event) => {
        const tick = parseTick((event as MessageEvent<string>).data);
        if (tick) store.push(tick);
      });
      es.addEventListener("trade_update", (event) => {
        const update = parseTradeUpdate((event as MessageEvent<string>).data);
        if (update) store.pushTrade(update);
      });
      es.addEventListener("trade", (event) => {
        const trade = parseTapeEvent((event as MessageEvent<string>).data);
        if (trade) store.pushTape(trade);
      });
      es.addEventListener("account", (event) => {
        const account = parseAccountEvent((event as MessageEvent<string>).data);
        if (account) store.pushAccount(account);
      });
      es.addEventListener("feed", (event) => {
        const feed = parseFeed((event as MessageEvent<string>).data);
        if (feed) putFeed(feed);
      });
      es.addEventListener("reset", () => refetchAll());
      es.onerror = () => {
        store.setStatus("offline");
        if (es.readyState !== EventSource.CLOSED) return; // the browser retries by itself
        es.close();
        // A new EventSource cannot send Last-Event-ID, so the gap is filled by refetching.
        refetchOnOpen = true;
        const delay = Math.min(MAX_BACKOFF_MS, 1000 * 2 ** attempt);
        attempt += 1;
        retryTimer = setTimeout(connect, delay);
      };
    };

    // Coming back online or to the tab: retry a stream that gave up without waiting out backoff.
    const retryNow = () => {
      if (source && source.readyState === EventSource.CLOSED && retryTimer) {
        clearTimeout(retryTimer);
        retryTimer = null;
        connect();
      }
    };

    connect();
    window.addEventListener("online", retryNow);
    document.addEventListener("visibilitychange", retryNow);
    return () => {
      stopped = true;
      window.removeEventListener("online", retryNow);
      document.removeEventListener("visibilitychange", retryNow);
      if (retryTimer) clearTimeout(retryTimer);
      source?.close();
    };
  }, [store, identity]);

  return <StreamContext.Provider value={store}>{children}</StreamContext.Provider>;
}

export function useStreamStatus(): StreamStatus {
  const store = useStore();
  return useSyncExternalStore(store.subscribeMeta, store.getStatus, () => "connecting");
}

export function useLatestMarketTime(): string | null {
  const store = useStore();
  return useSyncExternalStore(store.subscribeMeta, store.getLatestTime, () => null);
}

// The latest tick for one symbol, or undefined before the first one arrives.
export function useQuote(symbol: string): Tick | undefined {
  const store = useStore();
  const subscribe = useCallback(
    (listener: Listener) => store.subscribeSymbol(symbol, listener),
    [store, symbol],
  );
  return useSyncExternalStore(
    subscribe,
    () => store.getQuote(symbol),
    () => undefined,
  );
}

// Calls `onTick` for every tick of `symbol` (not only the latest), e.g. to extend a chart.
export function useTicks(symbol: string, onTick: (tick: Tick) => void): void {
  const store = useStore();
  const handle = useEffectEvent((tick: Tick) => {
    if (tick.symbol === symbol) onTick(tick);
  });
  useEffect(() => store.subscribeTicks((tick) => handle(tick)), [store]);
}

// The latest ticks of several symbols (those that have ticked), e.g. to value a portfolio live.
// The snapshot is a string of the symbols' latest tick times and prices, so React sees a change
// only when one of these symbols ticks, and the map is rebuilt only then.
export function useQuotes(symbols: readonly string[]): ReadonlyMap<string, Tick> {
  const store = useStore();
  const joined = symbols.join(",");
  const subscribe = useCallback(
    (listener: Listener) => {
      const unsubscribes = joined ? joined.split(",").map((symbol) => store.subscribeSymbol(symbol, listener)) : [];
      return () => unsubscribes.forEach((undo) => undo());
    },
    [store, joined],
  );
  const signature = useSyncExternalStore(
    subscribe,
    () =>
      joined
        .split(",")
        .map((symbol) => {
          const tick = symbol ? store.getQuote(symbol) : undefined;
          return tick ? `${tick.time}@${tick.price}` : "";
        })
        .join("|"),
    () => "",
  );
  return useMemo(() => {
    const map = new Map<string, Tick>();
    // `signature` only decides when to rebuild; the ticks themselves come from the store.
    void signature;
    for (const symbol of joined.split(",")) {
      const tick = symbol ? store.getQuote(symbol) : undefined;
      if (tick) map.set(symbol, tick);
    }
    return map;
  }, [store, joined, signature]);
}

// Calls `onUpdate` for every `trade_update` of the signed-in player (a new order, a fill, a
// cancel, an expiry...), e.g. to refetch orders or positions.
export function useTradeUpdates(onUpdate: (update: TradeUpdate) => void): void {
  const store = useStore();
  const handle = useEffectEvent((update: TradeUpdate) => onUpdate(update));
  useEffect(() => store.subscribeTrades((update) => handle(update)), [store]);
}

// Calls `onAccount` for every `account` event: the player's cash, buying power and equity.
export function useAccountEvents(onAccount: (event: AccountEvent) => void): void {
  const store = useStore();
  const handle = useEffectEvent((event: AccountEvent) => onAccount(event));
  useEffect(() => store.subscribeAccount((event) => handle(event)), [store]);
}

// Calls `onTrade` for every trade of `symbol` on the market's tape, by anyone.
export function useTape(symbol: string, onTrade: (trade: TapeEvent) => void): void {
  const store = useStore();
  const handle = useEffectEvent((trade: TapeEvent) => {
    if (trade.symbol === symbol) onTrade(trade);
  });
  useEffect(() => store.subscribeTape((trade) => handle(trade)), [store]);
}
