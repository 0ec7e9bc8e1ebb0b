CREATE TABLE employer (
    credit_code     text PRIMARY KEY,
    name            text NOT NULL,
    bank_name       text NOT NULL,
    account_number  text NOT NULL,
    account_name    text NOT NULL,
    registered_at   timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE insured_person (
    person_id             uuid PRIMARY KEY,
    id_number             text NOT NULL UNIQUE,
    name                  text NOT NULL,
    kind                  text NOT NULL,
    employer_credit_code  text REFERENCES employer (credit_code),
    insured_from          date NOT NULL,
    mobile_phone          text,
    registered_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX insured_person_employer ON insured_person (employer_credit_code);
