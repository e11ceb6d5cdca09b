-- The stock page's market activity (issue 11): a time-and-sales tape and the top holders.
-- Each fill now says which side took it (the incoming order's side; for a resting limit the
-- market crossed, the house's) and the market's time it happened at (the replay's clock, not
-- the wall clock). Fills before this have neither.
alter table fills add column taker text check (taker in ('buy', 'sell')),
  add column market_at timestamptz;
-- The tape: a symbol's newest fills, and the one before a new fill (the live event names it so
-- a client notices a gap).
create index fills_symbol on fills (symbol, id);
-- The holders of a symbol. On the symbol alone, which never changes: an index on qty would cost
-- every fill its HOT update of the position.
create index positions_symbol on positions (symbol);
