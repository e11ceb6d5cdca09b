-- Trading actions (issue 12): rules a player defines, evaluated on ticks by the cluster's
-- leader, and the append-only log of their firings. A rule's definition is `params` (checked by
-- trading/rules.hpp before it is stored); `state` is what its evaluation carries from tick to
-- tick (a trailing exit's high-water mark, a recurring buy's last market day, the number of
-- firings, from which each firing's client_order_id is derived). A deleted rule is kept, marked
-- deleted, so its log stays readable and its ids are never reused.
create table rules (
  id          bigserial primary key,
  user_id     bigint not null references users (id) on delete cascade,
  account_id  bigint not null references accounts (id),
  name        text not null check (length(name) between 1 and 80),
  kind        text not null check (kind in ('price_alert', 'stop_loss', 'take_profit',
                                            'trailing_exit', 'recurring_buy')),
  symbol      text not null references instruments (symbol),
  params      jsonb not null,
  state       jsonb not null default '{}',
  enabled     boolean not null default true,
  created_at  timestamptz not null default now(),
  updated_at  timestamptz not null default now(),
  deleted_at  timestamptz
);
create index rules_user on rules (user_id, id) where deleted_at is null;
create index rules_live on rules (symbol) where deleted_at is null and enabled;

-- One row per firing, never updated but for its outcome once the order path answered, and
-- never deleted. (rule_id, seq) is unique: a firing retried after a crash is the same firing,
-- and its order the same order (client_order_id 'rule-<id>-<seq>').
create table rule_firings (
  id              bigserial primary key,
  rule_id         bigint not null references rules (id),
  seq             bigint not null check (seq > 0),
  at              timestamptz not null default now(),
  market_at       timestamptz,
  price_e4        bigint not null check (price_e4 > 0),
  action          text not null check (action in ('alert', 'buy', 'sell')),
  qty             bigint check (qty > 0),
  client_order_id text,
  -- pending: the order is on its way; placed / refused: its answer; alerted: no order to place.
  outcome         text not null check (outcome in ('pending', 'placed', 'refused', 'alerted')),
  order_id        uuid references orders (id),
  reason          text,
  unique (rule_id, seq)
);
create index rule_firings_pending on rule_firings (id) where outcome = 'pending';

-- Append-only: a firing's outcome is set once, from pending; nothing else changes and nothing
-- is deleted.
create function rule_firings_append_only() returns trigger language plpgsql as $$
begin
  if tg_op = 'DELETE' then
    raise exception 'rule_firings is append-only';
  end if;
  if old.outcome <> 'pending' or new.rule_id <> old.rule_id or new.seq <> old.seq
     or new.at <> old.at or new.price_e4 <> old.price_e4 or new.action <> old.action then
    raise exception 'rule_firings is append-only';
  end if;
  return new;
end $$;
create trigger rule_firings_append_only before update or delete on rule_firings
  for each row execute function rule_firings_append_only();
