-- A report is an applicant's own: hospital B's application under the same reference as hospital A's is another report.
-- Each report keeps the facts it stated, so the case's facts can always be worked out again from its reports, whatever
-- order they came in: the facts of a settlement that stands win, then an application's, confirmed by a birth record
-- or an operator, or unverified.
ALTER TABLE case_report ADD COLUMN applicant text NOT NULL DEFAULT '';
ALTER TABLE case_report ALTER COLUMN applicant DROP DEFAULT;
ALTER TABLE case_report ADD COLUMN event jsonb;
-- Reports taken before: the facts their case holds (as BirthEvent's JSON), so cases opened before work out the same.
UPDATE case_report r SET event = jsonb_build_object('kind', c.event_kind, 'date', c.event_date, 'fetusCount', c.fetus_count,
    'dystocia', c.dystocia, 'gestationalWeeks', c.gestational_weeks, 'category', c.category)
FROM allowance_case c WHERE c.case_id = r.case_id;
ALTER TABLE case_report DROP CONSTRAINT case_report_pkey;
ALTER TABLE case_report ADD PRIMARY KEY (channel, applicant, reference);

-- What confirmed the case's facts: settlement, birth-record, operator; null while an application's facts are unverified.
ALTER TABLE allowance_case ADD COLUMN facts_verified_by text;
UPDATE allowance_case SET facts_verified_by = 'settlement' WHERE settlement_id IS NOT NULL;

-- Settlements reversed, whether or not their case had been opened yet: a reversed settlement never confirms a case.
CREATE TABLE reversed_settlement (
    settlement_id  uuid PRIMARY KEY,
    id_number      text NOT NULL,
    reason         text NOT NULL,
    reversed_at    timestamptz NOT NULL
);

-- The health commission's birth records (出生医学证明), by mother: they confirm an application's childbirth and fetus count.
CREATE TABLE birth_record (
    certificate_number  text PRIMARY KEY,
    mother_id_number    text NOT NULL,
    birth_date          date NOT NULL
);
CREATE INDEX birth_record_mother ON birth_record (mother_id_number, birth_date);
