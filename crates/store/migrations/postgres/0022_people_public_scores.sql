-- People, the public page and 考核 scores (issue 14, items 5, 8, 9).

-- A disabled account cannot log in or use a token; NULL while enabled.
ALTER TABLE users ADD COLUMN disabled_at BIGINT;

-- The narrative the office chose to publish for a task on the plan's public page.
ALTER TABLE tasks ADD COLUMN public_note TEXT;

-- Plans the office has opted into a public progress page (公开); no row means not public.
CREATE TABLE plan_publication (
    plan_id     BIGINT PRIMARY KEY REFERENCES plans (id) ON DELETE CASCADE,
    enabled     BOOLEAN NOT NULL DEFAULT FALSE,
    changed_by  TEXT NOT NULL,
    changed_at  BIGINT NOT NULL
);

-- The weights of a plan's 考核 score rules, as JSON; no row means the defaults.
CREATE TABLE score_rules (
    plan_id     BIGINT PRIMARY KEY REFERENCES plans (id) ON DELETE CASCADE,
    rules_json  TEXT NOT NULL,
    changed_by  TEXT NOT NULL,
    changed_at  BIGINT NOT NULL
);
