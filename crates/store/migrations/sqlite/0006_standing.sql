-- A task's standing: the evidence that speaks for it (the imported progress text until a lead
-- unit's report is accepted, then the newest round's accepted reports), the machine's reading
-- of that evidence (machine_verdict, explanation, targets_json), the office's override and
-- the final verdict (verdict) with its source. Written by the store in the same transaction
-- as the accept, reopen, override or import that moved it, so lists and counts read one row.
ALTER TABLE tasks ADD COLUMN evidence_source TEXT NOT NULL DEFAULT 'import';
ALTER TABLE tasks ADD COLUMN evidence_round_id INTEGER;
ALTER TABLE tasks ADD COLUMN evidence_round_name TEXT;
ALTER TABLE tasks ADD COLUMN evidence_accepted_on TEXT;
-- The accepted narrative(s) judged; NULL while the imported progress speaks.
ALTER TABLE tasks ADD COLUMN evidence_text TEXT;
ALTER TABLE tasks ADD COLUMN evidence_figures TEXT;
ALTER TABLE tasks ADD COLUMN verdict_source TEXT NOT NULL DEFAULT 'machine';
-- The evidence round an override was made on (NULL: the imported text). An override speaks
-- for the evidence it was made on; newer evidence asks whether it still holds.
ALTER TABLE tasks ADD COLUMN override_round_id INTEGER;
-- The imported machine reading, kept so a reopen that leaves no accepted report restores it
-- without re-reading the file.
ALTER TABLE tasks ADD COLUMN imported_machine_verdict TEXT;
ALTER TABLE tasks ADD COLUMN imported_explanation TEXT;
ALTER TABLE tasks ADD COLUMN imported_targets_json TEXT;
-- The period the evidence speaks for (YYYY-MM-DD) when it is before the task's deadline, and
-- where the task then stands against it: ahead | on_track | lagging (超序时/序时推进/滞后).
ALTER TABLE tasks ADD COLUMN evidence_as_of TEXT;
ALTER TABLE tasks ADD COLUMN schedule TEXT;
ALTER TABLE tasks ADD COLUMN imported_schedule TEXT;
ALTER TABLE tasks ADD COLUMN imported_as_of TEXT;

UPDATE tasks SET
    verdict_source = CASE WHEN final_verdict IS NOT NULL THEN 'override'
                          WHEN office_verdict IS NOT NULL THEN 'office' ELSE 'machine' END,
    imported_machine_verdict = machine_verdict,
    imported_explanation = explanation,
    imported_targets_json = targets_json;

-- How each task's standing moved, for the task page's history.
CREATE TABLE standing_history (
    id               INTEGER PRIMARY KEY,
    task_id          INTEGER NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    at               INTEGER NOT NULL,
    actor            TEXT NOT NULL,
    event            TEXT NOT NULL,
    evidence_label   TEXT NOT NULL,
    final_verdict    TEXT NOT NULL,
    verdict_source   TEXT NOT NULL,
    machine_verdict  TEXT NOT NULL
);
CREATE INDEX standing_history_task_idx ON standing_history (task_id, id);
