-- A counter bumped by every change to a plan's tasks, so each app instance can tell whether
-- the overview it computed earlier still holds (one indexed read instead of a full count).
ALTER TABLE plans ADD COLUMN revision BIGINT NOT NULL DEFAULT 0;

-- Covers the overview's GROUP BY, so counting never touches the wide task rows.
CREATE INDEX tasks_plan_counts_idx ON tasks (plan_id, section, verdict, disputed, position);
