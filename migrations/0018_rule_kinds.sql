-- Trading actions, second part (issue 12): rebalances and condition rules. A rebalance watches
-- several symbols (rules.symbol is its first target; params.targets lists them all) and one of
-- its firings places an order per symbol, so each firing now names its order's symbol, and a
-- condition's limit order its limit (a new leader retries a pending firing from its row alone).
-- A firing may also be `none`: a rebalance that found less than a whole share to trade.
alter table rules drop constraint rules_kind_check;
alter table rules add constraint rules_kind_check check (kind in ('price_alert', 'stop_loss',
  'take_profit', 'trailing_exit', 'recurring_buy', 'rebalance', 'condition'));

alter table rule_firings drop constraint rule_firings_action_check;
alter table rule_firings add constraint rule_firings_action_check
  check (action in ('alert', 'buy', 'sell', 'none'));
alter table rule_firings add column symbol text references instruments (symbol);
alter table rule_firings add column limit_e4 bigint check (limit_e4 > 0);

-- The firings so far were all of their rule's symbol. The append-only trigger is set aside for
-- this one backfill only.
alter table rule_firings disable trigger rule_firings_append_only;
update rule_firings f set symbol = r.symbol from rules r where r.id = f.rule_id;
alter table rule_firings enable trigger rule_firings_append_only;
alter table rule_firings alter column symbol set not null;

create or replace function rule_firings_append_only() returns trigger language plpgsql as $$
begin
  if tg_op = 'DELETE' then
    raise exception 'rule_firings is append-only';
  end if;
  if old.outcome <> 'pending' or new.rule_id <> old.rule_id or new.seq <> old.seq
     or new.at <> old.at or new.price_e4 <> old.price_e4 or new.action <> old.action
     or new.symbol <> old.symbol or new.limit_e4 is distinct from old.limit_e4 then
    raise exception 'rule_firings is append-only';
  end if;
  return new;
end $$;
