-- Persons public security recorded as dead (InsuredPersonDied): nothing is sent to them from then on, and what was still
-- queued for them is cancelled, whichever of the death and the notice arrives first.
CREATE TABLE deceased_person (
    id_number    text PRIMARY KEY,
    died_on      date NOT NULL,
    recorded_at  timestamptz NOT NULL
);
