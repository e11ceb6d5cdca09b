-- Hostile players (issue 9): every scan of the order flow and every read a player can ask for
-- becomes an index range bounded by what it is about, so no player's volume of orders or
-- history can slow the others down.
--
-- The tick scan reads only the orders the new prices can trigger: crossed resting limits,
-- crossed stops, crossed trailing stops, trailing stops whose water mark the price passed, and
-- day orders of an earlier day, each an index range of its own below. A trailing stop therefore
-- keeps its current stop level in a column (trail_stop_e4, shown as Alpaca's stop_price); it
-- changes only with the water mark.

alter table orders add column trail_stop_e4 bigint check (trail_stop_e4 > 0);
alter table orders add constraint orders_trail_stop_only_trailing
  check (type = 'trailing_stop' or trail_stop_e4 is null);

-- Open trailing stops placed before this migration get the level their water mark implies
-- (the same arithmetic as trading::trailing_stop_price: the distance truncated to e4).
update orders set trail_stop_e4 = case
    when side = 'sell' then greatest(1, hwm_e4 - coalesce(trail_price_e4,
                                      div(hwm_e4::numeric * trail_ppm, 1000000)::bigint))
    else hwm_e4 + coalesce(trail_price_e4, div(hwm_e4::numeric * trail_ppm, 1000000)::bigint)
  end
  where type = 'trailing_stop' and hwm_e4 is not null and status in ('new', 'partially_filled');

-- The book: resting limits and triggered stop-limits. Replaces orders_open, which also held
-- untriggered stop-limits, so a crossed-limit range could be padded with orders that cannot
-- trade.
create index orders_book on orders (symbol, side, limit_e4, seq)
  where status in ('new', 'partially_filled')
    and (type = 'limit' or (type = 'stop_limit' and triggered));
drop index orders_open;
create index orders_stops on orders (symbol, side, stop_e4)
  where status in ('new', 'partially_filled') and type in ('stop', 'stop_limit') and not triggered;
create index orders_trailing_stop on orders (symbol, side, trail_stop_e4)
  where status in ('new', 'partially_filled') and type = 'trailing_stop';
create index orders_trailing_mark on orders (symbol, side, hwm_e4)
  where status in ('new', 'partially_filled') and type = 'trailing_stop';
-- Trailing stops placed before their symbol had a price: the first tick sets their mark.
create index orders_trailing_unmarked on orders (symbol)
  where status in ('new', 'partially_filled') and type = 'trailing_stop' and hwm_e4 is null;
create index orders_day on orders (symbol, market_day)
  where status in ('new', 'partially_filled') and time_in_force = 'day';

-- One account's open orders (the open-order cap counts them; GET /v2/orders?status=open lists
-- them) and one account's orders of one symbol (GET /v2/orders?symbols=...).
create index orders_account_open on orders (account_id, submitted_at, seq)
  where status in ('new', 'partially_filled');
create index orders_account_symbol on orders (account_id, symbol, submitted_at, seq);

-- Fills name the accounts on each side, so a player's activities are an index range instead of
-- a join through every order the player ever placed, and carry each side's order's filled
-- quantity up to and including the fill (Alpaca's cum_qty), which was a sum over the order's
-- earlier fills per row. No foreign keys: buy_order and sell_order already tie each fill to its
-- orders, and two more checks per fill would cost the order path.
alter table fills add column buy_account bigint, add column sell_account bigint,
  add column buy_cum_qty bigint, add column sell_cum_qty bigint;
update fills f set buy_account = o.account_id from orders o where o.id = f.buy_order;
update fills f set sell_account = o.account_id from orders o where o.id = f.sell_order;
with c as (select id, sum(qty) over (partition by buy_order order by id) as cum from fills
           where buy_order is not null)
  update fills f set buy_cum_qty = c.cum from c where c.id = f.id;
with c as (select id, sum(qty) over (partition by sell_order order by id) as cum from fills
           where sell_order is not null)
  update fills f set sell_cum_qty = c.cum from c where c.id = f.id;
create index fills_buy_account on fills (buy_account, at, id) where buy_account is not null;
create index fills_sell_account on fills (sell_account, at, id) where sell_account is not null;
