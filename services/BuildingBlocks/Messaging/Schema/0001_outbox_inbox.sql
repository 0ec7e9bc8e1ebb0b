-- Events waiting to be published. Written in the same transaction as the business rows they describe.
CREATE TABLE outbox_message (
    sequence         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    message_id       uuid        NOT NULL UNIQUE,
    message_type     text        NOT NULL,
    body             jsonb       NOT NULL,
    occurred_at      timestamptz NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    next_attempt_at  timestamptz NOT NULL DEFAULT now(),
    attempts         integer     NOT NULL DEFAULT 0,
    last_error       text,
    sent_at          timestamptz
);
CREATE INDEX outbox_message_unsent ON outbox_message (sequence) WHERE sent_at IS NULL;

-- Events already handled, per consumer: a redelivered event finds its row and has no second effect.
CREATE TABLE inbox_message (
    message_id   uuid        NOT NULL,
    consumer     text        NOT NULL,
    message_type text        NOT NULL,
    received_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (message_id, consumer)
);
CREATE INDEX inbox_message_received_at ON inbox_message (received_at);
