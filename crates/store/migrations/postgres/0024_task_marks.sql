-- The task page's mark (issue 17): `task_marks.n` grows with every change to what one task's
-- page shows besides its plan's revision and the reporting cycle (which the page's cache
-- also reads): its reports including drafts, notices, extension requests, instructions and
-- their answers, attachments, hand-overs, change requests, close-outs, standing history,
-- milestones, links, contributions, and its own row and its sub-tasks'. Triggers write the
-- mark in the writer's transaction, so no write path can forget and every instance sees it;
-- a page is served from memory only while its mark, the plan's revision and the cycle are
-- those it was built at.

CREATE TABLE task_marks (
    task_id  BIGINT PRIMARY KEY,
    n        BIGINT NOT NULL
);

CREATE FUNCTION duban_task_mark(task BIGINT) RETURNS void LANGUAGE sql AS $$
    INSERT INTO task_marks (task_id, n) SELECT task, 1 WHERE task IS NOT NULL
    ON CONFLICT (task_id) DO UPDATE SET n = task_marks.n + 1
$$;

-- Rows with a task_id.
CREATE FUNCTION duban_task_mark_row() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN PERFORM duban_task_mark(OLD.task_id); END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN PERFORM duban_task_mark(NEW.task_id); END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER reports_mark AFTER INSERT OR UPDATE OR DELETE ON reports
FOR EACH ROW EXECUTE FUNCTION duban_task_mark_row();
CREATE TRIGGER notices_mark AFTER INSERT OR UPDATE OR DELETE ON notices
FOR EACH ROW EXECUTE FUNCTION duban_task_mark_row();
CREATE TRIGGER extension_requests_mark AFTER INSERT OR UPDATE OR DELETE ON extension_requests
FOR EACH ROW EXECUTE FUNCTION duban_task_mark_row();
CREATE TRIGGER instructions_mark AFTER INSERT OR UPDATE OR DELETE ON instructions
FOR EACH ROW EXECUTE FUNCTION duban_task_mark_row();
CREATE TRIGGER attachments_mark AFTER INSERT OR UPDATE OR DELETE ON attachments
FOR EACH ROW EXECUTE FUNCTION duban_task_mark_row();
CREATE TRIGGER task_handovers_mark AFTER INSERT OR UPDATE OR DELETE ON task_handovers
FOR EACH ROW EXECUTE FUNCTION duban_task_mark_row();
CREATE TRIGGER task_change_requests_mark AFTER INSERT OR UPDATE OR DELETE ON task_change_requests
FOR EACH ROW EXECUTE FUNCTION duban_task_mark_row();
CREATE TRIGGER closeouts_mark AFTER INSERT OR UPDATE OR DELETE ON closeouts
FOR EACH ROW EXECUTE FUNCTION duban_task_mark_row();
CREATE TRIGGER standing_history_mark AFTER INSERT OR UPDATE OR DELETE ON standing_history
FOR EACH ROW EXECUTE FUNCTION duban_task_mark_row();
CREATE TRIGGER task_milestones_mark AFTER INSERT OR UPDATE OR DELETE ON task_milestones
FOR EACH ROW EXECUTE FUNCTION duban_task_mark_row();
CREATE TRIGGER task_units_mark AFTER INSERT OR UPDATE OR DELETE ON task_units
FOR EACH ROW EXECUTE FUNCTION duban_task_mark_row();
CREATE TRIGGER task_groups_mark AFTER INSERT OR UPDATE OR DELETE ON task_groups
FOR EACH ROW EXECUTE FUNCTION duban_task_mark_row();
CREATE TRIGGER contributions_mark AFTER INSERT OR UPDATE OR DELETE ON contributions
FOR EACH ROW EXECUTE FUNCTION duban_task_mark_row();

-- Answers name their instruction, which names the task.
CREATE FUNCTION duban_task_mark_answer() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        PERFORM duban_task_mark((SELECT task_id FROM instructions WHERE id = OLD.instruction_id));
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        PERFORM duban_task_mark((SELECT task_id FROM instructions WHERE id = NEW.instruction_id));
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER instruction_answers_mark AFTER INSERT OR UPDATE OR DELETE ON instruction_answers
FOR EACH ROW EXECUTE FUNCTION duban_task_mark_answer();

-- The task's own row, and its parent's page, which lists its sub-tasks.
CREATE FUNCTION duban_task_mark_task() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        DELETE FROM task_marks WHERE task_id = OLD.id;
        PERFORM duban_task_mark(OLD.parent_id);
        RETURN NULL;
    END IF;
    PERFORM duban_task_mark(NEW.id);
    PERFORM duban_task_mark(NEW.parent_id);
    IF TG_OP = 'UPDATE' AND OLD.parent_id IS DISTINCT FROM NEW.parent_id THEN
        PERFORM duban_task_mark(OLD.parent_id);
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER tasks_mark AFTER INSERT OR UPDATE OR DELETE ON tasks
FOR EACH ROW EXECUTE FUNCTION duban_task_mark_task();
