-- The office's overview counts and the task list's filter choices, kept per plan (issue 17).
-- Every accepted report moves a task's standing and so the plan's revision; recounting the
-- whole plan (two GROUP BYs over every task and lead link) after each one made the first
-- overview after a change cost as much as a recount. Triggers keep these counts in the
-- writer's own transaction instead, so the office's overview and the filter choices read a
-- few hundred rows whatever the plan's size. A unit's overview still counts its own tasks.
--
-- Keys are NOT NULL so that upserts find their row: `section` is '' for a task without one
-- and '#' followed by the section otherwise; `verdict` is '' for none. Rows whose count falls
-- to 0 stay (readers skip them). No foreign keys: a plan's deletion cascades to its tasks,
-- whose triggers then only decrement.
CREATE TABLE plan_section_counts (
    plan_id   BIGINT NOT NULL,
    section   TEXT NOT NULL,
    verdict   TEXT NOT NULL,
    disputed  BOOLEAN NOT NULL,
    n         BIGINT NOT NULL,
    PRIMARY KEY (plan_id, section, verdict, disputed)
);
-- Lead links by unit and the task's verdict (a link row counts once, as the recount did).
CREATE TABLE plan_lead_counts (
    plan_id  BIGINT NOT NULL,
    unit_id  BIGINT NOT NULL,
    verdict  TEXT NOT NULL,
    n        BIGINT NOT NULL,
    PRIMARY KEY (plan_id, unit_id, verdict)
);
CREATE TABLE plan_leader_counts (
    plan_id  BIGINT NOT NULL,
    leader   TEXT NOT NULL,
    n        BIGINT NOT NULL,
    PRIMARY KEY (plan_id, leader)
);

INSERT INTO plan_section_counts (plan_id, section, verdict, disputed, n)
SELECT plan_id, CASE WHEN section IS NULL THEN '' ELSE '#' || section END,
       COALESCE(verdict, ''), disputed, COUNT(*)
FROM tasks WHERE retired_at IS NULL
GROUP BY 1, 2, 3, 4;
INSERT INTO plan_lead_counts (plan_id, unit_id, verdict, n)
SELECT t.plan_id, tu.unit_id, COALESCE(t.verdict, ''), COUNT(*)
FROM task_units tu JOIN tasks t ON t.id = tu.task_id
WHERE tu.role = 'lead' AND t.retired_at IS NULL
GROUP BY 1, 2, 3;
INSERT INTO plan_leader_counts (plan_id, leader, n)
SELECT plan_id, leader, COUNT(*) FROM tasks
WHERE retired_at IS NULL AND leader IS NOT NULL AND leader <> ''
GROUP BY 1, 2;

-- A task row changed or is about to go. On delete its lead links are removed first (their
-- trigger still sees the task), so the links' cascade that follows finds nothing to count.
-- A change is applied as one upsert of the net change per table, taking the count rows in
-- key order: two writers moving tasks between the same keys in opposite directions then
-- lock them in the same order rather than deadlock.
CREATE FUNCTION duban_count_task_row() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF OLD.retired_at IS NULL THEN
            DELETE FROM task_units WHERE task_id = OLD.id AND role = 'lead';
            UPDATE plan_section_counts SET n = n - 1
            WHERE plan_id = OLD.plan_id
              AND section = CASE WHEN OLD.section IS NULL THEN '' ELSE '#' || OLD.section END
              AND verdict = COALESCE(OLD.verdict, '') AND disputed = OLD.disputed;
            UPDATE plan_leader_counts SET n = n - 1
            WHERE plan_id = OLD.plan_id AND leader = OLD.leader;
        END IF;
        RETURN OLD;
    END IF;
    INSERT INTO plan_section_counts (plan_id, section, verdict, disputed, n)
    SELECT p, s, v, b, SUM(d) FROM (
        SELECT OLD.plan_id AS p,
               CASE WHEN OLD.section IS NULL THEN '' ELSE '#' || OLD.section END AS s,
               COALESCE(OLD.verdict, '') AS v, OLD.disputed AS b, -1 AS d
        WHERE OLD.retired_at IS NULL
        UNION ALL
        SELECT NEW.plan_id, CASE WHEN NEW.section IS NULL THEN '' ELSE '#' || NEW.section END,
               COALESCE(NEW.verdict, ''), NEW.disputed, 1
        WHERE NEW.retired_at IS NULL) x
    GROUP BY 1, 2, 3, 4 HAVING SUM(d) <> 0 ORDER BY 1, 2, 3, 4
    ON CONFLICT (plan_id, section, verdict, disputed)
    DO UPDATE SET n = plan_section_counts.n + EXCLUDED.n;
    INSERT INTO plan_leader_counts (plan_id, leader, n)
    SELECT p, l, SUM(d) FROM (
        SELECT OLD.plan_id AS p, OLD.leader AS l, -1 AS d
        WHERE OLD.retired_at IS NULL AND OLD.leader IS NOT NULL AND OLD.leader <> ''
        UNION ALL
        SELECT NEW.plan_id, NEW.leader, 1
        WHERE NEW.retired_at IS NULL AND NEW.leader IS NOT NULL AND NEW.leader <> '') x
    GROUP BY 1, 2 HAVING SUM(d) <> 0 ORDER BY 1, 2
    ON CONFLICT (plan_id, leader) DO UPDATE SET n = plan_leader_counts.n + EXCLUDED.n;
    INSERT INTO plan_lead_counts (plan_id, unit_id, verdict, n)
    SELECT p, u, v, SUM(d) FROM (
        SELECT OLD.plan_id AS p, unit_id AS u, COALESCE(OLD.verdict, '') AS v, -1 AS d
        FROM task_units WHERE task_id = OLD.id AND role = 'lead' AND OLD.retired_at IS NULL
        UNION ALL
        SELECT NEW.plan_id, unit_id, COALESCE(NEW.verdict, ''), 1
        FROM task_units WHERE task_id = NEW.id AND role = 'lead' AND NEW.retired_at IS NULL) x
    GROUP BY 1, 2, 3 HAVING SUM(d) <> 0 ORDER BY 1, 2, 3
    ON CONFLICT (plan_id, unit_id, verdict) DO UPDATE SET n = plan_lead_counts.n + EXCLUDED.n;
    RETURN NULL;
