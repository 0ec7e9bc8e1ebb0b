-- 亲情代办: a guardian's account linked to an enrolled newborn (the birth record's guardian only).
CREATE TABLE guardian_link (
    newborn_person_id   uuid NOT NULL REFERENCES insured_person (person_id),
    guardian_id_number  text NOT NULL,
    linked_at           timestamptz NOT NULL,
    linked_by           text NOT NULL,
    PRIMARY KEY (newborn_person_id, guardian_id_number)
);
CREATE INDEX guardian_link_guardian ON guardian_link (guardian_id_number);

-- Electronic medical-insurance codes (医保电子凭证) the platform issued: one per person, presented at the counter as the
-- visit certificate (certificate_type 1) and resolved by Claims to the person it identifies.
CREATE TABLE electronic_code (
    code        text PRIMARY KEY,
    person_id   uuid NOT NULL UNIQUE REFERENCES insured_person (person_id),
    issued_at   timestamptz NOT NULL,
    issued_by   text NOT NULL
);
