-- Trading: accounts with exact cash, an append-only double-entry ledger that is the only way
-- balances change, orders, fills, positions, API keys, equity snapshots and watchlists.
--
-- Money is bigint ten-thousandths of a dollar (*_e4), quantities are whole shares.
-- The ledger is a list of transfers: each row moves `amount` of one asset (USD or a symbol)
-- from one account to another, so every row balances by construction and the sum of any asset
-- over all accounts is always zero. The treasury is where grants come from (its balance is
-- minus all cash ever granted); the house is the market that fills what no player takes.
-- Player balances (accounts.cash_e4, positions.qty) are kept by a trigger on the ledger, never
-- by the application, and CHECK constraints keep them from going negative even if code is
-- wrong. House and treasury balances exist only as ledger sums (no hot row to lock).

create table accounts (
  id             bigserial primary key,
  uuid           uuid not null unique default gen_random_uuid(),
  user_id        bigint unique references users (id) on delete restrict,
  kind           text not null check (kind in ('player', 'house', 'treasury')),
  cash_e4        bigint not null default 0 check (cash_e4 >= 0),
  -- What open buy orders hold back: never more than the cash.
  reserved_e4    bigint not null default 0 check (reserved_e4 >= 0 and reserved_e4 <= cash_e4),
  realized_pl_e4 bigint not null default 0,
  created_at     timestamptz not null default now(),
  check ((kind = 'player') = (user_id is not null)),
  check (kind = 'player' or (cash_e4 = 0 and reserved_e4 = 0))
);
create unique index accounts_one_house on accounts (kind) where kind in ('house', 'treasury');
insert into accounts (kind) values ('treasury'), ('house');

create table positions (
  account_id     bigint not null references accounts (id),
  symbol         text not null references instruments (symbol),
  qty            bigint not null default 0 check (qty >= 0),
  -- Shares open sell orders hold back.
  reserved_qty   bigint not null default 0 check (reserved_qty >= 0 and reserved_qty <= qty),
  -- Cost of the shares held (average entry price × qty), and P&L realized by sells.
  cost_e4        bigint not null default 0 check (cost_e4 >= 0),
  realized_pl_e4 bigint not null default 0,
  primary key (account_id, symbol)
);

