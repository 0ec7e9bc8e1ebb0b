-- One row: a replica that could not drop changed answers from the shared cache raises it, every replica watches it and
-- orphans the cache's answers (a new cache generation) before reading the cache again, and the first to do so clears it.
CREATE TABLE eligibility_cache_suspicion (
    singleton  boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    raised     bigint NOT NULL DEFAULT 0,
    cleared    bigint NOT NULL DEFAULT 0,
    raised_at  timestamptz
);
INSERT INTO eligibility_cache_suspicion DEFAULT VALUES;
