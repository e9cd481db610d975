-- Every connection reads and writes timestamps in UTC, so dates (and so page bytes) never
-- depend on the host's time zone.
SET TimeZone = 'UTC'
