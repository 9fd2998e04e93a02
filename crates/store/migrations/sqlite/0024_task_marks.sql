-- The task page's mark (issue 17): `task_marks.n` grows with every change to what one task's
-- page shows besides its plan's revision and the reporting cycle (which the page's cache
-- also reads): its reports including drafts, notices, extension requests, instructions and
-- their answers, attachments, hand-overs, change requests, close-outs, standing history,
-- milestones, links, contributions, and its own row and its sub-tasks'. Triggers write the
-- mark in the writer's transaction, so no write path can forget and every instance sees it;
-- a page is served from memory only while its mark, the plan's revision and the cycle are
-- those it was built at.

CREATE TABLE task_marks (
    task_id  INTEGER PRIMARY KEY,
    n        INTEGER NOT NULL
);

CREATE TRIGGER reports_mark_insert AFTER INSERT ON reports
BEGIN
    INSERT INTO task_marks (task_id, n) SELECT NEW.task_id, 1 WHERE NEW.task_id IS NOT NULL
        ON CONFLICT (task_id) DO UPDATE SET n = task_marks.n + 1;
END;

CREATE TRIGGER reports_mark_update AFTER UPDATE ON reports
BEGIN
    INSERT INTO task_marks (task_id, n) SELECT OLD.task_id, 1 WHERE OLD.task_id IS NOT NULL
        ON CONFLICT (task_id) DO UPDATE SET n = task_marks.n + 1;
    INSERT INTO task_marks (task_id, n) SELECT NEW.task_id, 1 WHERE NEW.task_id IS NOT NULL
        ON CONFLICT (task_id) DO UPDATE SET n = task_marks.n + 1;
END;

CREATE TRIGGER reports_mark_delete AFTER DELETE ON reports
BEGIN
    INSERT INTO task_marks (task_id, n) SELECT OLD.task_id, 1 WHERE OLD.task_id IS NOT NULL
        ON CONFLICT (task_id) DO UPDATE SET n = task_marks.n + 1;
END;

CREATE TRIGGER notices_mark_insert AFTER INSERT ON notices
BEGIN
    INSERT INTO task_marks (task_id, n) SELECT NEW.task_id, 1 WHERE NEW.task_id IS NOT NULL
        ON CONFLICT (task_id) DO UPDATE SET n = task_marks.n + 1;
END;

CREATE TRIGGER notices_mark_update AFTER UPDATE ON notices
BEGIN
    INSERT INTO task_marks (task_id, n) SELECT OLD.task_id, 1 WHERE OLD.task_id IS NOT NULL
        ON CONFLICT (task_id) DO UPDATE SET n = task_marks.n + 1;
    INSERT INTO task_marks (task_id, n) SELECT NEW.task_id, 1 WHERE NEW.task_id IS NOT NULL
        ON CONFLICT (task_id) DO UPDATE SET n = task_marks.n + 1;
END;

CREATE TRIGGER notices_mark_delete AFTER DELETE ON notices
BEGIN
    INSERT INTO task_marks (task_id, n) SELECT OLD.task_id, 1 WHERE OLD.task_id IS NOT NULL
        ON CONFLICT (task_id) DO UPDATE SET n = task_marks.n + 1;
END;

CREATE TRIGGER extension_requests_mark_insert AFTER INSERT ON extension_requests
BEGIN
    INSERT INTO task_marks (task_id, n) SELECT NEW.task_id, 1 WHERE NEW.task_id IS NOT NULL
        ON CONFLICT (task_id) DO UPDATE SET n = task_marks.n + 1;
END;

CREATE TRIGGER extension_requests_mark_update AFTER UPDATE ON extension_requests
BEGIN
    INSERT INTO task_marks (task_id, n) SELECT OLD.task_id, 1 WHERE OLD.task_id IS NOT NULL
        ON CONFLICT (task_id) DO UPDATE SET n = task_marks.n + 1;
    INSERT INTO task_marks (task_id, n) SELECT NEW.task_id, 1 WHERE NEW.task_id IS NOT NULL
        ON CONFLICT (task_id) DO UPDATE SET n = task_marks.n + 1;
