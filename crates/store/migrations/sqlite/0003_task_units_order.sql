-- A unit's tasks in document order straight from its links: the unit pages and every unit
-- user's task list page through this index instead of sorting all of the unit's task rows.
ALTER TABLE task_units ADD COLUMN plan_id INTEGER;
ALTER TABLE task_units ADD COLUMN task_position INTEGER;
UPDATE task_units SET
    plan_id = (SELECT t.plan_id FROM tasks t WHERE t.id = task_units.task_id),
    task_position = (SELECT t.position FROM tasks t WHERE t.id = task_units.task_id);
CREATE INDEX task_units_unit_plan_idx ON task_units (unit_id, plan_id, task_position, task_id, role);
