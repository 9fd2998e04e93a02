-- The chasing side of the reporting cycle: supervision notices (督办单), extension requests
-- (延期申请), cooperating units' contributions, in-app notifications and the delivery outbox.
-- Same semantics and constraint names as the PostgreSQL schema.

ALTER TABLE units ADD COLUMN email TEXT;
ALTER TABLE users ADD COLUMN email TEXT;

CREATE TABLE notices (
    id            INTEGER PRIMARY KEY,
    plan_id       INTEGER NOT NULL REFERENCES plans (id) ON DELETE CASCADE,
    task_id       INTEGER NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    unit_id       INTEGER NOT NULL REFERENCES units (id),
    -- The level it was issued with; `level` is where escalation has taken it since.
    issued_level  TEXT NOT NULL,
    level         TEXT NOT NULL,
    text          TEXT NOT NULL,
    deadline      TEXT NOT NULL,
    status        TEXT NOT NULL DEFAULT 'open',
    issued_by     TEXT NOT NULL,
    issued_at     INTEGER NOT NULL,
    answer        TEXT,
    answered_by   TEXT,
    answered_at   INTEGER,
    close_note    TEXT,
    closed_by     TEXT,
    closed_at     INTEGER,
    escalated_at  INTEGER,
    CONSTRAINT notices_level_check CHECK (level IN ('blue', 'yellow', 'red') AND issued_level IN ('blue', 'yellow', 'red')),
    CONSTRAINT notices_status_check CHECK (status IN ('open', 'answered', 'closed'))
);
CREATE INDEX notices_task_idx ON notices (task_id, id);
CREATE INDEX notices_unit_idx ON notices (unit_id, status, id);
CREATE INDEX notices_plan_idx ON notices (plan_id, status, id);

CREATE TABLE extension_requests (
    id              INTEGER PRIMARY KEY,
    plan_id         INTEGER NOT NULL REFERENCES plans (id) ON DELETE CASCADE,
    task_id         INTEGER NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    round_id        INTEGER REFERENCES rounds (id) ON DELETE CASCADE,
    unit_id         INTEGER NOT NULL REFERENCES units (id),
    requested_date  TEXT NOT NULL,
    reason          TEXT NOT NULL,
    status          TEXT NOT NULL DEFAULT 'pending',
    requested_by    TEXT NOT NULL,
    requested_at    INTEGER NOT NULL,
    decided_by      TEXT,
    decided_at      INTEGER,
    decision_note   TEXT,
    CONSTRAINT extension_requests_status_check CHECK (status IN ('pending', 'approved', 'refused'))
);
CREATE INDEX extension_requests_task_idx ON extension_requests (task_id, id);
CREATE INDEX extension_requests_unit_idx ON extension_requests (unit_id, status, id);
CREATE INDEX extension_requests_plan_idx ON extension_requests (plan_id, status, id);

-- One text per cooperating unit, task and round; writing again replaces it.
CREATE TABLE contributions (
    id          INTEGER PRIMARY KEY,
    task_id     INTEGER NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    round_id    INTEGER NOT NULL REFERENCES rounds (id) ON DELETE CASCADE,
    unit_id     INTEGER NOT NULL REFERENCES units (id),
    text        TEXT NOT NULL,
    version     INTEGER NOT NULL DEFAULT 1,
    written_by  TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    merged_by   TEXT,
    merged_at   INTEGER,
    CONSTRAINT contributions_task_round_unit_key UNIQUE (task_id, round_id, unit_id)
);

-- In-app messages, to one user or to every user of a unit. A reminder carries a dedupe key
-- so that several instances scanning at once leave one row.
CREATE TABLE notifications (
    id          INTEGER PRIMARY KEY,
    user_id     INTEGER REFERENCES users (id) ON DELETE CASCADE,
    unit_id     INTEGER REFERENCES units (id),
    kind        TEXT NOT NULL,
    subject     TEXT NOT NULL,
    body        TEXT NOT NULL,
    link        TEXT,
    dedupe_key  TEXT,
    created_at  INTEGER NOT NULL,
    read_at     INTEGER,
    read_by     TEXT,
    CONSTRAINT notifications_dedupe_key UNIQUE (dedupe_key),
    CONSTRAINT notifications_addressee CHECK (user_id IS NOT NULL OR unit_id IS NOT NULL)
);
CREATE INDEX notifications_user_idx ON notifications (user_id, read_at, id);
CREATE INDEX notifications_unit_idx ON notifications (unit_id, read_at, id);

-- Deliveries to send (email, webhook): one row per reminder, subject, recipient and channel.
-- `status`: pending (waiting for next_attempt_at), sending (claimed by `claimed_by` until
-- `lease_until`; an expired lease is claimable again), sent, failed (gave up).
CREATE TABLE outbox (
    id               INTEGER PRIMARY KEY,
    dedupe_key       TEXT NOT NULL,
    kind             TEXT NOT NULL,
    subject_ref      TEXT NOT NULL,
    channel          TEXT NOT NULL,
    recipient        TEXT NOT NULL,
    unit_id          INTEGER REFERENCES units (id),
    subject          TEXT NOT NULL,
    body             TEXT NOT NULL,
    status           TEXT NOT NULL DEFAULT 'pending',
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  INTEGER NOT NULL,
    claimed_by       TEXT,
    lease_until      INTEGER,
    last_error       TEXT,
    created_at       INTEGER NOT NULL,
    sent_at          INTEGER,
    CONSTRAINT outbox_dedupe_key UNIQUE (dedupe_key),
    CONSTRAINT outbox_status_check CHECK (status IN ('pending', 'sending', 'sent', 'failed'))
);
CREATE INDEX outbox_due_idx ON outbox (status, next_attempt_at, id);