END;

CREATE TRIGGER extension_requests_mark_delete AFTER DELETE ON extension_requests
BEGIN
    INSERT INTO task_marks (task_id, n) SELECT OLD.task_id, 1 WHERE OLD.task_id IS NOT NULL
        ON CONFLICT (task_id) DO UPDATE SET n = task_marks.n + 1;
END;

CREATE TRIGGER instructions_mark_insert AFTER INSERT ON instructions
BEGIN
    INSERT INTO task_marks (task_id, n) SELECT NEW.task_id, 1 WHERE NEW.task_id IS NOT NULL
        ON CONFLICT (task_id) DO UPDATE SET n = task_marks.n + 1;
END;

CREATE TRIGGER instructions_mark_update AFTER UPDATE ON instructions
BEGIN
    INSERT INTO task_marks (task_id, n) SELECT OLD.task_id, 1 WHERE OLD.task_id IS NOT NULL
        ON CONFLICT (task_id) DO UPDATE SET n = task_marks.n + 1;
    INSERT INTO task_marks (task_id, n) SELECT NEW.task_id, 1 WHERE NEW.task_id IS NOT NULL
        ON CONFLICT (task_id) DO UPDATE SET n = task_marks.n + 1;
END;

CREATE TRIGGER instructions_mark_delete AFTER DELETE ON instructions
BEGIN
    INSERT INTO task_marks (task_id, n) SELECT OLD.task_id, 1 WHERE OLD.task_id IS NOT NULL
        ON CONFLICT (task_id) DO UPDATE SET n = task_marks.n + 1;
END;

CREATE TRIGGER attachments_mark_insert AFTER INSERT ON attachments
BEGIN
    INSERT INTO task_marks (task_id, n) SELECT NEW.task_id, 1 WHERE NEW.task_id IS NOT NULL
        ON CONFLICT (task_id) DO UPDATE SET n = task_marks.n + 1;
END;

CREATE TRIGGER attachments_mark_update AFTER UPDATE ON attachments
BEGIN
    INSERT INTO task_marks (task_id, n) SELECT OLD.task_id, 1 WHERE OLD.task_id IS NOT NULL
        ON CONFLICT (task_id) DO UPDATE SET n = task_marks.n + 1;
    INSERT INTO task_marks (task_id, n) SELECT NEW.task_id, 1 WHERE NEW.task_id IS NOT NULL
        ON CONFLICT (task_id) DO UPDATE SET n = task_marks.n + 1;
END;

CREATE TRIGGER attachments_mark_delete AFTER DELETE ON attachments
BEGIN
    INSERT INTO task_marks (task_id, n) SELECT OLD.task_id, 1 WHERE OLD.task_id IS NOT NULL
        ON CONFLICT (task_id) DO UPDATE SET n = task_marks.n + 1;
END;

CREATE TRIGGER task_handovers_mark_insert AFTER INSERT ON task_handovers
BEGIN
    INSERT INTO task_marks (task_id, n) SELECT NEW.task_id, 1 WHERE NEW.task_id IS NOT NULL
        ON CONFLICT (task_id) DO UPDATE SET n = task_marks.n + 1;
END;

CREATE TRIGGER task_handovers_mark_update AFTER UPDATE ON task_handovers
BEGIN
    INSERT INTO task_marks (task_id, n) SELECT OLD.task_id, 1 WHERE OLD.task_id IS NOT NULL
        ON CONFLICT (task_id) DO UPDATE SET n = task_marks.n + 1;
    INSERT INTO task_marks (task_id, n) SELECT NEW.task_id, 1 WHERE NEW.task_id IS NOT NULL
        ON CONFLICT (task_id) DO UPDATE SET n = task_marks.n + 1;
END;

CREATE TRIGGER task_handovers_mark_delete AFTER DELETE ON task_handovers
BEGIN
    INSERT INTO task_marks (task_id, n) SELECT OLD.task_id, 1 WHERE OLD.task_id IS NOT NULL
        ON CONFLICT (task_id) DO UPDATE SET n = task_marks.n + 1;
END;

