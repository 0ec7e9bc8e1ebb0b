-- The pregnancy a registration is for: a registration cancelled and made again for the same pregnancy keeps it, so the
-- prenatal quota (kept by Claims per pregnancy) is not opened twice. state_version counts a registration's changes so
-- consumers apply them in order whatever order the events arrive in. ended_by is the settlement that ended it.
ALTER TABLE prenatal_registration ADD COLUMN pregnancy_id uuid;
UPDATE prenatal_registration SET pregnancy_id = registration_id;
ALTER TABLE prenatal_registration ALTER COLUMN pregnancy_id SET NOT NULL;
ALTER TABLE prenatal_registration ADD COLUMN state_version int NOT NULL DEFAULT 1;
ALTER TABLE prenatal_registration ADD COLUMN ended_by uuid;

-- Settlements reversed before (or after) they reached this service: a reversed settlement never ends a pregnancy.
CREATE TABLE reversed_settlement (
    settlement_id  uuid PRIMARY KEY,
    id_number      text NOT NULL,
    reversed_at    timestamptz NOT NULL
);
