-- Enrolment drives (参保扩面): each time operators sent the guardians of unenrolled newborns their reminder again.
CREATE TABLE enrollment_drive (
    round            text PRIMARY KEY,   -- "drive-{region}-{street or *}-{days}-{yyyyMMdd}": one per drive and day
    region           text NOT NULL,
    street           text NOT NULL,
    days_since_birth int NOT NULL,
    reminded         int NOT NULL,
    started_by       text NOT NULL,
    started_at       timestamptz NOT NULL
);
CREATE INDEX birth_record_region_street ON birth_record (region, street, birth_date);
