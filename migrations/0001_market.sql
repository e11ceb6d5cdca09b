-- The market catalog and the tick history.
create table instruments (
  symbol     text primary key check (symbol ~ '^[A-Z0-9.^]{1,12}$'),
  name       text not null,
  sector     text not null,
  kind       text not null check (kind in ('stock', 'index', 'simulated')),
  updated_at timestamptz not null default now()
);

-- Every tick the feed produced, exactly once: seq is the feed's global sequence number, which
-- is also the SSE event id. Written in batches with COPY by the history flusher.
create table price_history (
  seq    bigint primary key,
  symbol text not null references instruments (symbol),
  ts     timestamptz not null,
  price  numeric(20, 4) not null check (price > 0),
  volume bigint not null check (volume >= 0)
);

create index price_history_symbol_ts on price_history (symbol, ts, seq);
