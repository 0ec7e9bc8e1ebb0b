-- Every version of every year's working-day calendar ever loaded (holidays and adjusted working days); the highest
-- version of a year is in force. The version is the number the loading service (Enrollment) gave it, the same in every
-- service's copy (0 for the shipped file), so every service puts the same version in force whatever order copies
-- arrive in. Never updated or deleted: a due date can always be explained with the version it used.
CREATE TABLE working_day_calendar (
    version_id  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    year        int NOT NULL,
    version     bigint NOT NULL,
    document    jsonb NOT NULL,
    loaded_by   text NOT NULL,
    loaded_at   timestamptz NOT NULL DEFAULT now(),
    UNIQUE (year, version)
);
