-- Tasks kept by the office in the UI (issue 13 part A): created, edited, split and retired
-- tasks; 交办/签收 (handover and acknowledgement) with change requests; milestones (节点).

-- A retired task keeps its reports and history but leaves rounds, lists and counts.
ALTER TABLE tasks ADD COLUMN retired_at INTEGER;
ALTER TABLE tasks ADD COLUMN retired_by TEXT;
ALTER TABLE tasks ADD COLUMN retire_reason TEXT;
-- A sub-task (分解) names the task it was split from; the parent's standing aggregates them.
ALTER TABLE tasks ADD COLUMN parent_id INTEGER REFERENCES tasks (id);
CREATE INDEX tasks_parent_idx ON tasks (parent_id);

-- One row per task and lead unit once the office has handed the task over (交办); the unit's
-- acknowledgement (签收) fills the second half.
CREATE TABLE task_handovers (
    task_id          INTEGER NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    unit_id          INTEGER NOT NULL REFERENCES units (id),
    plan_id          INTEGER NOT NULL REFERENCES plans (id) ON DELETE CASCADE,
    handed_by        TEXT NOT NULL,
    handed_at        INTEGER NOT NULL,
    acknowledged_by  TEXT,
    acknowledged_at  INTEGER,
    PRIMARY KEY (task_id, unit_id)
);
CREATE INDEX task_handovers_unit_idx ON task_handovers (unit_id, acknowledged_at);
CREATE INDEX task_handovers_plan_idx ON task_handovers (plan_id, acknowledged_at);

-- A lead unit's request to change how its task reads or who carries it, instead of signing.
CREATE TABLE task_change_requests (
    id              INTEGER PRIMARY KEY,
    plan_id         INTEGER NOT NULL REFERENCES plans (id) ON DELETE CASCADE,
    task_id         INTEGER NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    unit_id         INTEGER NOT NULL REFERENCES units (id),
    kind            TEXT NOT NULL,
    proposal        TEXT NOT NULL,
    -- For a change of units: the lead units asked for, as a JSON array of unit ids.
    proposed_units  TEXT,
    reason          TEXT NOT NULL,
    status          TEXT NOT NULL DEFAULT 'pending',
    requested_by    TEXT NOT NULL,
    requested_at    INTEGER NOT NULL,
    decided_by      TEXT,
    decided_at      INTEGER,
    decision_note   TEXT,
    CONSTRAINT task_change_requests_kind_check CHECK (kind IN ('text', 'units')),
    CONSTRAINT task_change_requests_status_check CHECK (status IN ('pending', 'approved', 'refused'))
);
CREATE INDEX task_change_requests_task_idx ON task_change_requests (task_id, id);
CREATE INDEX task_change_requests_plan_idx ON task_change_requests (plan_id, status, id);

-- Dated steps of a task (时间节点): a target figure by a date, or a stage reached.
CREATE TABLE task_milestones (
    id            INTEGER PRIMARY KEY,
    task_id       INTEGER NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    due_date      TEXT NOT NULL,
    label         TEXT NOT NULL,
    target_value  REAL,
    target_unit   TEXT,
    stage         TEXT,
    CONSTRAINT task_milestones_task_date_key UNIQUE (task_id, due_date)
);
