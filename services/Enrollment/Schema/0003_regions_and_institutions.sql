-- The pooling region (统筹区) of each insurance period: a person's region is a fact of their record, never a caller's
-- claim. Periods recorded before regions were kept have none: eligibility refuses them until a clerk records one.
ALTER TABLE insurance_period ADD COLUMN region text NOT NULL DEFAULT '';
ALTER TABLE insurance_period ALTER COLUMN region DROP DEFAULT;

-- The designated-institution registry (定点医疗机构), kept by the fund centre. The current record per institution,
-- and every version of it (who changed it, when and why).
CREATE TABLE designated_institution (
    code                     text PRIMARY KEY,
    name                     text NOT NULL,
    region                   text NOT NULL,
    level                    int NOT NULL CHECK (level BETWEEN 1 AND 3),
    agreement_from           date NOT NULL,
    agreement_to             date,
    qualifications           jsonb NOT NULL,
    cross_region_settlement  boolean NOT NULL,
    revision                 bigint NOT NULL,
    updated_at               timestamptz NOT NULL,
    CHECK (agreement_to IS NULL OR agreement_to >= agreement_from)
);

CREATE TABLE institution_history (
    code        text NOT NULL REFERENCES designated_institution (code),
    revision    bigint NOT NULL,
    record      jsonb NOT NULL,
    reason      text NOT NULL,
    changed_by  text NOT NULL,
    changed_at  timestamptz NOT NULL,
    PRIMARY KEY (code, revision)
);
