-- The W3C traceparent of the operation that wrote the event: the relay publishes inside it, so one trace follows a
-- settlement from the hospital's call through RabbitMQ to the allowance and the notification.
ALTER TABLE outbox_message ADD COLUMN trace_parent text;
