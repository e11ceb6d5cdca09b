-- Each account's equity at the end of each market day (issue 11's Sharpe ranking): the last
-- snapshot of the day in market time. Kept by a statement trigger on equity_snapshots, so every
-- writer of snapshots keeps it, and the leaderboard reads one row per account and market day
-- instead of every snapshot (a minute's snapshots leave about five per market day).
create table equity_days (
  account_id bigint not null references accounts (id),
  market_day date not null,
  market_at  timestamptz not null,  -- the snapshot's market time: a later one replaces it
  equity_e4  bigint not null,
  primary key (account_id, market_day)
);

create function equity_days_from_snapshots() returns trigger language plpgsql as $$
begin
  insert into equity_days (account_id, market_day, market_at, equity_e4)
  select distinct on (account_id, (market_at at time zone 'UTC')::date)
         account_id, (market_at at time zone 'UTC')::date, market_at, equity_e4
    from new_rows where market_at is not null
   order by account_id, (market_at at time zone 'UTC')::date, market_at desc
  on conflict (account_id, market_day) do update
     set market_at = excluded.market_at, equity_e4 = excluded.equity_e4
   where equity_days.market_at <= excluded.market_at;
  return null;
end $$;

create trigger equity_days_keep after insert on equity_snapshots
  referencing new table as new_rows for each statement
  execute function equity_days_from_snapshots();

-- The snapshots taken before this migration.
insert into equity_days (account_id, market_day, market_at, equity_e4)
select distinct on (account_id, (market_at at time zone 'UTC')::date)
       account_id, (market_at at time zone 'UTC')::date, market_at, equity_e4
  from equity_snapshots where market_at is not null
 order by account_id, (market_at at time zone 'UTC')::date, market_at desc;
