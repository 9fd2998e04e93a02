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
    plan_id   INTEGER NOT NULL,
    section   TEXT NOT NULL,
    verdict   TEXT NOT NULL,
    disputed  BOOLEAN NOT NULL,
    n         INTEGER NOT NULL,
    PRIMARY KEY (plan_id, section, verdict, disputed)
);
-- Lead links by unit and the task's verdict (a link row counts once, as the recount did).
CREATE TABLE plan_lead_counts (
    plan_id  INTEGER NOT NULL,
    unit_id  INTEGER NOT NULL,
    verdict  TEXT NOT NULL,
    n        INTEGER NOT NULL,
    PRIMARY KEY (plan_id, unit_id, verdict)
);
CREATE TABLE plan_leader_counts (
    plan_id  INTEGER NOT NULL,
    leader   TEXT NOT NULL,
    n        INTEGER NOT NULL,
    PRIMARY KEY (plan_id, leader)
);

INSERT INTO plan_section_counts (plan_id, section, verdict, disputed, n)
SELECT plan_id, CASE WHEN section IS NULL THEN '' ELSE '#' || section END,
       COALESCE(verdict, ''), disputed, COUNT(*)
FROM tasks WHERE retired_at IS NULL
GROUP BY plan_id, CASE WHEN section IS NULL THEN '' ELSE '#' || section END,
         COALESCE(verdict, ''), disputed;
INSERT INTO plan_lead_counts (plan_id, unit_id, verdict, n)
SELECT t.plan_id, tu.unit_id, COALESCE(t.verdict, ''), COUNT(*)
FROM task_units tu JOIN tasks t ON t.id = tu.task_id
WHERE tu.role = 'lead' AND t.retired_at IS NULL
GROUP BY t.plan_id, tu.unit_id, COALESCE(t.verdict, '');
INSERT INTO plan_leader_counts (plan_id, leader, n)
SELECT plan_id, leader, COUNT(*) FROM tasks
WHERE retired_at IS NULL AND leader IS NOT NULL AND leader <> ''
GROUP BY plan_id, leader;

CREATE TRIGGER tasks_counts_insert AFTER INSERT ON tasks
WHEN NEW.retired_at IS NULL
BEGIN
    INSERT INTO plan_section_counts (plan_id, section, verdict, disputed, n)
    VALUES (NEW.plan_id, CASE WHEN NEW.section IS NULL THEN '' ELSE '#' || NEW.section END,
            COALESCE(NEW.verdict, ''), NEW.disputed, 1)
    ON CONFLICT (plan_id, section, verdict, disputed)
    DO UPDATE SET n = n + 1;
    INSERT INTO plan_leader_counts (plan_id, leader, n)
    SELECT NEW.plan_id, NEW.leader, 1 WHERE NEW.leader IS NOT NULL AND NEW.leader <> ''
    ON CONFLICT (plan_id, leader) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER tasks_counts_update AFTER UPDATE OF plan_id, section, verdict, disputed, leader, retired_at ON tasks
WHEN OLD.plan_id IS NOT NEW.plan_id OR OLD.section IS NOT NEW.section
  OR OLD.verdict IS NOT NEW.verdict OR OLD.disputed IS NOT NEW.disputed
  OR OLD.leader IS NOT NEW.leader OR OLD.retired_at IS NOT NEW.retired_at
BEGIN
    UPDATE plan_section_counts SET n = n - 1
    WHERE OLD.retired_at IS NULL AND plan_id = OLD.plan_id
      AND section = CASE WHEN OLD.section IS NULL THEN '' ELSE '#' || OLD.section END
      AND verdict = COALESCE(OLD.verdict, '') AND disputed = OLD.disputed;
    INSERT INTO plan_section_counts (plan_id, section, verdict, disputed, n)
    SELECT NEW.plan_id, CASE WHEN NEW.section IS NULL THEN '' ELSE '#' || NEW.section END,
           COALESCE(NEW.verdict, ''), NEW.disputed, 1
    WHERE NEW.retired_at IS NULL
    ON CONFLICT (plan_id, section, verdict, disputed)
    DO UPDATE SET n = n + 1;

    UPDATE plan_leader_counts SET n = n - 1
    WHERE OLD.retired_at IS NULL AND plan_id = OLD.plan_id AND leader = OLD.leader;
    INSERT INTO plan_leader_counts (plan_id, leader, n)
    SELECT NEW.plan_id, NEW.leader, 1
    WHERE NEW.retired_at IS NULL AND NEW.leader IS NOT NULL AND NEW.leader <> ''
    ON CONFLICT (plan_id, leader) DO UPDATE SET n = n + 1;

    UPDATE plan_lead_counts SET n = n - (
        SELECT COUNT(*) FROM task_units tu
        WHERE tu.task_id = OLD.id AND tu.role = 'lead' AND tu.unit_id = plan_lead_counts.unit_id)
    WHERE OLD.retired_at IS NULL AND plan_id = OLD.plan_id AND verdict = COALESCE(OLD.verdict, '')
      AND unit_id IN (SELECT unit_id FROM task_units WHERE task_id = OLD.id AND role = 'lead');
    INSERT INTO plan_lead_counts (plan_id, unit_id, verdict, n)
    SELECT NEW.plan_id, tu.unit_id, COALESCE(NEW.verdict, ''), COUNT(*) FROM task_units tu
    WHERE NEW.retired_at IS NULL AND tu.task_id = NEW.id AND tu.role = 'lead'
    GROUP BY tu.unit_id
    ON CONFLICT (plan_id, unit_id, verdict) DO UPDATE SET n = n + excluded.n;
