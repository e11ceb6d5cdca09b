-- Password reset by mailed link: reset tokens live beside the sign-up links, hashed the same
-- way (SHA-256 of a 256-bit secret), single use, with their own expiry (one hour).
alter table email_tokens drop constraint email_tokens_purpose_check;
alter table email_tokens add constraint email_tokens_purpose_check
  check (purpose in ('verify', 'reset'));
