-- A person's kind and employer change over time: the history is a sequence of periods, judged by the event date.
CREATE TABLE insurance_period (
    person_id             uuid NOT NULL REFERENCES insured_person (person_id),
    valid_from            date NOT NULL,
    valid_to              date,
    kind                  text NOT NULL,
    employer_credit_code  text REFERENCES employer (credit_code),
    covered_from          date NOT NULL,
    reason                text NOT NULL,
    recorded_at           timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (person_id, valid_from),
    CHECK (valid_to IS NULL OR valid_to >= valid_from)
);
INSERT INTO insurance_period (person_id, valid_from, kind, employer_credit_code, covered_from, reason, recorded_at)
SELECT person_id, insured_from, kind, employer_credit_code, insured_from, 'registration', registered_at FROM insured_person;
CREATE INDEX insurance_period_employer ON insurance_period (employer_credit_code) WHERE employer_credit_code IS NOT NULL;

DROP INDEX insured_person_employer;
ALTER TABLE insured_person DROP COLUMN kind, DROP COLUMN employer_credit_code;
-- Newborns are enrolled with the birth certificate number and get the ID number after household registration.
ALTER TABLE insured_person ALTER COLUMN id_number DROP NOT NULL;
ALTER TABLE insured_person ADD COLUMN birth_certificate_number text UNIQUE;
ALTER TABLE insured_person ADD COLUMN birth_date date;
UPDATE insured_person SET birth_date = to_date(substr(id_number, 7, 8), 'YYYYMMDD');
ALTER TABLE insured_person ALTER COLUMN birth_date SET NOT NULL;
ALTER TABLE insured_person ADD CONSTRAINT insured_person_identified CHECK (id_number IS NOT NULL OR birth_certificate_number IS NOT NULL);

-- 上年度职工月平均工资 by year: the allowance's daily amount is computed from it.
CREATE TABLE employer_wage (
    credit_code           text NOT NULL REFERENCES employer (credit_code),
    year                  int NOT NULL,
    average_monthly_wage  numeric(12, 2) NOT NULL CHECK (average_monthly_wage > 0),
    recorded_at           timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (credit_code, year)
);

-- One row per person and month; a later record for the same month (a back-payment, a correction) replaces it.
CREATE TABLE contribution (
    person_id             uuid NOT NULL REFERENCES insured_person (person_id),
    month                 date NOT NULL CHECK (extract(day FROM month) = 1),
    employer_credit_code  text,
    paid_in_full_on_time  boolean NOT NULL,
    back_payment          boolean NOT NULL,
    amount                numeric(12, 2),
    recorded_at           timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (person_id, month)
);

-- Civil affairs' marriage registrations, as its feed delivers them.
CREATE TABLE marriage_record (
    certificate_number  text PRIMARY KEY,
    husband_id_number   text NOT NULL,
    wife_id_number      text NOT NULL,
    registered_on       date NOT NULL,
    received_at         timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE spouse_filing (
    filing_id                    uuid PRIMARY KEY,
    spouse_id_number             text NOT NULL UNIQUE,
    spouse_name                  text NOT NULL,
    employee_person_id           uuid NOT NULL REFERENCES insured_person (person_id),
    marriage_certificate_number  text NOT NULL REFERENCES marriage_record (certificate_number),
    filed_on                     date NOT NULL,
    filed_by                     text NOT NULL,
    institution_code             text NOT NULL,
    created_at                   timestamptz NOT NULL
);
CREATE INDEX spouse_filing_employee ON spouse_filing (employee_person_id);

-- The health commission's birth records (出生医学证明), as its events deliver them.
CREATE TABLE birth_record (
    certificate_number     text PRIMARY KEY,
    birth_date             date NOT NULL,
    newborn_name           text NOT NULL,
    mother_id_number       text NOT NULL,
    guardian_id_number     text NOT NULL,
    guardian_name          text NOT NULL,
    guardian_mobile_phone  text,
    region                 text NOT NULL,
    received_at            timestamptz NOT NULL DEFAULT now()
);

-- Bumped in the same transaction as every change that can alter an eligibility answer; the Redis cache refuses an
-- answer computed from an older revision, so a slow reader cannot put back what a change just invalidated.
CREATE TABLE eligibility_revision (
    subject   text PRIMARY KEY,
    revision  bigint NOT NULL
);