END;

-- Before the row goes: its lead links are removed first (their trigger still sees the task),
-- so the links' cascade that follows finds nothing left to count down.
CREATE TRIGGER tasks_counts_delete BEFORE DELETE ON tasks
BEGIN
    DELETE FROM task_units WHERE task_id = OLD.id AND role = 'lead';
    UPDATE plan_section_counts SET n = n - 1
    WHERE OLD.retired_at IS NULL AND plan_id = OLD.plan_id
      AND section = CASE WHEN OLD.section IS NULL THEN '' ELSE '#' || OLD.section END
      AND verdict = COALESCE(OLD.verdict, '') AND disputed = OLD.disputed;
    UPDATE plan_leader_counts SET n = n - 1
    WHERE OLD.retired_at IS NULL AND plan_id = OLD.plan_id AND leader = OLD.leader;
END;

CREATE TRIGGER task_units_counts_insert AFTER INSERT ON task_units
WHEN NEW.role = 'lead'
BEGIN
    INSERT INTO plan_lead_counts (plan_id, unit_id, verdict, n)
    SELECT t.plan_id, NEW.unit_id, COALESCE(t.verdict, ''), 1 FROM tasks t
    WHERE t.id = NEW.task_id AND t.retired_at IS NULL
    ON CONFLICT (plan_id, unit_id, verdict) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER task_units_counts_update AFTER UPDATE ON task_units
WHEN (OLD.role = 'lead' OR NEW.role = 'lead')
  AND (OLD.role IS NOT NEW.role OR OLD.unit_id IS NOT NEW.unit_id OR OLD.task_id IS NOT NEW.task_id)
BEGIN
    UPDATE plan_lead_counts SET n = n - 1
    WHERE OLD.role = 'lead' AND unit_id = OLD.unit_id
      AND (plan_id, verdict) = (SELECT t.plan_id, COALESCE(t.verdict, '') FROM tasks t
                                WHERE t.id = OLD.task_id AND t.retired_at IS NULL);
    INSERT INTO plan_lead_counts (plan_id, unit_id, verdict, n)
    SELECT t.plan_id, NEW.unit_id, COALESCE(t.verdict, ''), 1 FROM tasks t
    WHERE NEW.role = 'lead' AND t.id = NEW.task_id AND t.retired_at IS NULL
    ON CONFLICT (plan_id, unit_id, verdict) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER task_units_counts_delete AFTER DELETE ON task_units
WHEN OLD.role = 'lead'
BEGIN
    UPDATE plan_lead_counts SET n = n - 1
    WHERE unit_id = OLD.unit_id
      AND (plan_id, verdict) = (SELECT t.plan_id, COALESCE(t.verdict, '') FROM tasks t
                                WHERE t.id = OLD.task_id AND t.retired_at IS NULL);
END;

CREATE TRIGGER plans_counts_delete AFTER DELETE ON plans
BEGIN
    DELETE FROM plan_section_counts WHERE plan_id = OLD.id;
    DELETE FROM plan_lead_counts WHERE plan_id = OLD.id;
    DELETE FROM plan_leader_counts WHERE plan_id = OLD.id;
END;

-- The whole light kept beside its color and rule (`Light::encode`), so a page of tasks reads
-- its lights in one query instead of recomputing them from their reports. Forgetting every
-- plan's basis marks all tasks, and the next count or page keeps them whole.
ALTER TABLE task_lights ADD COLUMN detail TEXT NOT NULL DEFAULT '';
DELETE FROM light_basis;
