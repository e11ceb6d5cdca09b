-- "Since you were away" (issue 11): each player's visits, and the prices at every equity
-- snapshot.
--
-- A visit is a run of the player's requests with the session cookie (any session, any
-- instance) with no gap longer than 30 minutes; API keys are programs, not the player, and do
-- not count. One row per player: the visit going on (or the last one), and where the one before
-- it ended, which is what the header's change and the summary card are measured from. Each
-- instant is kept twice: on the sessions' clock (`_at`: the gap rule, what the player is shown;
-- tests move that clock) and on the database's (`_db`: compared with the times the database
-- stamps, equity snapshots and fills). `version` counts the writes, so two requests that start
-- a visit at once start it only once.
create table user_visits (
  user_id        bigint primary key references users (id) on delete cascade,
  started_at     timestamptz not null,
  started_db     timestamptz not null,
  last_active_at timestamptz not null,
  last_active_db timestamptz not null,
  away_from_at   timestamptz,  -- the previous visit's end; null: this is the first
  away_from_db   timestamptz,
  dismissed      boolean not null default false,  -- the summary card, for this visit
  version        bigint not null default 0
);

-- Players who signed in before this: their last known activity ends their visit so far.
insert into user_visits (user_id, started_at, started_db, last_active_at, last_active_db)
select u.id, u.last_login_at, u.last_login_at, a.at, a.at
from users u cross join lateral (
  select greatest(u.last_login_at, max(s.last_seen_at)) as at from sessions s where s.user_id = u.id
) a
where u.last_login_at is not null;

-- Every symbol's price at each equity snapshot (written with them, at the same instant), so the
-- summary's moves of a player's holdings are measured between the same two instants as its
-- equity.
create table price_snapshots (
  symbol   text not null references instruments (symbol),
  at       timestamptz not null,
  price_e4 bigint not null check (price_e4 > 0),
  primary key (symbol, at)
);
