-- Settlements (结算) with their fee lines, one row per hospital request: the unique key (institution_code, request_id)
-- is what guarantees that a retried request never pays twice, whatever Redis says.
CREATE TABLE settlement (
    settlement_id            uuid PRIMARY KEY,
    institution_code         text NOT NULL,
    request_id               text NOT NULL,
    request_hash             bytea NOT NULL,
    id_number                text NOT NULL,
    region                   text NOT NULL,
    policy_version           text NOT NULL,
    certificate_type         int NOT NULL,
    medical_type             text NOT NULL,
    maternity_category       text,
    family_planning_category text,
    gestational_weeks        int NOT NULL,
    fetus_count              int NOT NULL,
    complication             boolean NOT NULL,
    dystocia                 boolean NOT NULL,
    service_date             date NOT NULL,
    scope                    text NOT NULL,
    as_filed_spouse          boolean NOT NULL,
    registration_id          uuid,
    quota_cap                numeric(12,2),
    quota_used_before        numeric(12,2),
    quota_consumed           numeric(12,2) NOT NULL DEFAULT 0,
    total_amount             numeric(12,2) NOT NULL,
    fund_amount              numeric(12,2) NOT NULL,
    transferred_amount       numeric(12,2) NOT NULL,
    individual_amount        numeric(12,2) NOT NULL,
    state                    text NOT NULL CHECK (state IN ('settled', 'reversed')),
    settled_at               timestamptz NOT NULL,
    reversed_at              timestamptz,
    reversal_reason          text,
    UNIQUE (institution_code, request_id),
    CHECK (fund_amount + transferred_amount + individual_amount = total_amount)
);
CREATE INDEX settlement_person_day ON settlement (id_number, service_date);
CREATE INDEX settlement_registration ON settlement (registration_id) WHERE registration_id IS NOT NULL;
CREATE INDEX settlement_institution_time ON settlement (institution_code, settled_at DESC, settlement_id DESC);
CREATE INDEX settlement_reversed_time ON settlement (institution_code, reversed_at) WHERE reversed_at IS NOT NULL;

CREATE TABLE settlement_line (
    settlement_id       uuid NOT NULL REFERENCES settlement,
    line_no             int NOT NULL,
    item_code           text NOT NULL,
    item_name           text NOT NULL,
    quantity            numeric(14,4) NOT NULL,
    unit_price          numeric(12,2) NOT NULL,
    amount              numeric(12,2) NOT NULL,
    pool                int NOT NULL,
    rule                text NOT NULL,
    fund_amount         numeric(12,2) NOT NULL,
    transferred_amount  numeric(12,2) NOT NULL,
    transferred_to      int,
    individual_amount   numeric(12,2) NOT NULL,
    explanation         text NOT NULL,
    PRIMARY KEY (settlement_id, line_no)
);

-- The prenatal quota ledger of each pregnancy (架构: consumed in the same transaction as the settlement). The row is
-- locked while a settlement computes against it, so concurrent settlements of one pregnancy never exceed the cap.
CREATE TABLE prenatal_quota (
    registration_id  uuid PRIMARY KEY,
    id_number        text NOT NULL,
    region           text NOT NULL,
    cap              numeric(12,2) NOT NULL,
    used             numeric(12,2) NOT NULL DEFAULT 0 CHECK (used >= 0),
    open             boolean NOT NULL DEFAULT true,
    opened_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX prenatal_quota_open_person ON prenatal_quota (id_number) WHERE open;

-- Lines the intelligent audit wants reviewed. Operators confirm or clear them; a flag is never deleted.
CREATE TABLE audit_flag (
    flag_id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    settlement_id     uuid NOT NULL REFERENCES settlement,
    institution_code  text NOT NULL,
    line_no           int NOT NULL,
    item_code         text NOT NULL,
    rule              text NOT NULL,
    detail            text NOT NULL,
    state             text NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'confirmed', 'cleared')),
    raised_at         timestamptz NOT NULL,
    reviewed_by       text,
    reviewed_at       timestamptz,
    review_note       text
);
CREATE INDEX audit_flag_state ON audit_flag (state, flag_id);

-- 异地就医备案: a person's filing to be treated in another province (destination is a division code).
CREATE TABLE cross_region_filing (
    filing_id    uuid PRIMARY KEY,
    id_number    text NOT NULL,
    region       text NOT NULL,
    destination  text NOT NULL,
    valid_from   date NOT NULL,
    valid_to     date NOT NULL,
    filed_by     text NOT NULL,
    filed_at     timestamptz NOT NULL
);
CREATE INDEX cross_region_filing_person ON cross_region_filing (id_number);
