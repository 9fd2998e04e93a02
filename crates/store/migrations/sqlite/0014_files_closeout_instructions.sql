-- Evidence files (佐证材料), close-out (办结销号) and leaders' instructions (领导批示).

-- File contents, once per content hash however often they are attached.
CREATE TABLE file_blobs (
    sha256      TEXT PRIMARY KEY,
    size        INTEGER NOT NULL,
    content     BLOB NOT NULL
);

-- One file attached to a report, a notice answer, an extension request or a close-out
-- application. `task_id` and `unit_id` are copied from the owner so that scope checks need
-- no join per owner kind: a unit sees only its own unit's files.
CREATE TABLE attachments (
    id            INTEGER PRIMARY KEY,
    task_id       INTEGER NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    unit_id       INTEGER NOT NULL REFERENCES units (id),
    owner_kind    TEXT NOT NULL,
    owner_id      INTEGER NOT NULL,
    sha256        TEXT NOT NULL REFERENCES file_blobs (sha256),
    file_name     TEXT NOT NULL,
    content_type  TEXT NOT NULL,
    size          INTEGER NOT NULL,
    uploaded_by   TEXT NOT NULL,
    uploaded_at   INTEGER NOT NULL,
    CONSTRAINT attachments_owner_kind_check CHECK (owner_kind IN ('report', 'notice', 'extension', 'closeout'))
);
CREATE INDEX attachments_owner_idx ON attachments (owner_kind, owner_id, id);
CREATE INDEX attachments_task_idx ON attachments (task_id, id);

-- A lead unit's application to close a task out; the office approves or refuses it, and may
-- reopen an approved one with a reason.
CREATE TABLE closeouts (
    id              INTEGER PRIMARY KEY,
    task_id         INTEGER NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    unit_id         INTEGER NOT NULL REFERENCES units (id),
    narrative       TEXT NOT NULL,
    status          TEXT NOT NULL DEFAULT 'pending',
    applied_by      TEXT NOT NULL,
    applied_at      INTEGER NOT NULL,
    decided_by      TEXT,
    decided_at      INTEGER,
    decision_note   TEXT,
    reopened_by     TEXT,
    reopened_at     INTEGER,
    reopen_reason   TEXT,
    CONSTRAINT closeouts_status_check CHECK (status IN ('pending', 'approved', 'refused', 'reopened'))
);
CREATE INDEX closeouts_task_idx ON closeouts (task_id, id);

-- The closing date (ISO, China Standard Time) of a task closed out; NULL while it is open.
ALTER TABLE tasks ADD COLUMN closed_on TEXT;

-- A leader's instruction on a task, and the units' answers (落实情况).
CREATE TABLE instructions (
    id          INTEGER PRIMARY KEY,
    task_id     INTEGER NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    text        TEXT NOT NULL,
    written_by  TEXT NOT NULL,
    written_at  INTEGER NOT NULL
);
CREATE INDEX instructions_task_idx ON instructions (task_id, id);

CREATE TABLE instruction_answers (
    id              INTEGER PRIMARY KEY,
    instruction_id  INTEGER NOT NULL REFERENCES instructions (id) ON DELETE CASCADE,
    unit_id         INTEGER NOT NULL REFERENCES units (id),
    text            TEXT NOT NULL,
    written_by      TEXT NOT NULL,
    written_at      INTEGER NOT NULL
);
CREATE INDEX instruction_answers_idx ON instruction_answers (instruction_id, id);
