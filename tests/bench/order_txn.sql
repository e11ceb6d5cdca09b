-- pgbench custom script: the SQL of marketsim's order transaction for a market order of one
-- share filled by the house (src/db/orders.cpp, place_order), statement for statement,
-- so that scripts/bench can compare the HTTP order rate with what PostgreSQL alone sustains on
-- the same database, at the same concurrency, in the same run. Run it with -M extended (like
-- libpqxx's exec_params: an unnamed statement per query, values as parameters) and -n.
--
-- Each client alternates buy and sell (like each HTTP client of tests/bench/orders.mjs) as the
-- player account first_account + client_id % accounts, so every account's position stays
-- within one share of what setup gave it. The sequence:
--   lock_symbol; client_order_id lookup (a fresh id: no row) (read_house is cached);
--   execute: the book query (players' resting orders that could trade: none), lock_accounts,
--     read_position (sells), insert into orders, record_trade (insert into fills; sells: the
--     position's cost basis and realized P&L, the account's realized P&L; the two ledger
--     transfers, applied to the balances by the ledger trigger; buys: the position's cost),
--     the order's own row update;
--   load_order; send_events (load_order, pg_notify "new", the position's qty, pg_notify fill);
--   COMMIT.
-- Differences, all minor: lock_accounts binds array[id] instead of the text '{id}'; the house
-- and treasury ids, the fixed price and the payload of the notifications come from -D variables
-- or literals instead of the C++ (the payloads have the same shape and about the same size;
-- ": null" and ": false" carry a space, since pgbench would read ":null" as a variable).
--
-- Variables (pgbench -D): n=0 (the per-client counter), run (unique per pgbench invocation,
-- it keeps client_order_ids unique), first_account, accounts, house, symbol, ask and bid (the
-- house's prices, e4), day (YYYY-MM-DD), fp_buy and fp_sell (the order fingerprints
-- "SYM|1|buy|market|day|-|-|-|-"), side_buy=buy, side_sell=sell, type=market, tif=day,
-- filled=filled, zero=0, one=1.
\set n :n + 1
\set acct :first_account + (:client_id % :accounts)
\set cid :run * 10000000000 + :client_id * 100000000 + :n
\set buy :n % 2
BEGIN;
select halted from instruments where symbol = :symbol for update;
select o.id::text, o.seq, o.account_id, a.user_id, o.client_order_id, o.symbol, o.side, o.type, o.time_in_force, o.qty, o.filled_qty, o.filled_notional_e4, coalesce(o.limit_e4, 0), coalesce(o.stop_e4, 0), coalesce(o.trail_price_e4, 0), coalesce(o.trail_ppm, 0), coalesce(o.hwm_e4, 0), o.reserve_price_e4, o.triggered, o.status, o.market_day::text, (extract(epoch from o.submitted_at) * 1000)::bigint, (extract(epoch from o.updated_at) * 1000)::bigint, coalesce((extract(epoch from o.filled_at) * 1000)::bigint, -1), coalesce((extract(epoch from o.canceled_at) * 1000)::bigint, -1), coalesce((extract(epoch from o.expired_at) * 1000)::bigint, -1), coalesce((extract(epoch from o.replaced_at) * 1000)::bigint, -1), coalesce((extract(epoch from o.failed_at) * 1000)::bigint, -1), coalesce(o.replaces::text, ''), coalesce(o.replaced_by::text, '') from orders o join accounts a on a.id = o.account_id where o.account_id = :acct and o.client_order_id = :cid;
\if :buy
select o.id::text, o.account_id, o.limit_e4, o.qty - o.filled_qty, o.seq, o.reserve_price_e4, a.user_id from orders o join accounts a on a.id = o.account_id where o.symbol = :symbol and o.side = :side_sell and o.status in ('new', 'partially_filled') and (o.type = 'limit' or (o.type = 'stop_limit' and o.triggered)) and o.account_id <> :acct and o.limit_e4 <= :ask order by o.limit_e4 asc, o.seq limit 1000;
select id, cash_e4, reserved_e4 from accounts where id = any(array[:acct]::bigint[]) order by id for update;
insert into orders (account_id, client_order_id, fingerprint, symbol, side, type, time_in_force, qty, limit_e4, stop_e4, trail_price_e4, trail_ppm, reserve_price_e4, market_day, replaces, status) values (:acct, :cid, :fp_buy, :symbol, :side_buy, :type, :tif, :one, nullif(:zero, 0), nullif(:zero, 0), nullif(:zero, 0), nullif(:zero, 0), :zero, :day::date, nullif('', '')::uuid, 'new') returning id::text as order_id, seq as order_seq \gset
insert into fills (symbol, price_e4, qty, buy_order, sell_order, buy_account, sell_account, buy_cum_qty, sell_cum_qty) values (:symbol, :ask, :one, nullif(:order_id, '')::uuid, nullif('', '')::uuid, nullif(:acct, 0), nullif(:zero, 0), nullif(:one, 0), nullif(:zero, 0)) returning id \gset fill_
insert into ledger (kind, from_account, to_account, asset, amount, fill_id) values ('fill', :acct, :house, 'USD', :ask, :fill_id), ('fill', :house, :acct, :symbol, :one, :fill_id);
update positions set cost_e4 = cost_e4 + :ask where account_id = :acct and symbol = :symbol;
update orders set filled_qty = :one, filled_notional_e4 = filled_notional_e4 + :ask, status = :filled, reserve_price_e4 = :zero, updated_at = now(), filled_at = case when :filled = 'filled' then now() else filled_at end, canceled_at = case when :filled = 'canceled' then now() else canceled_at end where id = :order_id::uuid;
\else
select o.id::text, o.account_id, o.limit_e4, o.qty - o.filled_qty, o.seq, o.reserve_price_e4, a.user_id from orders o join accounts a on a.id = o.account_id where o.symbol = :symbol and o.side = :side_buy and o.status in ('new', 'partially_filled') and (o.type = 'limit' or (o.type = 'stop_limit' and o.triggered)) and o.account_id <> :acct and o.limit_e4 >= :bid order by o.limit_e4 desc, o.seq limit 1000;
select id, cash_e4, reserved_e4 from accounts where id = any(array[:acct]::bigint[]) order by id for update;
select qty, reserved_qty from positions where account_id = :acct and symbol = :symbol for update;
insert into orders (account_id, client_order_id, fingerprint, symbol, side, type, time_in_force, qty, limit_e4, stop_e4, trail_price_e4, trail_ppm, reserve_price_e4, market_day, replaces, status) values (:acct, :cid, :fp_sell, :symbol, :side_sell, :type, :tif, :one, nullif(:zero, 0), nullif(:zero, 0), nullif(:zero, 0), nullif(:zero, 0), :zero, :day::date, nullif('', '')::uuid, 'new') returning id::text as order_id, seq as order_seq \gset
insert into fills (symbol, price_e4, qty, buy_order, sell_order, buy_account, sell_account, buy_cum_qty, sell_cum_qty) values (:symbol, :bid, :one, nullif('', '')::uuid, nullif(:order_id, '')::uuid, nullif(:zero, 0), nullif(:acct, 0), nullif(:zero, 0), nullif(:one, 0)) returning id \gset fill_
select cost_e4, qty from positions where account_id = :acct and symbol = :symbol for update \gset pos_
\if :pos_qty <= 1
\set removed :pos_cost_e4
\else
\set removed (:pos_cost_e4 + :pos_qty / 2) / :pos_qty
\endif
\set realized :bid - :removed
update positions set cost_e4 = cost_e4 - :removed, realized_pl_e4 = realized_pl_e4 + :realized where account_id = :acct and symbol = :symbol;
update accounts set realized_pl_e4 = realized_pl_e4 + :realized where id = :acct;
insert into ledger (kind, from_account, to_account, asset, amount, fill_id) values ('fill', :house, :acct, 'USD', :bid, :fill_id), ('fill', :acct, :house, :symbol, :one, :fill_id);
update orders set filled_qty = :one, filled_notional_e4 = filled_notional_e4 + :bid, status = :filled, reserve_price_e4 = :zero, updated_at = now(), filled_at = case when :filled = 'filled' then now() else filled_at end, canceled_at = case when :filled = 'canceled' then now() else canceled_at end where id = :order_id::uuid;
\endif
select o.id::text, o.seq, o.account_id, a.user_id, o.client_order_id, o.symbol, o.side, o.type, o.time_in_force, o.qty, o.filled_qty, o.filled_notional_e4, coalesce(o.limit_e4, 0), coalesce(o.stop_e4, 0), coalesce(o.trail_price_e4, 0), coalesce(o.trail_ppm, 0), coalesce(o.hwm_e4, 0), o.reserve_price_e4, o.triggered, o.status, o.market_day::text, (extract(epoch from o.submitted_at) * 1000)::bigint, (extract(epoch from o.updated_at) * 1000)::bigint, coalesce((extract(epoch from o.filled_at) * 1000)::bigint, -1), coalesce((extract(epoch from o.canceled_at) * 1000)::bigint, -1), coalesce((extract(epoch from o.expired_at) * 1000)::bigint, -1), coalesce((extract(epoch from o.replaced_at) * 1000)::bigint, -1), coalesce((extract(epoch from o.failed_at) * 1000)::bigint, -1), coalesce(o.replaces::text, ''), coalesce(o.replaced_by::text, '') from orders o join accounts a on a.id = o.account_id where o.id = :order_id::uuid;
select o.id::text, o.seq, o.account_id, a.user_id, o.client_order_id, o.symbol, o.side, o.type, o.time_in_force, o.qty, o.filled_qty, o.filled_notional_e4, coalesce(o.limit_e4, 0), coalesce(o.stop_e4, 0), coalesce(o.trail_price_e4, 0), coalesce(o.trail_ppm, 0), coalesce(o.hwm_e4, 0), o.reserve_price_e4, o.triggered, o.status, o.market_day::text, (extract(epoch from o.submitted_at) * 1000)::bigint, (extract(epoch from o.updated_at) * 1000)::bigint, coalesce((extract(epoch from o.filled_at) * 1000)::bigint, -1), coalesce((extract(epoch from o.canceled_at) * 1000)::bigint, -1), coalesce((extract(epoch from o.expired_at) * 1000)::bigint, -1), coalesce((extract(epoch from o.replaced_at) * 1000)::bigint, -1), coalesce((extract(epoch from o.failed_at) * 1000)::bigint, -1), coalesce(o.replaces::text, ''), coalesce(o.replaced_by::text, '') from orders o join accounts a on a.id = o.account_id where o.id = :order_id::uuid;
select pg_notify('marketsim_trades', '{"data":{"event":"new","order":{"asset_class":"us_equity","asset_id":"5a1c4e1e-0d3f-5b8e-9f55-7c1c2b5d9e0a","canceled_at": null,"client_order_id":"' || :cid || '","created_at":"2026-01-02T15:04:05.123Z","expired_at": null,"extended_hours": false,"failed_at": null,"filled_at":"2026-01-02T15:04:05.123Z","filled_avg_price":"100.01","filled_qty":"1","hwm": null,"id":"' || :order_id || '","legs": null,"limit_price": null,"notional": null,"order_class":"","order_type":"market","qty":"1","replaced_at": null,"replaced_by": null,"replaces": null,"side":"buy","status":"filled","stop_price": null,"submitted_at":"2026-01-02T15:04:05.123Z","symbol":"AAPL","time_in_force":"day","trail_percent": null,"trail_price": null,"type":"market","updated_at":"2026-01-02T15:04:05.123Z"},"timestamp":"2026-01-02T15:04:05.123Z"},"event":"trade_update","user":' || :acct || '}');
select coalesce((select qty from positions where account_id = :acct and symbol = :symbol), 0);
select pg_notify('marketsim_trades', '{"data":{"event":"fill","order":{"asset_class":"us_equity","asset_id":"5a1c4e1e-0d3f-5b8e-9f55-7c1c2b5d9e0a","canceled_at": null,"client_order_id":"' || :cid || '","created_at":"2026-01-02T15:04:05.123Z","expired_at": null,"extended_hours": false,"failed_at": null,"filled_at":"2026-01-02T15:04:05.123Z","filled_avg_price":"100.01","filled_qty":"1","hwm": null,"id":"' || :order_id || '","legs": null,"limit_price": null,"notional": null,"order_class":"","order_type":"market","qty":"1","replaced_at": null,"replaced_by": null,"replaces": null,"side":"buy","status":"filled","stop_price": null,"submitted_at":"2026-01-02T15:04:05.123Z","symbol":"AAPL","time_in_force":"day","trail_percent": null,"trail_price": null,"type":"market","updated_at":"2026-01-02T15:04:05.123Z"},"price":"100.01","qty":"1","position_qty":"400","timestamp":"2026-01-02T15:04:05.123Z"},"event":"trade_update","user":' || :acct || '}');
COMMIT;
