-- Core schema for SQLite. Times are UTC unix seconds; flags are 0/1 integers read as booleans.
-- Constraint names match the PostgreSQL schema so errors map to the same user messages.

CREATE TABLE units (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL,
    aliases     TEXT NOT NULL DEFAULT '[]',
    created_at  INTEGER NOT NULL,
    CONSTRAINT units_name_key UNIQUE (name)
);

CREATE TABLE users (
    id             INTEGER PRIMARY KEY,
    username       TEXT NOT NULL,
    display_name   TEXT NOT NULL,
    role           TEXT NOT NULL,
    unit_id        INTEGER REFERENCES units (id),
    password_hash  TEXT NOT NULL,
    must_change    BOOLEAN NOT NULL DEFAULT 0,
    failed_count   INTEGER NOT NULL DEFAULT 0,
    locked_until   INTEGER,
    created_at     INTEGER NOT NULL,
    CONSTRAINT users_username_key UNIQUE (username),
    CONSTRAINT users_role_check CHECK (role IN ('admin', 'leader', 'unit')),
    CONSTRAINT users_unit_required CHECK (role <> 'unit' OR unit_id IS NOT NULL)
);

CREATE TABLE sessions (
    token_hash  TEXT PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf        TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    last_seen   INTEGER NOT NULL
);
CREATE INDEX sessions_user_idx ON sessions (user_id);

CREATE TABLE plans (
    id             INTEGER PRIMARY KEY,
    name           TEXT NOT NULL,
    year           INTEGER,
    title          TEXT,
    source_name    TEXT NOT NULL,
    source_format  TEXT NOT NULL,
    source_sha256  TEXT NOT NULL,
    claimed_total  INTEGER,
    created_by     TEXT NOT NULL,
    created_at     INTEGER NOT NULL,
    CONSTRAINT plans_source_sha256_key UNIQUE (source_sha256)
);

CREATE TABLE plan_tables (
    plan_id         INTEGER NOT NULL REFERENCES plans (id) ON DELETE CASCADE,
    table_no        INTEGER NOT NULL,
    label           TEXT NOT NULL,
    title           TEXT,
    claimed_rows    INTEGER,
    row_count       INTEGER NOT NULL,
    office_verdict  TEXT,
    PRIMARY KEY (plan_id, table_no)
);

CREATE TABLE tasks (
    id               INTEGER PRIMARY KEY,
    plan_id          INTEGER NOT NULL REFERENCES plans (id) ON DELETE CASCADE,
    position         INTEGER NOT NULL,
    table_no         INTEGER NOT NULL,
    row_no           INTEGER NOT NULL,
    section          TEXT,
    text             TEXT NOT NULL,
    progress         TEXT NOT NULL,
    progress_label   TEXT,
    leader           TEXT,
    deadline         TEXT,
    status_text      TEXT,
    office_verdict   TEXT,
    machine_verdict  TEXT,
    final_verdict    TEXT,
    override_reason  TEXT,
    overridden_by    TEXT,
    overridden_at    INTEGER,
    verdict          TEXT,
    disputed         BOOLEAN NOT NULL DEFAULT 0,
    explanation      TEXT,
    targets_json     TEXT NOT NULL DEFAULT '[]',
    CONSTRAINT tasks_plan_position_key UNIQUE (plan_id, position)
);
CREATE INDEX tasks_plan_verdict_idx ON tasks (plan_id, verdict, position);
CREATE INDEX tasks_plan_section_idx ON tasks (plan_id, section, position);
CREATE INDEX tasks_plan_disputed_idx ON tasks (plan_id, disputed, position);

CREATE TABLE task_units (
    task_id   INTEGER NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    unit_id   INTEGER NOT NULL REFERENCES units (id),
    role      TEXT NOT NULL,
    position  INTEGER NOT NULL,
    PRIMARY KEY (task_id, role, unit_id),
    CONSTRAINT task_units_role_check CHECK (role IN ('lead', 'coop'))
);
CREATE INDEX task_units_unit_idx ON task_units (unit_id, role, task_id);

