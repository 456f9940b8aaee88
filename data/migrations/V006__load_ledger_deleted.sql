-- How many rows a load deleted ("absent_keys": "delete": the object's earlier rows whose key its
-- new version no longer holds).
ALTER TABLE public.load_ledger ADD COLUMN IF NOT EXISTS rows_deleted bigint NOT NULL DEFAULT 0;
