-- Every version of every region's parameter set ever loaded; never updated or deleted, so a decision can always be
-- explained with the version it used.
CREATE TABLE region_policy (
    version_id      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    region          text NOT NULL,
    effective_from  date NOT NULL,
    document        jsonb NOT NULL,
    loaded_by       text NOT NULL,
    loaded_at       timestamptz NOT NULL DEFAULT now(),
    UNIQUE (region, effective_from)
);
