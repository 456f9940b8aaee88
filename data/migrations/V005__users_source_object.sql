-- "absent_keys": "delete" (data/contracts/users.json): the loader records which S3 object last
-- loaded each user, so that the next version of that object deletes the users it no longer
-- holds. Rows loaded before this column existed stay NULL (never deleted) until a load rewrites
-- them. The index serves the delete's dn_source_object = <key>.
ALTER TABLE public.users ADD COLUMN IF NOT EXISTS dn_source_object text;
CREATE INDEX IF NOT EXISTS users_dn_source_object_idx ON public.users (dn_source_object);
