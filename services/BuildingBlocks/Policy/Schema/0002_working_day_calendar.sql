-- Every version of every year's working-day calendar ever loaded (holidays and adjusted working days); the latest
-- version of a year is in force. Never updated or deleted: a due date can always be explained with the version it used.
CREATE TABLE working_day_calendar (
    version_id  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    year        int NOT NULL,
    document    jsonb NOT NULL,
    loaded_by   text NOT NULL,
    loaded_at   timestamptz NOT NULL DEFAULT now(),
    UNIQUE (year, document)
);
