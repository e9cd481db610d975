-- 010: what the per-feed limits cut from an answer (PARALLAX_FEED_MAX_BYTES, _MAX_ITEMS).
-- body_cut: the answer was longer than the size limit; `body` holds its first bytes only, and
-- only the items that end in them are read. items_cut: items of the answer past the item limit,
-- counted but never parsed.
ALTER TABLE raw_fetches ADD COLUMN IF NOT EXISTS body_cut BOOLEAN DEFAULT false;
ALTER TABLE raw_fetches ADD COLUMN IF NOT EXISTS items_cut INTEGER DEFAULT 0;
