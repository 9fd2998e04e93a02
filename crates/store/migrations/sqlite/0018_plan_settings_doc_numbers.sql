-- The issuing office (发文机关) the source document names, kept with the plan so the
-- settings page can offer it before the office has saved settings of its own.
ALTER TABLE plans ADD COLUMN issuer TEXT;

-- What the office prints on the plan's documents (公文要素): one row per plan, written from
-- the settings page. `cc` holds one 抄送机关 per line. The patterns are 发文字号 patterns
-- with {year} and {n} ("沙督办〔{year}〕{n}号"); NULL takes the document's default.
CREATE TABLE plan_settings (
    plan_id              INTEGER PRIMARY KEY REFERENCES plans (id) ON DELETE CASCADE,
    office               TEXT,
    report_pattern       TEXT,
    bulletin_pattern     TEXT,
    supervision_pattern  TEXT,
    reminder_pattern     TEXT,
    addressee            TEXT,
    cc                   TEXT,
    printed_by           TEXT,
    contact              TEXT,
    phone                TEXT,
    updated_by           TEXT NOT NULL,
    updated_at           INTEGER NOT NULL
);

-- The last serial number given per plan, kind of document and year: the next 文号 is one
-- more, taken by an upsert in the transaction that stores it.
CREATE TABLE doc_counters (
    plan_id  INTEGER NOT NULL REFERENCES plans (id) ON DELETE CASCADE,
    kind     TEXT NOT NULL,
    year     INTEGER NOT NULL,
    last     INTEGER NOT NULL,
    PRIMARY KEY (plan_id, kind, year)
);

-- The 文号 of each 督办单 / 催办单, given once and printed the same on every download.
CREATE TABLE notice_docs (
    notice_id    INTEGER NOT NULL REFERENCES notices (id) ON DELETE CASCADE,
    kind         TEXT NOT NULL,
    plan_id      INTEGER NOT NULL REFERENCES plans (id) ON DELETE CASCADE,
    year         INTEGER NOT NULL,
    serial       INTEGER NOT NULL,
    assigned_at  INTEGER NOT NULL,
    PRIMARY KEY (notice_id, kind),
    CONSTRAINT notice_docs_kind_check CHECK (kind IN ('supervision', 'reminder')),
    CONSTRAINT notice_docs_number_key UNIQUE (plan_id, kind, year, serial)
);
