-- 医保关系转移接续: months paid in another pooling region, brought in with the transfer form, name that region; months
-- paid here have none. A month already paid here stays as it was.
ALTER TABLE contribution ADD COLUMN transferred_from text;

-- Every transfer in or out, by the transfer form's number: the history of where a person's insurance went.
CREATE TABLE insurance_transfer (
    transfer_id   text PRIMARY KEY,
    direction     text NOT NULL CHECK (direction IN ('In', 'Out')),
    person_id     uuid NOT NULL REFERENCES insured_person (person_id),
    other_region  text NOT NULL,
    effective_on  date NOT NULL,   -- in: the day of record here; out: the last day insured here
    months        int NOT NULL,    -- in: months taken; out: months certified as paid here
    months_already_here int NOT NULL DEFAULT 0,
    fingerprint   text NOT NULL,
    recorded_by   text NOT NULL,
    recorded_at   timestamptz NOT NULL
);
CREATE INDEX insurance_transfer_person ON insurance_transfer (person_id);