END
$$;
CREATE TRIGGER tasks_counts_update AFTER UPDATE ON tasks FOR EACH ROW
WHEN (OLD.plan_id IS DISTINCT FROM NEW.plan_id OR OLD.section IS DISTINCT FROM NEW.section
   OR OLD.verdict IS DISTINCT FROM NEW.verdict OR OLD.disputed IS DISTINCT FROM NEW.disputed
   OR OLD.leader IS DISTINCT FROM NEW.leader OR OLD.retired_at IS DISTINCT FROM NEW.retired_at)
EXECUTE FUNCTION duban_count_task_row();
CREATE TRIGGER tasks_counts_delete BEFORE DELETE ON tasks FOR EACH ROW
EXECUTE FUNCTION duban_count_task_row();

-- A lead link changed or went (one ordered upsert of the net change, as above).
CREATE FUNCTION duban_count_link_row() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO plan_lead_counts (plan_id, unit_id, verdict, n)
    SELECT p, u, v, SUM(d) FROM (
        SELECT t.plan_id AS p, OLD.unit_id AS u, COALESCE(t.verdict, '') AS v, -1 AS d
        FROM tasks t WHERE OLD.role = 'lead' AND t.id = OLD.task_id AND t.retired_at IS NULL
        UNION ALL
        SELECT t.plan_id, NEW.unit_id, COALESCE(t.verdict, ''), 1
        FROM tasks t WHERE TG_OP = 'UPDATE' AND NEW.role = 'lead' AND t.id = NEW.task_id
          AND t.retired_at IS NULL) x
    GROUP BY 1, 2, 3 HAVING SUM(d) <> 0 ORDER BY 1, 2, 3
    ON CONFLICT (plan_id, unit_id, verdict) DO UPDATE SET n = plan_lead_counts.n + EXCLUDED.n;
    RETURN NULL;
END
$$;
CREATE TRIGGER task_units_counts_update AFTER UPDATE ON task_units FOR EACH ROW
WHEN ((OLD.role = 'lead' OR NEW.role = 'lead') AND (OLD.role IS DISTINCT FROM NEW.role
   OR OLD.unit_id IS DISTINCT FROM NEW.unit_id OR OLD.task_id IS DISTINCT FROM NEW.task_id))
EXECUTE FUNCTION duban_count_link_row();
CREATE TRIGGER task_units_counts_delete AFTER DELETE ON task_units FOR EACH ROW
WHEN (OLD.role = 'lead') EXECUTE FUNCTION duban_count_link_row();

-- Inserts, once per statement: an import inserts thousands of tasks and links at a time.
CREATE FUNCTION duban_count_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'tasks' THEN
        INSERT INTO plan_section_counts (plan_id, section, verdict, disputed, n)
        SELECT plan_id, CASE WHEN section IS NULL THEN '' ELSE '#' || section END,
               COALESCE(verdict, ''), disputed, COUNT(*)
        FROM inserted WHERE retired_at IS NULL GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
        ON CONFLICT (plan_id, section, verdict, disputed)
        DO UPDATE SET n = plan_section_counts.n + EXCLUDED.n;
        INSERT INTO plan_leader_counts (plan_id, leader, n)
        SELECT plan_id, leader, COUNT(*) FROM inserted
        WHERE retired_at IS NULL AND leader IS NOT NULL AND leader <> '' GROUP BY 1, 2 ORDER BY 1, 2
        ON CONFLICT (plan_id, leader) DO UPDATE SET n = plan_leader_counts.n + EXCLUDED.n;
    ELSE
        INSERT INTO plan_lead_counts (plan_id, unit_id, verdict, n)
        SELECT t.plan_id, i.unit_id, COALESCE(t.verdict, ''), COUNT(*)
        FROM inserted i JOIN tasks t ON t.id = i.task_id
        WHERE i.role = 'lead' AND t.retired_at IS NULL GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
        ON CONFLICT (plan_id, unit_id, verdict) DO UPDATE SET n = plan_lead_counts.n + EXCLUDED.n;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER tasks_counts_inserted AFTER INSERT ON tasks
REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION duban_count_inserted();
CREATE TRIGGER task_units_counts_inserted AFTER INSERT ON task_units
REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION duban_count_inserted();

CREATE FUNCTION duban_count_plan_gone() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM plan_section_counts WHERE plan_id = OLD.id;
    DELETE FROM plan_lead_counts WHERE plan_id = OLD.id;
    DELETE FROM plan_leader_counts WHERE plan_id = OLD.id;
    RETURN NULL;
END
$$;
CREATE TRIGGER plans_counts_delete AFTER DELETE ON plans FOR EACH ROW
EXECUTE FUNCTION duban_count_plan_gone();

-- The whole light kept beside its color and rule (`Light::encode`), so a page of tasks reads
-- its lights in one query instead of recomputing them from their reports. Forgetting every
-- plan's basis marks all tasks, and the next count or page keeps them whole.
ALTER TABLE task_lights ADD COLUMN detail TEXT NOT NULL DEFAULT '';
DELETE FROM light_basis;
