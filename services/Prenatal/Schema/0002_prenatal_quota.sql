-- The prenatal quota the registration opened, in the region's terms on the pregnancy date (Claims keeps the ledger).
ALTER TABLE prenatal_registration ADD COLUMN prenatal_quota numeric(12, 2);
UPDATE prenatal_registration SET prenatal_quota = 0 WHERE prenatal_quota IS NULL;
ALTER TABLE prenatal_registration ALTER COLUMN prenatal_quota SET NOT NULL;
