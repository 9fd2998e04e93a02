-- Search: the candidates of a text search, read from the bigram index (0017) as one array.
-- Measured at 50,000 tasks (EXPLAIN ANALYZE, crates/store/README.md): with `t.id IN (SELECT …
-- WHERE terms @> …)` the planner estimated the list's ILIKE filter as selective and cheap, so
-- it scanned every task and probed the index per row (~100 ms for a word no task holds),
-- with or without ANALYZE; for a common word it preferred a sequential scan of the arrays
-- (containment costs it a single operator per row, ~100 ms in fact, against ~2 ms through
-- GIN). Called as an init-plan (`t.id = ANY(CAST((SELECT duban_search_ids(…)) AS BIGINT[]))`)
-- the candidates are read once, first, and the tasks fetched by primary key; the function's
-- own SET keeps the GIN index (a function with SET is never inlined into the caller's plan).
CREATE FUNCTION duban_search_ids(want TEXT[]) RETURNS BIGINT[] LANGUAGE sql STABLE
SET enable_seqscan = off
AS $$ SELECT ARRAY(SELECT task_id FROM task_search WHERE terms @> want) $$;

-- Lights kept per task (issue 17): the overview counts these instead of recomputing every
-- task's light after each change. A task's light reads its row, lead links, reports,
-- notices, extension requests and milestones; triggers on each mark the task dirty in the
-- writer's own transaction (so no write path can forget, and every instance sees it), and
-- the next count recomputes only the dirty tasks. What every light reads — the day, the open
-- round, the rounds' dates — is the plan's `basis`: when it differs, all its tasks are marked.
CREATE TABLE task_lights (
    task_id  BIGINT PRIMARY KEY REFERENCES tasks (id) ON DELETE CASCADE,
    plan_id  BIGINT NOT NULL,
    color    TEXT NOT NULL,
    -- The rule's text without its dates (what the overview groups red and amber by); '' for green.
    rule     TEXT NOT NULL
);
CREATE INDEX task_lights_plan_idx ON task_lights (plan_id, color, rule);

-- No foreign key: a mark may name a task being deleted (its reports' cascade marks it). Each
-- mark takes a fresh `n` from a sequence, so a recount that read mark n clears exactly that
-- mark and never a newer one of the same task.
CREATE TABLE light_dirty (
    task_id  BIGINT PRIMARY KEY,
    n        BIGINT NOT NULL
);
CREATE SEQUENCE light_mark_seq;
CREATE TABLE light_basis (
    plan_id  BIGINT PRIMARY KEY REFERENCES plans (id) ON DELETE CASCADE,
    basis    TEXT NOT NULL
);

-- The ranking's per-unit figures for a round, kept the same way: `unit_marks.n` grows with
-- every change a unit's figures read (its reports, its links, its tasks' verdicts and
-- close-out); a kept row computed at an older mark, or under other round dates, is stale.
CREATE TABLE unit_marks (
    unit_id  BIGINT PRIMARY KEY,
    n        BIGINT NOT NULL
);
CREATE TABLE unit_round_stats (
    round_id   BIGINT NOT NULL REFERENCES rounds (id) ON DELETE CASCADE,
    unit_id    BIGINT NOT NULL REFERENCES units (id) ON DELETE CASCADE,
    n          BIGINT NOT NULL,
    basis      TEXT NOT NULL,
    present    BOOLEAN NOT NULL,
    owed       BIGINT NOT NULL,
    submitted  BIGINT NOT NULL,
    on_time    BIGINT NOT NULL,
    returned   BIGINT NOT NULL,
    accepted   BIGINT NOT NULL,
    drafts     BIGINT NOT NULL,
    met        BIGINT NOT NULL,
    PRIMARY KEY (round_id, unit_id)
);

CREATE FUNCTION duban_mark_task(task BIGINT) RETURNS void LANGUAGE sql AS $$
    INSERT INTO light_dirty (task_id, n) VALUES (task, nextval('light_mark_seq'))
    ON CONFLICT (task_id) DO UPDATE SET n = EXCLUDED.n
$$;
CREATE FUNCTION duban_mark_unit(unit BIGINT) RETURNS void LANGUAGE sql AS $$
    INSERT INTO unit_marks (unit_id, n) VALUES (unit, 1)
    ON CONFLICT (unit_id) DO UPDATE SET n = unit_marks.n + 1
$$;

-- Rows with a task_id (reports, notices, extension requests, milestones, lead links): mark
-- the task, and with TG_ARGV[0] = 'units' the unit too.
CREATE FUNCTION duban_mark_row() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        PERFORM duban_mark_task(OLD.task_id);
        IF TG_ARGV[0] = 'units' THEN PERFORM duban_mark_unit(OLD.unit_id); END IF;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        PERFORM duban_mark_task(NEW.task_id);
        IF TG_ARGV[0] = 'units' THEN PERFORM duban_mark_unit(NEW.unit_id); END IF;
    END IF;
    RETURN NULL;
END
$$;
-- Reports for the units' figures only (drafts count there, not in the lights).
CREATE FUNCTION duban_mark_report_unit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN PERFORM duban_mark_unit(OLD.unit_id); END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN PERFORM duban_mark_unit(NEW.unit_id); END IF;
    RETURN NULL;
END
$$;
CREATE FUNCTION duban_mark_task_row() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM duban_mark_task(NEW.id);
    INSERT INTO unit_marks (unit_id, n) SELECT unit_id, 1 FROM task_units WHERE task_id = NEW.id
    ON CONFLICT (unit_id) DO UPDATE SET n = unit_marks.n + 1;
    RETURN NULL;
END
$$;
CREATE FUNCTION duban_mark_unit_row() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM duban_mark_unit(NEW.id);
    RETURN NULL;
END
$$;

-- Reports: any change but a draft's own edits (as the cycle counter, 0005) for the lights;
-- every change for the units' figures, which count drafts.
CREATE TRIGGER reports_light_update AFTER UPDATE ON reports FOR EACH ROW
WHEN ((OLD.status <> 'draft' OR NEW.status <> 'draft') AND (OLD.status IS DISTINCT FROM NEW.status
   OR OLD.self_status IS DISTINCT FROM NEW.self_status OR OLD.round_id IS DISTINCT FROM NEW.round_id
   OR OLD.unit_id IS DISTINCT FROM NEW.unit_id OR OLD.task_id IS DISTINCT FROM NEW.task_id))
EXECUTE FUNCTION duban_mark_row();
CREATE TRIGGER reports_light_delete AFTER DELETE ON reports FOR EACH ROW
WHEN (OLD.status <> 'draft') EXECUTE FUNCTION duban_mark_row();
CREATE TRIGGER reports_units_delete AFTER DELETE ON reports FOR EACH ROW
EXECUTE FUNCTION duban_mark_report_unit();
CREATE TRIGGER reports_units_update AFTER UPDATE ON reports FOR EACH ROW
WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.submitted_at IS DISTINCT FROM NEW.submitted_at
   OR OLD.round_id IS DISTINCT FROM NEW.round_id OR OLD.unit_id IS DISTINCT FROM NEW.unit_id
   OR OLD.task_id IS DISTINCT FROM NEW.task_id)
