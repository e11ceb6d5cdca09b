-- One engine per cluster (issue 10): the leader's feed steps, relayed to the other instances.
-- The leader inserts each step (its ids first_seq..last_seq, the ticks and the event data as
-- one JSON array) and notifies marketsim_ticks in the same statement, before any client sees
-- the step; followers read the rows after the last id they applied. The table is also where a
-- new leader finds the last id and market time the cluster published, flushed or not. Rows
-- are deleted once price_history holds their ticks (and a minute has passed).
create table tick_relay (
  first_seq  bigint primary key,
  last_seq   bigint not null unique check (last_seq >= first_seq),
  market_ms  bigint not null,
  ticks      text not null,
  created_at timestamptz not null default now()
);
