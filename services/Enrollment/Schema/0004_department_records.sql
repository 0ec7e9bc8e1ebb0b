-- Every record another department sent (部门数据共享), by the department's own record id: the idempotency key, and the
-- trail of the facts the fund relied on. The effect of a record commits in the same transaction as this row.
CREATE TABLE department_record (
    department_code  text NOT NULL,
    record_id        text NOT NULL,
    department       text NOT NULL,
    kind             text NOT NULL,
    fingerprint      text NOT NULL,   -- SHA-256 of the normalised record: the same id with other content is refused
    subject          text NOT NULL,   -- whom it is about: an ID number or a certificate number
    received_at      timestamptz NOT NULL,
    effects          text[] NOT NULL,
    PRIMARY KEY (department_code, record_id)
);
CREATE INDEX department_record_subject ON department_record (subject);

-- Civil affairs' divorces (离婚登记), by the marriage's certificate number. Kept apart from marriage_record so that a
-- dissolution that arrives before its marriage is kept, not lost: the two meet whenever both are there.
CREATE TABLE marriage_dissolution (
    certificate_number  text PRIMARY KEY,
    dissolved_on        date NOT NULL,
    received_at         timestamptz NOT NULL DEFAULT now()
);

-- Statuses departments report for a person, by ID number (a record may arrive before the person is insured here):
-- UnemploymentBenefit and Imprisonment over a stretch of days, Retirement and Death from a day on.
CREATE TABLE person_status (
    department_code  text NOT NULL,
    record_id        text NOT NULL,
    id_number        text NOT NULL,
    kind             text NOT NULL,
    valid_from       date NOT NULL,
    valid_to         date,
    PRIMARY KEY (department_code, record_id),
    CHECK (valid_to IS NULL OR valid_to >= valid_from)
);
CREATE INDEX person_status_id_number ON person_status (id_number);

-- Human resources' employment registrations (就业登记) and unemployment registrations (失业登记): whether a spouse to
-- be filed as unemployed (未就业配偶) is employed.
CREATE TABLE labour_record (
    department_code       text NOT NULL,
    record_id             text NOT NULL,
    id_number             text NOT NULL,
    kind                  text NOT NULL,   -- Employment or UnemploymentRegistration
    employer_credit_code  text,
    valid_from            date NOT NULL,
    valid_to              date,
    PRIMARY KEY (department_code, record_id),
    CHECK (valid_to IS NULL OR valid_to >= valid_from)
);
CREATE INDEX labour_record_id_number ON labour_record (id_number);

-- Where the newborn's household is, for the enrolment drives (参保扩面) by street.
ALTER TABLE birth_record ADD COLUMN street text NOT NULL DEFAULT '';
ALTER TABLE birth_record ADD COLUMN department_code text;
