-- A counter bumped, in the same transaction, by every change that can turn a task's
-- red/amber/green light: a report reaching or leaving the office or changing its self-status,
-- a round opened, closed or moved, a supervision notice, an extension decision. Pages cache
-- the lights' counts under (plan revision, this counter, today) instead of re-reading
-- every report of the plan. Triggers, not application code, so no write path can forget.
CREATE TABLE cycle_revision (
    id  INTEGER PRIMARY KEY,
    n   INTEGER NOT NULL,
    CONSTRAINT cycle_revision_single CHECK (id = 1)
);
INSERT INTO cycle_revision (id, n) VALUES (1, 0);

-- Drafts never reach the office, so saving one leaves the lights alone.
CREATE TRIGGER reports_cycle_insert AFTER INSERT ON reports
WHEN NEW.status <> 'draft'
BEGIN UPDATE cycle_revision SET n = n + 1 WHERE id = 1; END;

CREATE TRIGGER reports_cycle_update AFTER UPDATE ON reports
WHEN (OLD.status <> 'draft' OR NEW.status <> 'draft') AND (OLD.status IS NOT NEW.status OR OLD.self_status IS NOT NEW.self_status
  OR OLD.round_id IS NOT NEW.round_id OR OLD.unit_id IS NOT NEW.unit_id
  OR OLD.task_id IS NOT NEW.task_id)
BEGIN UPDATE cycle_revision SET n = n + 1 WHERE id = 1; END;

CREATE TRIGGER reports_cycle_delete AFTER DELETE ON reports
WHEN OLD.status <> 'draft'
BEGIN UPDATE cycle_revision SET n = n + 1 WHERE id = 1; END;

CREATE TRIGGER rounds_cycle_insert AFTER INSERT ON rounds
BEGIN UPDATE cycle_revision SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER rounds_cycle_update AFTER UPDATE ON rounds
BEGIN UPDATE cycle_revision SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER rounds_cycle_delete AFTER DELETE ON rounds
BEGIN UPDATE cycle_revision SET n = n + 1 WHERE id = 1; END;

CREATE TRIGGER notices_cycle_insert AFTER INSERT ON notices
BEGIN UPDATE cycle_revision SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER notices_cycle_update AFTER UPDATE ON notices
BEGIN UPDATE cycle_revision SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER notices_cycle_delete AFTER DELETE ON notices
BEGIN UPDATE cycle_revision SET n = n + 1 WHERE id = 1; END;

CREATE TRIGGER extension_requests_cycle_insert AFTER INSERT ON extension_requests
BEGIN UPDATE cycle_revision SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER extension_requests_cycle_update AFTER UPDATE ON extension_requests
BEGIN UPDATE cycle_revision SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER extension_requests_cycle_delete AFTER DELETE ON extension_requests
BEGIN UPDATE cycle_revision SET n = n + 1 WHERE id = 1; END;

-- The lights' "returned" count reads each task's returned reports.
CREATE INDEX reports_task_status_idx ON reports (task_id, status);
