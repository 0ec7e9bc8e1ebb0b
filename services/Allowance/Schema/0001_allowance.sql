-- Allowance cases (生育津贴): one per person and birth event. The computation is kept with the case, line by line.
CREATE TABLE allowance_case (
    case_id               uuid PRIMARY KEY,
    id_number             text NOT NULL,
    region                text NOT NULL,
    policy_version        text NOT NULL,
    event_kind            text NOT NULL,
    event_date            date NOT NULL,
    fetus_count           int NOT NULL,
    dystocia              boolean NOT NULL,
    gestational_weeks     int NOT NULL,
    category              text,
    employer_credit_code  text,
    computation           jsonb,
    amount                numeric(12,2),
    state                 text NOT NULL,
    findings              jsonb NOT NULL DEFAULT '[]',
    approved_on           date,
    due_date              date,
    settlement_id         uuid,
    batch_id              uuid,
    reversal_pending      boolean NOT NULL DEFAULT false,
    opened_at             timestamptz NOT NULL,
    updated_at            timestamptz NOT NULL
);
CREATE INDEX allowance_case_person ON allowance_case (id_number, event_date);
CREATE INDEX allowance_case_state_due ON allowance_case (state, due_date);
CREATE INDEX allowance_case_employer ON allowance_case (employer_credit_code, state);
CREATE INDEX allowance_case_settlement ON allowance_case (settlement_id) WHERE settlement_id IS NOT NULL;

-- Every report of an event (the settlement, the hospital's joint form, a grassroots point): a report is taken once,
-- and every report of one event lands on the same case.
CREATE TABLE case_report (
    channel      text NOT NULL,
    reference    text NOT NULL,
    case_id      uuid NOT NULL REFERENCES allowance_case,
    reported_at  timestamptz NOT NULL,
    PRIMARY KEY (channel, reference)
);
CREATE INDEX case_report_case ON case_report (case_id);

-- Payment batches to employers' corporate accounts, one line per employer, and the bank's result per line.
CREATE TABLE payment_batch (
    batch_id       uuid PRIMARY KEY,
    batch_date     date NOT NULL,
    created_by     text NOT NULL,
    created_at     timestamptz NOT NULL,
    line_count     int NOT NULL,
    case_count     int NOT NULL,
    total_amount   numeric(14,2) NOT NULL,
    paid_amount    numeric(14,2) NOT NULL DEFAULT 0,
    failed_amount  numeric(14,2) NOT NULL DEFAULT 0,
    state          text NOT NULL CHECK (state IN ('sent', 'reconciled')),
    file           text NOT NULL,
    CHECK (paid_amount + failed_amount <= total_amount)
);

CREATE TABLE payment_line (
    batch_id              uuid NOT NULL REFERENCES payment_batch,
    line_no               int NOT NULL,
    employer_credit_code  text NOT NULL,
    account_name          text NOT NULL,
    bank_name             text NOT NULL,
    account_number        text NOT NULL,
    amount                numeric(14,2) NOT NULL,
    case_ids              uuid[] NOT NULL,
    outcome               text CHECK (outcome IN ('paid', 'failed')),
    reason                text,
    bank_reference        text,
    recorded_at           timestamptz,
    PRIMARY KEY (batch_id, line_no)
);
