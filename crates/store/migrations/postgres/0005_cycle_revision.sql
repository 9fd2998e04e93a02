-- A counter bumped, in the same transaction, by every change that can turn a task's
-- red/amber/green light: a report reaching or leaving the office or changing its self-status,
-- a round opened, closed or moved, a supervision notice, an extension decision. Pages cache
-- the lights' counts under (plan revision, this counter, today) instead of re-reading
-- every report of the plan. Triggers, not application code, so no write path can forget.
CREATE TABLE cycle_revision (
    id  BIGINT PRIMARY KEY,
    n   BIGINT NOT NULL,
    CONSTRAINT cycle_revision_single CHECK (id = 1)
);
INSERT INTO cycle_revision (id, n) VALUES (1, 0);

-- Deferred to commit, so the counter's row lock is always the last lock a transaction takes
-- (after the audit head): no lock-order cycle with writers of reports or notices. Once per
-- transaction: a bulk load of 600,000 reports bumps it once, not 600,000 times.
CREATE FUNCTION duban_bump_cycle() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('duban.cycle_bumped', true) IS DISTINCT FROM 'y' THEN
        UPDATE cycle_revision SET n = n + 1 WHERE id = 1;
        PERFORM set_config('duban.cycle_bumped', 'y', true);
    END IF;
    RETURN NULL;
END
$$;

-- Drafts never reach the office, so saving one leaves the lights alone.
CREATE CONSTRAINT TRIGGER reports_cycle_insert AFTER INSERT ON reports
DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
WHEN (NEW.status <> 'draft') EXECUTE FUNCTION duban_bump_cycle();

CREATE CONSTRAINT TRIGGER reports_cycle_update AFTER UPDATE ON reports
DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
WHEN ((OLD.status <> 'draft' OR NEW.status <> 'draft') AND (OLD.status IS DISTINCT FROM NEW.status OR OLD.self_status IS DISTINCT FROM NEW.self_status
   OR OLD.round_id IS DISTINCT FROM NEW.round_id OR OLD.unit_id IS DISTINCT FROM NEW.unit_id
   OR OLD.task_id IS DISTINCT FROM NEW.task_id))
EXECUTE FUNCTION duban_bump_cycle();

CREATE CONSTRAINT TRIGGER reports_cycle_delete AFTER DELETE ON reports
DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
WHEN (OLD.status <> 'draft') EXECUTE FUNCTION duban_bump_cycle();

CREATE CONSTRAINT TRIGGER rounds_cycle AFTER INSERT OR UPDATE OR DELETE ON rounds
DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION duban_bump_cycle();

CREATE CONSTRAINT TRIGGER notices_cycle AFTER INSERT OR UPDATE OR DELETE ON notices
DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION duban_bump_cycle();

CREATE CONSTRAINT TRIGGER extension_requests_cycle AFTER INSERT OR UPDATE OR DELETE ON extension_requests
DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION duban_bump_cycle();

-- The lights' "returned" count reads each task's returned reports.
CREATE INDEX reports_task_status_idx ON reports (task_id, status);
