-- sync-audiences' state (functions/apps/sync-audiences). Every user id here is COLLATE "C", so
-- PostgreSQL's order is byte order, the order the pass compares ids in C++.
-- What DynamoDB holds: one row per published user, its profile and the segments it is a member of.
CREATE TABLE IF NOT EXISTS public.dn_audience_published (
  user_id       text COLLATE "C" PRIMARY KEY,
  display_name  text NOT NULL,
  first_name    text,
  locale        text,
  time_zone     text,
  segments      text[] NOT NULL DEFAULT '{}'
);
-- The pass in progress (one row): cursor is the last user id done (NULL: no pass running, ''
-- a pass that has done nothing yet); requested counts triggers, started is the value of requested
-- the running (or last) pass began from, so requested > started means another pass is owed.
CREATE TABLE IF NOT EXISTS public.dn_audience_sync (
  id            integer PRIMARY KEY CHECK (id = 1),
  cursor        text COLLATE "C",
  requested     bigint NOT NULL DEFAULT 0,
  started       bigint NOT NULL DEFAULT 0,
  started_at    timestamptz,
  completed_at  timestamptz
);
INSERT INTO public.dn_audience_sync (id) VALUES (1) ON CONFLICT (id) DO NOTHING;
-- The keyset walk over users (WHERE user_id COLLATE "C" > $1 ORDER BY user_id COLLATE "C") is a
-- range scan of this index; the primary key's own collation may order differently.
CREATE INDEX IF NOT EXISTS users_user_id_c_idx ON public.users (user_id COLLATE "C");