CREATE TRIGGER task_change_requests_mark_insert AFTER INSERT ON task_change_requests
BEGIN
    INSERT INTO task_marks (task_id, n) SELECT NEW.task_id, 1 WHERE NEW.task_id IS NOT NULL
        ON CONFLICT (task_id) DO UPDATE SET n = task_marks.n + 1;
END;

CREATE TRIGGER task_change_requests_mark_update AFTER UPDATE ON task_change_requests
BEGIN
    INSERT INTO task_marks (task_id, n) SELECT OLD.task_id, 1 WHERE OLD.task_id IS NOT NULL
        ON CONFLICT (task_id) DO UPDATE SET n = task_marks.n + 1;
    INSERT INTO task_marks (task_id, n) SELECT NEW.task_id, 1 WHERE NEW.task_id IS NOT NULL
        ON CONFLICT (task_id) DO UPDATE SET n = task_marks.n + 1;
END;

CREATE TRIGGER task_change_requests_mark_delete AFTER DELETE ON task_change_requests
BEGIN
    INSERT INTO task_marks (task_id, n) SELECT OLD.task_id, 1 WHERE OLD.task_id IS NOT NULL
        ON CONFLICT (task_id) DO UPDATE SET n = task_marks.n + 1;
END;

CREATE TRIGGER closeouts_mark_insert AFTER INSERT ON closeouts
BEGIN
    INSERT INTO task_marks (task_id, n) SELECT NEW.task_id, 1 WHERE NEW.task_id IS NOT NULL
        ON CONFLICT (task_id) DO UPDATE SET n = task_marks.n + 1;
END;

CREATE TRIGGER closeouts_mark_update AFTER UPDATE ON closeouts
BEGIN
    INSERT INTO task_marks (task_id, n) SELECT OLD.task_id, 1 WHERE OLD.task_id IS NOT NULL
        ON CONFLICT (task_id) DO UPDATE SET n = task_marks.n + 1;
    INSERT INTO task_marks (task_id, n) SELECT NEW.task_id, 1 WHERE NEW.task_id IS NOT NULL
        ON CONFLICT (task_id) DO UPDATE SET n = task_marks.n + 1;
END;

CREATE TRIGGER closeouts_mark_delete AFTER DELETE ON closeouts
BEGIN
    INSERT INTO task_marks (task_id, n) SELECT OLD.task_id, 1 WHERE OLD.task_id IS NOT NULL
        ON CONFLICT (task_id) DO UPDATE SET n = task_marks.n + 1;
END;

CREATE TRIGGER standing_history_mark_insert AFTER INSERT ON standing_history
BEGIN
    INSERT INTO task_marks (task_id, n) SELECT NEW.task_id, 1 WHERE NEW.task_id IS NOT NULL
        ON CONFLICT (task_id) DO UPDATE SET n = task_marks.n + 1;
END;

CREATE TRIGGER standing_history_mark_update AFTER UPDATE ON standing_history
BEGIN
    INSERT INTO task_marks (task_id, n) SELECT OLD.task_id, 1 WHERE OLD.task_id IS NOT NULL
        ON CONFLICT (task_id) DO UPDATE SET n = task_marks.n + 1;
    INSERT INTO task_marks (task_id, n) SELECT NEW.task_id, 1 WHERE NEW.task_id IS NOT NULL
        ON CONFLICT (task_id) DO UPDATE SET n = task_marks.n + 1;
END;

CREATE TRIGGER standing_history_mark_delete AFTER DELETE ON standing_history
BEGIN
    INSERT INTO task_marks (task_id, n) SELECT OLD.task_id, 1 WHERE OLD.task_id IS NOT NULL
        ON CONFLICT (task_id) DO UPDATE SET n = task_marks.n + 1;
END;

CREATE TRIGGER task_milestones_mark_insert AFTER INSERT ON task_milestones
BEGIN
    INSERT INTO task_marks (task_id, n) SELECT NEW.task_id, 1 WHERE NEW.task_id IS NOT NULL
        ON CONFLICT (task_id) DO UPDATE SET n = task_marks.n + 1;
END;

