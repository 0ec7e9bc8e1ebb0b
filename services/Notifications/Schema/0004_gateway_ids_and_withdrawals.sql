-- A gateway's message ids are its own: a restarted gateway, or another gateway, may hand out an id again. They only
-- match receipts to messages (the latest message with that id, and a stored receipt only if it came while the message
-- was being sent), so they need not be unique, and a repeated id never blocks recording a send.
DROP INDEX message_gateway_id;
CREATE INDEX message_gateway_id ON message (channel, gateway_message_id) WHERE gateway_message_id IS NOT NULL;
ALTER TABLE message ADD COLUMN sending_since timestamptz;

-- Announcements withdrawn (an allowance cancelled or recovered), remembered even when the withdrawal arrives before
-- what it withdraws: the approval that comes after is never announced.
CREATE TABLE withdrawn_notice (
    kind          text NOT NULL,
    subject       text NOT NULL,
    reason        text NOT NULL,
    withdrawn_at  timestamptz NOT NULL,
    PRIMARY KEY (kind, subject)
);
