-- Accounts: users, sessions, one-time email tokens, the mail outbox, error reports, and the
-- trading halt flag on instruments. Times the application decides (session expiry, token
-- expiry) are written from its clock, so tests can move that clock.
create table users (
  id             bigserial primary key,
  email          text not null check (email = lower(email) and length(email) between 3 and 254),
  user_tag       text not null check (user_tag ~ '^[a-z0-9_]{3,20}$'),
  display_name   text not null check (length(display_name) between 1 and 40),
  password_hash  text not null,
  role           text not null default 'user' check (role in ('user', 'admin')),
  status         text not null default 'pending' check (status in ('pending', 'active', 'disabled')),
  public_profile boolean not null default false,
  created_at     timestamptz not null default now(),
  verified_at    timestamptz,
  last_login_at  timestamptz
);
create unique index users_email on users (email);
create unique index users_user_tag on users (user_tag);

-- The session id itself never reaches the database: only its SHA-256.
create table sessions (
  id_hash      bytea primary key check (length(id_hash) = 32),
  user_id      bigint not null references users (id) on delete cascade,
  -- The role the session was issued for: a change of role gets the session a new id.
  role         text not null check (role in ('user', 'admin')),
  created_at   timestamptz not null,
  last_seen_at timestamptz not null,
  expires_at   timestamptz not null
);
create index sessions_user on sessions (user_id);

create table email_tokens (
  token_hash bytea primary key check (length(token_hash) = 32),
  user_id    bigint not null references users (id) on delete cascade,
  purpose    text not null check (purpose in ('verify')),
  created_at timestamptz not null,
  expires_at timestamptz not null,
  used_at    timestamptz
);
create index email_tokens_user on email_tokens (user_id);

create table outbox (
  id         bigserial primary key,
  to_address text not null,
  subject    text not null,
  body       text not null,
  created_at timestamptz not null default now(),
  sent_at    timestamptz,
  attempts   int not null default 0,
  last_error text,
  -- A failed delivery is retried later and later (1 s, 2 s, 4 s ... up to an hour), 10 times.
  next_attempt_at timestamptz not null default now()
);
create index outbox_unsent on outbox (next_attempt_at) where sent_at is null;

create table error_reports (
  id         bigserial primary key,
  created_at timestamptz not null default now(),
  source     text not null check (source in ('client', 'server')),
  user_id    bigint references users (id) on delete set null,
  page       text not null default '',
  request_id text not null default '',
  message    text not null default '',
  report     jsonb not null
);
create index error_reports_source on error_reports (source, id);

alter table instruments add column halted boolean not null default false;
