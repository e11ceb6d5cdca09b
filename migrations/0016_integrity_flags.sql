-- Anti-collusion flags (issue 11's leaderboard): the addresses players sign in from, and the
-- flags the leader's periodic integrity scan raises on accounts. The scan rewrites the flags
-- each time: one that no longer holds in its window is dropped, one that still holds keeps the
-- time it was first seen.
create table user_addresses (
  user_id  bigint not null references users (id) on delete cascade,
  address  text not null,
  first_at timestamptz not null default now(),
  last_at  timestamptz not null default now(),
  primary key (user_id, address)
);
create index user_addresses_address on user_addresses (address, last_at);

create table account_flags (
  account_id bigint not null references accounts (id),
  kind       text not null check (kind in ('wash_trading', 'off_market', 'shared_address')),
  detail     jsonb not null,
  first_seen timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  primary key (account_id, kind)
);