CREATE TRIGGER task_milestones_mark_update AFTER UPDATE ON task_milestones
BEGIN
    INSERT INTO task_marks (task_id, n) SELECT OLD.task_id, 1 WHERE OLD.task_id IS NOT NULL
        ON CONFLICT (task_id) DO UPDATE SET n = task_marks.n + 1;
    INSERT INTO task_marks (task_id, n) SELECT NEW.task_id, 1 WHERE NEW.task_id IS NOT NULL
        ON CONFLICT (task_id) DO UPDATE SET n = task_marks.n + 1;
END;

CREATE TRIGGER task_milestones_mark_delete AFTER DELETE ON task_milestones
BEGIN
    INSERT INTO task_marks (task_id, n) SELECT OLD.task_id, 1 WHERE OLD.task_id IS NOT NULL
        ON CONFLICT (task_id) DO UPDATE SET n = task_marks.n + 1;
END;

CREATE TRIGGER task_units_mark_insert AFTER INSERT ON task_units
BEGIN
    INSERT INTO task_marks (task_id, n) SELECT NEW.task_id, 1 WHERE NEW.task_id IS NOT NULL
        ON CONFLICT (task_id) DO UPDATE SET n = task_marks.n + 1;
END;

CREATE TRIGGER task_units_mark_update AFTER UPDATE ON task_units
BEGIN
    INSERT INTO task_marks (task_id, n) SELECT OLD.task_id, 1 WHERE OLD.task_id IS NOT NULL
        ON CONFLICT (task_id) DO UPDATE SET n = task_marks.n + 1;
    INSERT INTO task_marks (task_id, n) SELECT NEW.task_id, 1 WHERE NEW.task_id IS NOT NULL
        ON CONFLICT (task_id) DO UPDATE SET n = task_marks.n + 1;
END;

CREATE TRIGGER task_units_mark_delete AFTER DELETE ON task_units
BEGIN
    INSERT INTO task_marks (task_id, n) SELECT OLD.task_id, 1 WHERE OLD.task_id IS NOT NULL
        ON CONFLICT (task_id) DO UPDATE SET n = task_marks.n + 1;
END;

CREATE TRIGGER task_groups_mark_insert AFTER INSERT ON task_groups
BEGIN
    INSERT INTO task_marks (task_id, n) SELECT NEW.task_id, 1 WHERE NEW.task_id IS NOT NULL
        ON CONFLICT (task_id) DO UPDATE SET n = task_marks.n + 1;
END;

CREATE TRIGGER task_groups_mark_update AFTER UPDATE ON task_groups
BEGIN
    INSERT INTO task_marks (task_id, n) SELECT OLD.task_id, 1 WHERE OLD.task_id IS NOT NULL
        ON CONFLICT (task_id) DO UPDATE SET n = task_marks.n + 1;
    INSERT INTO task_marks (task_id, n) SELECT NEW.task_id, 1 WHERE NEW.task_id IS NOT NULL
        ON CONFLICT (task_id) DO UPDATE SET n = task_marks.n + 1;
END;

CREATE TRIGGER task_groups_mark_delete AFTER DELETE ON task_groups
BEGIN
    INSERT INTO task_marks (task_id, n) SELECT OLD.task_id, 1 WHERE OLD.task_id IS NOT NULL
        ON CONFLICT (task_id) DO UPDATE SET n = task_marks.n + 1;
END;

CREATE TRIGGER contributions_mark_insert AFTER INSERT ON contributions
BEGIN
    INSERT INTO task_marks (task_id, n) SELECT NEW.task_id, 1 WHERE NEW.task_id IS NOT NULL
        ON CONFLICT (task_id) DO UPDATE SET n = task_marks.n + 1;
END;

CREATE TRIGGER contributions_mark_update AFTER UPDATE ON contributions
BEGIN
    INSERT INTO task_marks (task_id, n) SELECT OLD.task_id, 1 WHERE OLD.task_id IS NOT NULL
        ON CONFLICT (task_id) DO UPDATE SET n = task_marks.n + 1;
    INSERT INTO task_marks (task_id, n) SELECT NEW.task_id, 1 WHERE NEW.task_id IS NOT NULL
        ON CONFLICT (task_id) DO UPDATE SET n = task_marks.n + 1;
