-- Simulated traders (issue 11). A bot is a user with a player account like anyone's, trading
-- through the same order path; the name of its strategy marks it (null for people). Bots never
-- sign in: their password hash is '!', which no verification accepts. Their tags start with
-- "bot_", which sign-up refuses to people.
alter table users add column bot_strategy text check (bot_strategy ~ '^[a-z_]{1,32}$');
