-- The person behind a recipient, so events that name a person by ID number find the phone number.
ALTER TABLE recipient ADD COLUMN id_number text;
CREATE UNIQUE INDEX recipient_id_number ON recipient (id_number) WHERE id_number IS NOT NULL;

-- What a person asked for and what is bound: the official account's openid, the channels, an opt-out.
CREATE TABLE contact_preference (
    id_number    text PRIMARY KEY,
    openid       text,
    preference   text NOT NULL DEFAULT 'Every',
    opted_out    boolean NOT NULL DEFAULT false,
    changed_at   timestamptz NOT NULL,
    changed_by   text NOT NULL
);
CREATE INDEX contact_preference_openid ON contact_preference (openid) WHERE openid IS NOT NULL;

-- Every version of every template; a message records the version it was rendered with.
CREATE TABLE message_template (
    kind                  text NOT NULL,
    channel               text NOT NULL,
    version               int  NOT NULL,
    fields                jsonb NOT NULL,
    external_template_id  text,
    link                  text,
    published_at          timestamptz NOT NULL,
    published_by          text NOT NULL,
    PRIMARY KEY (kind, channel, version)
);

-- One row per person, business event and channel (deduplication_key): rendered once, then sent, retried, receipted.
-- The address (phone number or openid) is kept whole for the gateway; everything that leaves the service masks it.
CREATE TABLE message (
    message_id          uuid PRIMARY KEY,
    deduplication_key   text NOT NULL UNIQUE,
    kind                text NOT NULL,
    subject             text NOT NULL,
    id_number           text NOT NULL,
    region              text NOT NULL,
    channel             text NOT NULL,
    address             text,
    template_version    int  NOT NULL,
    external_template_id text,
    text                text NOT NULL,
    fields              jsonb NOT NULL,
    link                text,
    state               text NOT NULL,
    due_at              timestamptz NOT NULL,
    deferred_because    text,
    lease_until         timestamptz,
    attempts            int  NOT NULL DEFAULT 0,
    last_error          text,
    gateway_message_id  text,
    source_event_id     uuid NOT NULL,
    source_event_type   text NOT NULL,
    resent_from         uuid REFERENCES message (message_id),
    requested_by        text,
    created_at          timestamptz NOT NULL,
    sent_at             timestamptz,
    receipted_at        timestamptz
);
CREATE INDEX message_due ON message (due_at) WHERE state = 'Queued';
CREATE INDEX message_lease ON message (lease_until) WHERE state = 'Sending';
CREATE INDEX message_person ON message (id_number, created_at);
CREATE INDEX message_subject ON message (kind, subject);
CREATE INDEX message_state ON message (state, created_at);
CREATE UNIQUE INDEX message_gateway_id ON message (channel, gateway_message_id) WHERE gateway_message_id IS NOT NULL;

-- Every attempt to hand a message to the gateway, and what the gateway answered.
CREATE TABLE delivery_attempt (
    message_id   uuid NOT NULL REFERENCES message (message_id),
    attempt      int  NOT NULL,
    at           timestamptz NOT NULL,
    outcome      text NOT NULL,
    detail       text,
    PRIMARY KEY (message_id, attempt)
);

-- Every receipt the gateway reported, matched to its message by the gateway's message id. A receipt may arrive before
-- the sender has recorded that id; it waits here and is applied when the id is recorded.
CREATE TABLE delivery_receipt (
    channel             text NOT NULL,
    gateway_message_id  text NOT NULL,
    delivered           boolean NOT NULL,
    detail              text,
    reported_at         timestamptz NOT NULL,
    received_at         timestamptz NOT NULL,
    PRIMARY KEY (channel, gateway_message_id)
);
