-- The prenatal quota belongs to the pregnancy, not to a registration: a registration cancelled and made again for the
-- same pregnancy (Prenatal gives both the same pregnancy id) uses the same quota. pregnancy_quota holds the cap and what
-- is used; quota_registration says which registrations point at it and whether each is open, in Prenatal's order
-- (state_version), so a close that arrives before its registration, or a reopening before the close, still ends right.
CREATE TABLE pregnancy_quota (
    pregnancy_id  uuid PRIMARY KEY,
    id_number     text NOT NULL,
    region        text NOT NULL,
    cap           numeric(12,2) NOT NULL,
    used          numeric(12,2) NOT NULL DEFAULT 0 CHECK (used >= 0),
    opened_at     timestamptz NOT NULL DEFAULT now()
);
INSERT INTO pregnancy_quota (pregnancy_id, id_number, region, cap, used, opened_at)
SELECT registration_id, id_number, region, cap, used, opened_at FROM prenatal_quota;

ALTER TABLE prenatal_quota RENAME TO quota_registration;
ALTER TABLE quota_registration ADD COLUMN pregnancy_id uuid;
UPDATE quota_registration SET pregnancy_id = registration_id;
ALTER TABLE quota_registration ALTER COLUMN pregnancy_id SET NOT NULL;
ALTER TABLE quota_registration ADD COLUMN state_version int NOT NULL DEFAULT 1;
ALTER TABLE quota_registration DROP COLUMN cap, DROP COLUMN used, DROP COLUMN region;
ALTER INDEX prenatal_quota_open_person RENAME TO quota_registration_open_person;

ALTER TABLE settlement ADD COLUMN pregnancy_id uuid;
UPDATE settlement SET pregnancy_id = registration_id;
CREATE INDEX settlement_pregnancy ON settlement (pregnancy_id) WHERE pregnancy_id IS NOT NULL;

-- A settlement's lines are read with their audit flags (a retry's answer, GetSettlement): find them by settlement.
CREATE INDEX audit_flag_settlement ON audit_flag (settlement_id, line_no);