END;

CREATE TRIGGER contributions_mark_delete AFTER DELETE ON contributions
BEGIN
    INSERT INTO task_marks (task_id, n) SELECT OLD.task_id, 1 WHERE OLD.task_id IS NOT NULL
        ON CONFLICT (task_id) DO UPDATE SET n = task_marks.n + 1;
END;

-- Answers name their instruction, which names the task.

CREATE TRIGGER instruction_answers_mark_insert AFTER INSERT ON instruction_answers
BEGIN
    INSERT INTO task_marks (task_id, n) SELECT (SELECT i.task_id FROM instructions i WHERE i.id = NEW.instruction_id), 1 WHERE (SELECT i.task_id FROM instructions i WHERE i.id = NEW.instruction_id) IS NOT NULL
        ON CONFLICT (task_id) DO UPDATE SET n = task_marks.n + 1;
END;

CREATE TRIGGER instruction_answers_mark_update AFTER UPDATE ON instruction_answers
BEGIN
    INSERT INTO task_marks (task_id, n) SELECT (SELECT i.task_id FROM instructions i WHERE i.id = OLD.instruction_id), 1 WHERE (SELECT i.task_id FROM instructions i WHERE i.id = OLD.instruction_id) IS NOT NULL
        ON CONFLICT (task_id) DO UPDATE SET n = task_marks.n + 1;
    INSERT INTO task_marks (task_id, n) SELECT (SELECT i.task_id FROM instructions i WHERE i.id = NEW.instruction_id), 1 WHERE (SELECT i.task_id FROM instructions i WHERE i.id = NEW.instruction_id) IS NOT NULL
        ON CONFLICT (task_id) DO UPDATE SET n = task_marks.n + 1;
END;

CREATE TRIGGER instruction_answers_mark_delete AFTER DELETE ON instruction_answers
BEGIN
    INSERT INTO task_marks (task_id, n) SELECT (SELECT i.task_id FROM instructions i WHERE i.id = OLD.instruction_id), 1 WHERE (SELECT i.task_id FROM instructions i WHERE i.id = OLD.instruction_id) IS NOT NULL
        ON CONFLICT (task_id) DO UPDATE SET n = task_marks.n + 1;
END;

-- The task's own row, and its parent's page, which lists its sub-tasks.

CREATE TRIGGER tasks_mark_insert AFTER INSERT ON tasks
BEGIN
    INSERT INTO task_marks (task_id, n) SELECT NEW.id, 1 WHERE NEW.id IS NOT NULL
        ON CONFLICT (task_id) DO UPDATE SET n = task_marks.n + 1;
    INSERT INTO task_marks (task_id, n) SELECT NEW.parent_id, 1 WHERE NEW.parent_id IS NOT NULL
        ON CONFLICT (task_id) DO UPDATE SET n = task_marks.n + 1;
END;

CREATE TRIGGER tasks_mark_update AFTER UPDATE ON tasks
BEGIN
    INSERT INTO task_marks (task_id, n) SELECT NEW.id, 1 WHERE NEW.id IS NOT NULL
        ON CONFLICT (task_id) DO UPDATE SET n = task_marks.n + 1;
    INSERT INTO task_marks (task_id, n) SELECT OLD.parent_id, 1 WHERE OLD.parent_id IS NOT NULL
        ON CONFLICT (task_id) DO UPDATE SET n = task_marks.n + 1;
    INSERT INTO task_marks (task_id, n) SELECT NEW.parent_id, 1 WHERE NEW.parent_id IS NOT NULL
        ON CONFLICT (task_id) DO UPDATE SET n = task_marks.n + 1;
END;

CREATE TRIGGER tasks_mark_delete AFTER DELETE ON tasks
BEGIN
    INSERT INTO task_marks (task_id, n) SELECT OLD.parent_id, 1 WHERE OLD.parent_id IS NOT NULL
        ON CONFLICT (task_id) DO UPDATE SET n = task_marks.n + 1;
    DELETE FROM task_marks WHERE task_id = OLD.id;
END;
