-- A transfer out's certificate as issued (every month on record up to the last day, each naming where it was paid):
-- reading the transfer later gives the same months, whatever was recorded since.
ALTER TABLE insurance_transfer ADD COLUMN certified_months jsonb NOT NULL DEFAULT '[]';
