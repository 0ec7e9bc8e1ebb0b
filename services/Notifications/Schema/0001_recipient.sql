-- Whom the platform can remind: built from Enrollment's events. The phone number is kept whole here because the
-- gateway needs it; everything that leaves the service masks it.
CREATE TABLE recipient (
    person_id             uuid PRIMARY KEY,
    name                  text NOT NULL,
    mobile_phone          text,
    kind                  text NOT NULL,
    employer_credit_code  text,
    known_since           timestamptz NOT NULL DEFAULT now()
);

-- Every business event handled for a person, in order. One row per event: the inbox guarantees it.
CREATE TABLE received_event (
    sequence     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_id     uuid        NOT NULL,
    event_type   text        NOT NULL,
    person_id    uuid        NOT NULL,
    occurred_at  timestamptz NOT NULL,
    received_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX received_event_person ON received_event (person_id, sequence);
