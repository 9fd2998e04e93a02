-- Every running service instance says so here every few seconds (and removes its row when it
-- stops), so `duban restore` can refuse while a service still uses the database.
CREATE TABLE service_instances (
    instance    TEXT PRIMARY KEY,
    host        TEXT NOT NULL,
    pid         BIGINT NOT NULL,
    started_at  BIGINT NOT NULL,
    beat_at     BIGINT NOT NULL
);
