-- One row per S3 object version the loader has finished with (loaded or rejected as a whole).
-- Its key makes a re-delivered or re-uploaded identical object a no-op.
CREATE TABLE IF NOT EXISTS public.load_ledger (
  bucket         text NOT NULL,
  object_key     text NOT NULL,
  version_id     text NOT NULL DEFAULT '',
  etag           text NOT NULL,
  dataset        text NOT NULL,
  status         text NOT NULL CHECK (status IN ('loaded', 'rejected')),
  reason         text,
  rows_read      bigint NOT NULL DEFAULT 0,
  rows_loaded    bigint NOT NULL DEFAULT 0,
  rows_changed   bigint NOT NULL DEFAULT 0,
  rows_rejected  bigint NOT NULL DEFAULT 0,
  bytes_read     bigint NOT NULL DEFAULT 0,
  rejects_key    text,
  duration_ms    bigint NOT NULL DEFAULT 0,
  finished_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (bucket, object_key, version_id, etag)
);
CREATE INDEX IF NOT EXISTS load_ledger_key_idx ON public.load_ledger (bucket, object_key, finished_at DESC);
