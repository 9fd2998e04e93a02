-- Search needs nothing here on SQLite (the PostgreSQL twin adds a planner-proof candidate
-- function; FTS5's MATCH is always answered from its index).

-- Lights kept per task (issue 17): the overview counts these instead of recomputing every
-- task's light after each change. A task's light reads its row, lead links, reports,
-- notices, extension requests and milestones; triggers on each mark the task dirty in the
-- writer's own transaction (so no write path can forget, and every instance sees it), and
-- the next count recomputes only the dirty tasks. What every light reads — the day, the open
-- round, the rounds' dates — is the plan's `basis`: when it differs, all its tasks are marked.
CREATE TABLE task_lights (
    task_id  INTEGER PRIMARY KEY REFERENCES tasks (id) ON DELETE CASCADE,
    plan_id  INTEGER NOT NULL,
    color    TEXT NOT NULL,
    -- The rule's text without its dates (what the overview groups red and amber by); '' for green.
    rule     TEXT NOT NULL
);
CREATE INDEX task_lights_plan_idx ON task_lights (plan_id, color, rule);

-- No foreign key: a mark may name a task being deleted (its reports' cascade marks it). Each
-- mark gets a fresh random `n` (a sequence on PostgreSQL), so a recount that read mark n
-- clears exactly that mark and never a newer one of the same task.
CREATE TABLE light_dirty (
    task_id  INTEGER PRIMARY KEY,
    n        INTEGER NOT NULL
);
CREATE TABLE light_basis (
    plan_id  INTEGER PRIMARY KEY REFERENCES plans (id) ON DELETE CASCADE,
    basis    TEXT NOT NULL
);

-- The ranking's per-unit figures for a round, kept the same way: `unit_marks.n` grows with
-- every change a unit's figures read (its reports, its links, its tasks' verdicts and
-- close-out); a kept row computed at an older mark, or under other round dates, is stale.
CREATE TABLE unit_marks (
    unit_id  INTEGER PRIMARY KEY,
    n        INTEGER NOT NULL
);
CREATE TABLE unit_round_stats (
    round_id   INTEGER NOT NULL REFERENCES rounds (id) ON DELETE CASCADE,
    unit_id    INTEGER NOT NULL REFERENCES units (id) ON DELETE CASCADE,
    n          INTEGER NOT NULL,
    basis      TEXT NOT NULL,
    present    BOOLEAN NOT NULL,
    owed       INTEGER NOT NULL,
    submitted  INTEGER NOT NULL,
    on_time    INTEGER NOT NULL,
    returned   INTEGER NOT NULL,
    accepted   INTEGER NOT NULL,
    drafts     INTEGER NOT NULL,
    met        INTEGER NOT NULL,
    PRIMARY KEY (round_id, unit_id)
);

-- The marks. Reports: any change but a draft's own edits (as the cycle counter, 0005) for the
-- lights; every change for the units' figures, which count drafts.
CREATE TRIGGER reports_light_insert AFTER INSERT ON reports
WHEN NEW.status <> 'draft'
BEGIN
    INSERT INTO light_dirty (task_id, n) VALUES (NEW.task_id, random())
        ON CONFLICT (task_id) DO UPDATE SET n = excluded.n;
END;
CREATE TRIGGER reports_light_update AFTER UPDATE ON reports
WHEN (OLD.status <> 'draft' OR NEW.status <> 'draft') AND (OLD.status IS NOT NEW.status OR OLD.self_status IS NOT NEW.self_status OR OLD.round_id IS NOT NEW.round_id OR OLD.unit_id IS NOT NEW.unit_id OR OLD.task_id IS NOT NEW.task_id)
BEGIN
    INSERT INTO light_dirty (task_id, n) VALUES (OLD.task_id, random())
        ON CONFLICT (task_id) DO UPDATE SET n = excluded.n;
    INSERT INTO light_dirty (task_id, n) VALUES (NEW.task_id, random())
        ON CONFLICT (task_id) DO UPDATE SET n = excluded.n;
END;
CREATE TRIGGER reports_light_delete AFTER DELETE ON reports
WHEN OLD.status <> 'draft'
BEGIN
    INSERT INTO light_dirty (task_id, n) VALUES (OLD.task_id, random())
        ON CONFLICT (task_id) DO UPDATE SET n = excluded.n;
END;
CREATE TRIGGER reports_units_insert AFTER INSERT ON reports
BEGIN
    INSERT INTO unit_marks (unit_id, n) VALUES (NEW.unit_id, 1)
        ON CONFLICT (unit_id) DO UPDATE SET n = unit_marks.n + 1;
END;
CREATE TRIGGER reports_units_update AFTER UPDATE ON reports
WHEN OLD.status IS NOT NEW.status OR OLD.submitted_at IS NOT NEW.submitted_at OR OLD.round_id IS NOT NEW.round_id OR OLD.unit_id IS NOT NEW.unit_id OR OLD.task_id IS NOT NEW.task_id
BEGIN
    INSERT INTO unit_marks (unit_id, n) VALUES (OLD.unit_id, 1)
        ON CONFLICT (unit_id) DO UPDATE SET n = unit_marks.n + 1;
    INSERT INTO unit_marks (unit_id, n) VALUES (NEW.unit_id, 1)
        ON CONFLICT (unit_id) DO UPDATE SET n = unit_marks.n + 1;
END;
CREATE TRIGGER reports_units_delete AFTER DELETE ON reports
BEGIN
    INSERT INTO unit_marks (unit_id, n) VALUES (OLD.unit_id, 1)
        ON CONFLICT (unit_id) DO UPDATE SET n = unit_marks.n + 1;
END;
CREATE TRIGGER notices_light_insert AFTER INSERT ON notices
BEGIN
    INSERT INTO light_dirty (task_id, n) VALUES (NEW.task_id, random())
        ON CONFLICT (task_id) DO UPDATE SET n = excluded.n;
END;
CREATE TRIGGER notices_light_update AFTER UPDATE ON notices
BEGIN
    INSERT INTO light_dirty (task_id, n) VALUES (OLD.task_id, random())
        ON CONFLICT (task_id) DO UPDATE SET n = excluded.n;
    INSERT INTO light_dirty (task_id, n) VALUES (NEW.task_id, random())
        ON CONFLICT (task_id) DO UPDATE SET n = excluded.n;
END;
CREATE TRIGGER notices_light_delete AFTER DELETE ON notices
BEGIN
    INSERT INTO light_dirty (task_id, n) VALUES (OLD.task_id, random())
        ON CONFLICT (task_id) DO UPDATE SET n = excluded.n;
END;
CREATE TRIGGER extension_requests_light_insert AFTER INSERT ON extension_requests
BEGIN
    INSERT INTO light_dirty (task_id, n) VALUES (NEW.task_id, random())
        ON CONFLICT (task_id) DO UPDATE SET n = excluded.n;
END;
CREATE TRIGGER extension_requests_light_update AFTER UPDATE ON extension_requests
BEGIN
    INSERT INTO light_dirty (task_id, n) VALUES (OLD.task_id, random())
        ON CONFLICT (task_id) DO UPDATE SET n = excluded.n;
    INSERT INTO light_dirty (task_id, n) VALUES (NEW.task_id, random())
        ON CONFLICT (task_id) DO UPDATE SET n = excluded.n;
END;
CREATE TRIGGER extension_requests_light_delete AFTER DELETE ON extension_requests
BEGIN
    INSERT INTO light_dirty (task_id, n) VALUES (OLD.task_id, random())
        ON CONFLICT (task_id) DO UPDATE SET n = excluded.n;
END;
CREATE TRIGGER task_milestones_light_insert AFTER INSERT ON task_milestones
BEGIN
    INSERT INTO light_dirty (task_id, n) VALUES (NEW.task_id, random())
        ON CONFLICT (task_id) DO UPDATE SET n = excluded.n;
END;
CREATE TRIGGER task_milestones_light_update AFTER UPDATE ON task_milestones
BEGIN
    INSERT INTO light_dirty (task_id, n) VALUES (OLD.task_id, random())
        ON CONFLICT (task_id) DO UPDATE SET n = excluded.n;
    INSERT INTO light_dirty (task_id, n) VALUES (NEW.task_id, random())
        ON CONFLICT (task_id) DO UPDATE SET n = excluded.n;
END;
CREATE TRIGGER task_milestones_light_delete AFTER DELETE ON task_milestones
BEGIN
    INSERT INTO light_dirty (task_id, n) VALUES (OLD.task_id, random())
        ON CONFLICT (task_id) DO UPDATE SET n = excluded.n;
END;
-- Lead links: the lights count lead units; the figures count a unit's lead tasks.
CREATE TRIGGER task_units_light_insert AFTER INSERT ON task_units
BEGIN
    INSERT INTO light_dirty (task_id, n) VALUES (NEW.task_id, random())
        ON CONFLICT (task_id) DO UPDATE SET n = excluded.n;
    INSERT INTO unit_marks (unit_id, n) VALUES (NEW.unit_id, 1)
        ON CONFLICT (unit_id) DO UPDATE SET n = unit_marks.n + 1;
END;
CREATE TRIGGER task_units_light_update AFTER UPDATE ON task_units
BEGIN
    INSERT INTO light_dirty (task_id, n) VALUES (OLD.task_id, random())
        ON CONFLICT (task_id) DO UPDATE SET n = excluded.n;
    INSERT INTO light_dirty (task_id, n) VALUES (NEW.task_id, random())
        ON CONFLICT (task_id) DO UPDATE SET n = excluded.n;
    INSERT INTO unit_marks (unit_id, n) VALUES (OLD.unit_id, 1)
        ON CONFLICT (unit_id) DO UPDATE SET n = unit_marks.n + 1;
    INSERT INTO unit_marks (unit_id, n) VALUES (NEW.unit_id, 1)
        ON CONFLICT (unit_id) DO UPDATE SET n = unit_marks.n + 1;
END;
CREATE TRIGGER task_units_light_delete AFTER DELETE ON task_units
BEGIN
    INSERT INTO light_dirty (task_id, n) VALUES (OLD.task_id, random())
        ON CONFLICT (task_id) DO UPDATE SET n = excluded.n;
    INSERT INTO unit_marks (unit_id, n) VALUES (OLD.unit_id, 1)
        ON CONFLICT (unit_id) DO UPDATE SET n = unit_marks.n + 1;
END;
-- The task row: its verdicts, dispute, close-out and retirement.
CREATE TRIGGER tasks_light_insert AFTER INSERT ON tasks
BEGIN
    INSERT INTO light_dirty (task_id, n) VALUES (NEW.id, random())
        ON CONFLICT (task_id) DO UPDATE SET n = excluded.n;
END;
CREATE TRIGGER tasks_light_update AFTER UPDATE ON tasks
WHEN OLD.verdict IS NOT NEW.verdict OR OLD.machine_verdict IS NOT NEW.machine_verdict OR OLD.final_verdict IS NOT NEW.final_verdict OR OLD.disputed IS NOT NEW.disputed OR OLD.closed_on IS NOT NEW.closed_on OR OLD.retired_at IS NOT NEW.retired_at OR OLD.plan_id IS NOT NEW.plan_id
BEGIN
    INSERT INTO light_dirty (task_id, n) VALUES (NEW.id, random())
        ON CONFLICT (task_id) DO UPDATE SET n = excluded.n;
    INSERT INTO unit_marks (unit_id, n) SELECT unit_id, 1 FROM task_units WHERE task_id = NEW.id AND true
        ON CONFLICT (unit_id) DO UPDATE SET n = unit_marks.n + 1;
END;
-- A unit's name is in its ranking row.
CREATE TRIGGER units_light_update AFTER UPDATE ON units
WHEN OLD.name IS NOT NEW.name
BEGIN
    INSERT INTO unit_marks (unit_id, n) VALUES (NEW.id, 1)
        ON CONFLICT (unit_id) DO UPDATE SET n = unit_marks.n + 1;
END;
