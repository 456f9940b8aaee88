-- How long the object's GET lasted (it streams during parse, validation and COPY): a transfer
-- is bounded by its progress and the deadline, not by the HTTP client's request timeout.
ALTER TABLE public.load_ledger ADD COLUMN IF NOT EXISTS transfer_ms bigint NOT NULL DEFAULT 0;
