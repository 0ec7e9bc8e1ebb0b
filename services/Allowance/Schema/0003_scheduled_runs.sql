-- One row per scheduled job and day: the replica whose batch transaction inserts it runs the day's job, and every other
-- replica's insert waits for that transaction and then finds the day taken.
CREATE TABLE scheduled_run (
    job       text NOT NULL,
    run_date  date NOT NULL,
    ran_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (job, run_date)
);
