-- The home feed (issue 11): its newest players, read every few seconds, come from an index
-- rather than a sort of every user. People only: the simulated traders all join at start-up
-- and would crowd the list out.
create index users_newest on users (created_at desc, id desc)
  where status = 'active' and bot_strategy is null;
