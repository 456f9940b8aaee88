-- Target table of the users dataset (data/contracts/users.json). Column types match the
-- contract; the loader validates every value before COPY, so constraints here are the keys only.
CREATE TABLE IF NOT EXISTS public.users (
  user_id            text PRIMARY KEY,
  email              text NOT NULL,
  first_name         text,
  last_name          text,
  display_name       text NOT NULL,
  time_zone          text NOT NULL,
  locale             text,
  signup_date        date NOT NULL,
  last_login_at      timestamptz,
  marketing_opt_in   boolean NOT NULL,
  preferred_channel  text NOT NULL,
  digest_hour        integer,
  lifetime_value     numeric(12, 2),
  loaded_at          timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX IF NOT EXISTS users_email_key ON public.users (email);