create table orders (
  id                 uuid primary key default gen_random_uuid(),
  seq                bigserial not null unique,  -- arrival order: time priority in the book
  account_id         bigint not null references accounts (id),
  client_order_id    text not null check (length(client_order_id) between 1 and 128),
  -- The request's fields: a retry must match them, a reuse with other fields is refused.
  fingerprint        text not null,
  symbol             text not null references instruments (symbol),
  side               text not null check (side in ('buy', 'sell')),
  type               text not null
                       check (type in ('market', 'limit', 'stop', 'stop_limit', 'trailing_stop')),
  time_in_force      text not null check (time_in_force in ('day', 'gtc', 'ioc', 'fok')),
  qty                bigint not null check (qty > 0),
  filled_qty         bigint not null default 0 check (filled_qty >= 0 and filled_qty <= qty),
  filled_notional_e4 bigint not null default 0 check (filled_notional_e4 >= 0),
  limit_e4           bigint check (limit_e4 > 0),
  stop_e4            bigint check (stop_e4 > 0),
  trail_price_e4     bigint check (trail_price_e4 > 0),
  trail_ppm          bigint check (trail_ppm > 0 and trail_ppm < 1000000),
  hwm_e4             bigint,
  -- Buys: cash held back per open share (the account's reserved_e4 includes it).
  reserve_price_e4   bigint not null default 0 check (reserve_price_e4 >= 0),
  -- Stops: true once triggered (a triggered stop-limit rests in the book as a limit).
  triggered          boolean not null default false,
  status             text not null check (status in ('new', 'partially_filled', 'filled',
                       'canceled', 'expired', 'replaced', 'rejected')),
  -- The simulated trading day the order was placed on: day orders expire after it.
  market_day         date not null,
  submitted_at       timestamptz not null default now(),
  updated_at         timestamptz not null default now(),
  filled_at          timestamptz,
  canceled_at        timestamptz,
  expired_at         timestamptz,
  replaced_at        timestamptz,
  failed_at          timestamptz,
  replaces           uuid references orders (id),
  replaced_by        uuid references orders (id),
  unique (account_id, client_order_id),
  check ((type in ('limit', 'stop_limit')) = (limit_e4 is not null)),
  check ((type in ('stop', 'stop_limit')) = (stop_e4 is not null)),
  check (type = 'trailing_stop' or (trail_price_e4 is null and trail_ppm is null)),
  check (type <> 'trailing_stop' or ((trail_price_e4 is null) <> (trail_ppm is null)))
);
-- The book and the tick scan read only open orders of one symbol.
create index orders_open on orders (symbol, side, limit_e4, seq)
  where status in ('new', 'partially_filled');
create index orders_account on orders (account_id, submitted_at, seq);

create table fills (
  id         bigserial primary key,
  at         timestamptz not null default now(),
  symbol     text not null references instruments (symbol),
  price_e4   bigint not null check (price_e4 > 0),
  qty        bigint not null check (qty > 0),
  buy_order  uuid references orders (id),  -- null: the house bought
  sell_order uuid references orders (id),  -- null: the house sold
  check (buy_order is not null or sell_order is not null)
);
create index fills_buy_order on fills (buy_order, id);
create index fills_sell_order on fills (sell_order, id);

create table ledger (
  id            bigserial primary key,
  at            timestamptz not null default now(),
  kind          text not null check (kind in ('grant', 'fill')),
  from_account  bigint not null references accounts (id),
  to_account    bigint not null references accounts (id),
  asset         text not null check (asset = 'USD' or asset ~ '^[A-Z0-9.^]{1,12}$'),
  amount        bigint not null check (amount > 0),  -- USD: e4 dollars; a symbol: shares
  fill_id       bigint references fills (id),
  check (from_account <> to_account),
  check ((kind = 'fill') = (fill_id is not null))
);
create index ledger_fill on ledger (fill_id);

-- Applies one transfer to the player balances it touches. A transfer that would take a
-- player's cash or shares below zero (or below what is reserved) fails its CHECK and aborts the
-- whole transaction.
create function ledger_apply() returns trigger language plpgsql as $$
begin
  if new.asset = 'USD' then
    update accounts set cash_e4 = cash_e4 - new.amount
      where id = new.from_account and kind = 'player';
    update accounts set cash_e4 = cash_e4 + new.amount
      where id = new.to_account and kind = 'player';
  else
    update positions set qty = qty - new.amount
      where account_id = new.from_account and symbol = new.asset;
    if not found and exists (select 1 from accounts where id = new.from_account and kind = 'player') then
      raise exception 'ledger: account % holds no %', new.from_account, new.asset
        using errcode = 'check_violation';
    end if;
    insert into positions (account_id, symbol, qty)
      select new.to_account, new.asset, new.amount
      from accounts where id = new.to_account and kind = 'player'
      on conflict (account_id, symbol) do update set qty = positions.qty + excluded.qty;
  end if;
  return null;
end $$;
create trigger ledger_apply after insert on ledger for each row execute function ledger_apply();

-- Append-only, for every role, the owner included.
create function ledger_append_only() returns trigger language plpgsql as $$
begin
  raise exception 'ledger rows are append-only' using errcode = 'insufficient_privilege';
end $$;
create trigger ledger_no_update before update or delete on ledger
  for each row execute function ledger_append_only();
create trigger ledger_no_truncate before truncate on ledger
  for each statement execute function ledger_append_only();
revoke update, delete, truncate on ledger from public;

create table api_keys (
  id           bigserial primary key,
  user_id      bigint not null references users (id) on delete cascade,
  key_id       text not null unique,
  secret_hash  bytea not null check (length(secret_hash) = 32),  -- SHA-256 of a 256-bit secret
  name         text not null check (length(name) between 1 and 40),
  created_at   timestamptz not null default now(),
  last_used_at timestamptz,
  revoked_at   timestamptz
);
create index api_keys_user on api_keys (user_id);

-- Equity over time for the portfolio history.
create table equity_snapshots (
  account_id bigint not null references accounts (id),
  at         timestamptz not null,
  equity_e4  bigint not null,
  primary key (account_id, at)
);

create table watchlists (
  id         uuid primary key default gen_random_uuid(),
  account_id bigint not null references accounts (id),
  name       text not null check (length(name) between 1 and 64),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (account_id, name)
);
create table watchlist_items (
  watchlist_id uuid not null references watchlists (id) on delete cascade,
  symbol       text not null references instruments (symbol),
  added_at     timestamptz not null default now(),
  primary key (watchlist_id, symbol)
);

-- The player's equity when the session first asked for its account: the header shows the
-- change since signing in.
alter table sessions add column login_equity_e4 bigint;
