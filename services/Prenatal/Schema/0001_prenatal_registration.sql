CREATE TABLE prenatal_registration (
    registration_id          uuid PRIMARY KEY,
    id_number                text NOT NULL,
    region                   text NOT NULL,
    pregnancy_date           date NOT NULL,
    expected_delivery_date   date NOT NULL,
    fetus_count              int NOT NULL CHECK (fetus_count >= 1),
    hospital_code            text NOT NULL,
    channel                  text NOT NULL,
    operator                 text NOT NULL,
    state                    text NOT NULL,
    automatic                boolean NOT NULL,
    registered_at            timestamptz NOT NULL,
    ended_on                 date,
    end_outcome              text
);
-- One open registration per person (a person carries one pregnancy at a time): the database enforces it under
-- concurrency, so two channels registering at once get one registration and one AlreadyExists.
CREATE UNIQUE INDEX prenatal_registration_one_open ON prenatal_registration (id_number) WHERE state = 'Open';
CREATE INDEX prenatal_registration_person ON prenatal_registration (id_number);

-- Every change with its reason and operator; rows are only ever added.
CREATE TABLE registration_audit (
    audit_id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    registration_id  uuid NOT NULL REFERENCES prenatal_registration (registration_id),
    action           text NOT NULL,
    detail           text NOT NULL,
    reason           text NOT NULL,
    operator         text NOT NULL,
    at               timestamptz NOT NULL
);
CREATE INDEX registration_audit_registration ON registration_audit (registration_id);
