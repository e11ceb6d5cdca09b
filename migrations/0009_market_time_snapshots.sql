-- Equity snapshots in market time too (issue 11's leaderboard): its periods (day, week, month)
-- are the market's, the replay's days, not the wall clock's. Snapshots taken before this have
-- none and count only for the "all" period's start.
alter table equity_snapshots add column market_at timestamptz;
create index equity_snapshots_market on equity_snapshots (account_id, market_at);
-- An account's starting grant, found without reading the whole ledger: the "all" period's
-- return starts from it.
create index ledger_grants on ledger (to_account) where kind = 'grant';
