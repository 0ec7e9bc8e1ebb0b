-- Manual reimbursement cases (零星报销) and their transitions. A transition row is only ever inserted: the audit of who
-- moved a case from what to what, when and why.
CREATE TABLE reimbursement_case (
    case_id            uuid PRIMARY KEY,
    site               text NOT NULL,
    request_id         text NOT NULL,
    id_number          text NOT NULL,
    region             text NOT NULL,
    policy_version     text NOT NULL,
    item               text NOT NULL,
    service_date       date NOT NULL,
    claimed_amount     numeric(12,2) NOT NULL CHECK (claimed_amount > 0),
    approved_amount    numeric(12,2),
    documents          text[] NOT NULL,
    applicant_phone    text,
    state              text NOT NULL,
    filed_on           date NOT NULL,
    due_date           date NOT NULL,
    due_provisional    boolean NOT NULL,
    rejection_reason   text,
    payment_reference  text,
    UNIQUE (site, request_id)
);
CREATE INDEX reimbursement_case_site_state ON reimbursement_case (site, state, due_date);
CREATE INDEX reimbursement_case_state_due ON reimbursement_case (state, due_date);

CREATE TABLE case_transition (
    transition_id  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    case_id        uuid NOT NULL REFERENCES reimbursement_case,
    from_state     text,
    to_state       text NOT NULL,
    operator_id    text NOT NULL,
    role           text NOT NULL,
    site           text NOT NULL,
    at             timestamptz NOT NULL,
    reason         text NOT NULL
);
CREATE INDEX case_transition_case ON case_transition (case_id, transition_id);
