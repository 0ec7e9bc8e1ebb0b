-- The W3C traceparent of the event (or operator call) that planned the message: the dispatcher sends inside that trace,
-- so a settlement's trace reaches the SMS and official-account gateways.
ALTER TABLE message ADD COLUMN trace_parent text;
