-- The ledger's balances applied once per statement instead of once per row (issue 10): a batch
-- of orders writes all its fills' transfers in one statement, and the row trigger ran four or
-- five statements for each of them. The statement's transfers are netted per player account
-- (cash) and per player account and symbol (shares), then applied in one UPDATE and one upsert.
-- What holds is unchanged where it matters: the balances after each statement are exactly the
-- sum of the ledger, and a statement that would leave a player's cash or shares below zero (or
-- below what is reserved), or take shares from a player who holds none, fails its CHECK and
-- aborts the transaction. Only the order inside one statement no longer matters: its transfers
-- count together.

create function ledger_apply_statement() returns trigger language plpgsql as $$
begin
  update accounts a set cash_e4 = a.cash_e4 + n.net
    from (select account, sum(net)::bigint as net
            from (select from_account as account, -amount as net from added where asset = 'USD'
                  union all
                  select to_account, amount from added where asset = 'USD') t
           group by account) n
   where a.id = n.account and a.kind = 'player' and n.net <> 0;
  -- Positions held change by their net; one a player does not hold yet starts at the net it
  -- receives (a negative one, shares taken from a player who holds none, fails the CHECK on
  -- qty). Two steps, because a CHECK is tested on the row an upsert proposes before it finds
  -- the conflict.
  with n as (select account, symbol, sum(net)::bigint as net
               from (select from_account as account, asset as symbol, -amount as net
                       from added where asset <> 'USD'
                     union all
                     select to_account, asset, amount from added where asset <> 'USD') t
               join accounts a on a.id = t.account and a.kind = 'player'
              group by account, symbol
             having sum(net) <> 0),
       held as (update positions p set qty = p.qty + n.net from n
                 where p.account_id = n.account and p.symbol = n.symbol
                returning p.account_id, p.symbol)
  insert into positions (account_id, symbol, qty)
    select n.account, n.symbol, n.net from n
     where not exists (select 1 from held h where h.account_id = n.account and h.symbol = n.symbol);
  return null;
end $$;

drop trigger ledger_apply on ledger;
drop function ledger_apply();
create trigger ledger_apply after insert on ledger referencing new table as added
  for each statement execute function ledger_apply_statement();