CREATE TABLE task_groups (
    task_id   INTEGER NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    role      TEXT NOT NULL,
    position  INTEGER NOT NULL,
    name      TEXT NOT NULL,
    PRIMARY KEY (task_id, role, position),
    CONSTRAINT task_groups_role_check CHECK (role IN ('lead', 'coop'))
);

CREATE TABLE import_warnings (
    plan_id   INTEGER NOT NULL REFERENCES plans (id) ON DELETE CASCADE,
    position  INTEGER NOT NULL,
    code      TEXT NOT NULL,
    message   TEXT NOT NULL,
    location  TEXT NOT NULL,
    table_no  INTEGER,
    row_no    INTEGER,
    PRIMARY KEY (plan_id, position)
);

CREATE TABLE rounds (
    id          INTEGER PRIMARY KEY,
    plan_id     INTEGER NOT NULL REFERENCES plans (id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    due_date    TEXT NOT NULL,
    status      TEXT NOT NULL DEFAULT 'open',
    created_at  INTEGER NOT NULL,
    closed_at   INTEGER,
    CONSTRAINT rounds_plan_name_key UNIQUE (plan_id, name),
    CONSTRAINT rounds_status_check CHECK (status IN ('open', 'closed'))
);

CREATE TABLE reports (
    id             INTEGER PRIMARY KEY,
    task_id        INTEGER NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    round_id       INTEGER NOT NULL REFERENCES rounds (id) ON DELETE CASCADE,
    unit_id        INTEGER NOT NULL REFERENCES units (id),
    version        INTEGER NOT NULL DEFAULT 1,
    narrative      TEXT NOT NULL,
    figures_json   TEXT NOT NULL DEFAULT '{}',
    self_status    TEXT,
    delay_reason   TEXT,
    next_steps     TEXT,
    status         TEXT NOT NULL DEFAULT 'draft',
    return_reason  TEXT,
    created_by     TEXT NOT NULL,
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL,
    submitted_at   INTEGER,
    reviewed_by    TEXT,
    reviewed_at    INTEGER,
    CONSTRAINT reports_task_round_unit_key UNIQUE (task_id, round_id, unit_id),
    CONSTRAINT reports_status_check CHECK (status IN ('draft', 'submitted', 'returned', 'accepted')),
    CONSTRAINT reports_self_status_check CHECK (self_status IS NULL OR self_status IN ('done', 'on_schedule', 'lagging', 'not_started'))
);
CREATE INDEX reports_round_status_idx ON reports (round_id, status);
CREATE INDEX reports_unit_round_idx ON reports (unit_id, round_id);

-- Every saved version of a report, so review can show who wrote what and when.
CREATE TABLE report_versions (
    report_id     INTEGER NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
    version       INTEGER NOT NULL,
    narrative     TEXT NOT NULL,
    figures_json  TEXT NOT NULL,
    self_status   TEXT,
    delay_reason  TEXT,
    next_steps    TEXT,
    status        TEXT NOT NULL,
    saved_by      TEXT NOT NULL,
    saved_at      INTEGER NOT NULL,
    PRIMARY KEY (report_id, version)
);

CREATE TABLE audit_log (
    seq          INTEGER PRIMARY KEY,
    at           INTEGER NOT NULL,
    actor        TEXT NOT NULL,
    action       TEXT NOT NULL,
    entity       TEXT NOT NULL,
    entity_id    TEXT,
    before_json  TEXT,
    after_json   TEXT,
    prev_hash    TEXT NOT NULL,
    hash         TEXT NOT NULL
);

-- The chain head: one row whose update serialises appenders, and which remembers the last
-- seq so that deleting the newest entries is detected too.
CREATE TABLE audit_head (
    id    INTEGER PRIMARY KEY,
    seq   INTEGER NOT NULL,
    hash  TEXT NOT NULL,
    CONSTRAINT audit_head_single CHECK (id = 1)
);
INSERT INTO audit_head (id, seq, hash)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');