EXECUTE FUNCTION duban_mark_report_unit();

CREATE TRIGGER notices_light AFTER INSERT OR UPDATE OR DELETE ON notices
FOR EACH ROW EXECUTE FUNCTION duban_mark_row();
CREATE TRIGGER extension_requests_light AFTER INSERT OR UPDATE OR DELETE ON extension_requests
FOR EACH ROW EXECUTE FUNCTION duban_mark_row();
CREATE TRIGGER task_milestones_light AFTER INSERT OR UPDATE OR DELETE ON task_milestones
FOR EACH ROW EXECUTE FUNCTION duban_mark_row();
-- Lead links: the lights count lead units; the figures count a unit's lead tasks.
CREATE TRIGGER task_units_light AFTER UPDATE OR DELETE ON task_units
FOR EACH ROW EXECUTE FUNCTION duban_mark_row('units');
-- The task row: its verdicts, dispute, close-out and retirement.
CREATE TRIGGER tasks_light_update AFTER UPDATE ON tasks FOR EACH ROW
WHEN (OLD.verdict IS DISTINCT FROM NEW.verdict OR OLD.machine_verdict IS DISTINCT FROM NEW.machine_verdict
   OR OLD.final_verdict IS DISTINCT FROM NEW.final_verdict OR OLD.disputed IS DISTINCT FROM NEW.disputed
   OR OLD.closed_on IS DISTINCT FROM NEW.closed_on OR OLD.retired_at IS DISTINCT FROM NEW.retired_at
   OR OLD.plan_id IS DISTINCT FROM NEW.plan_id)
EXECUTE FUNCTION duban_mark_task_row();
-- A unit's name is in its ranking row.
CREATE TRIGGER units_light_update AFTER UPDATE ON units FOR EACH ROW
WHEN (OLD.name IS DISTINCT FROM NEW.name) EXECUTE FUNCTION duban_mark_unit_row();

-- Inserts, once per statement: imports and bulk loads insert thousands of tasks, links and
-- reports per statement, and one mark per distinct task or unit is all they need.
CREATE FUNCTION duban_mark_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'tasks' THEN
        INSERT INTO light_dirty (task_id, n)
        SELECT id, nextval('light_mark_seq') FROM inserted
        ON CONFLICT (task_id) DO UPDATE SET n = EXCLUDED.n;
        RETURN NULL;
    END IF;
    IF TG_TABLE_NAME = 'task_units' THEN
        INSERT INTO light_dirty (task_id, n)
        SELECT task_id, nextval('light_mark_seq') FROM (SELECT DISTINCT task_id FROM inserted) i
        ON CONFLICT (task_id) DO UPDATE SET n = EXCLUDED.n;
    ELSE
        -- reports: drafts never reach the office, so they leave the lights alone.
        INSERT INTO light_dirty (task_id, n)
        SELECT task_id, nextval('light_mark_seq')
        FROM (SELECT DISTINCT task_id FROM inserted WHERE status <> 'draft') i
        ON CONFLICT (task_id) DO UPDATE SET n = EXCLUDED.n;
    END IF;
    INSERT INTO unit_marks (unit_id, n)
    SELECT DISTINCT unit_id, 1 FROM inserted
    ON CONFLICT (unit_id) DO UPDATE SET n = unit_marks.n + 1;
    RETURN NULL;
END
$$;
CREATE TRIGGER tasks_light_inserted AFTER INSERT ON tasks
REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION duban_mark_inserted();
CREATE TRIGGER task_units_light_inserted AFTER INSERT ON task_units
REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION duban_mark_inserted();
CREATE TRIGGER reports_light_inserted AFTER INSERT ON reports
REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION duban_mark_inserted();
