-- A recount of a whole plan (the bulk load of reports, an upgrade's re-judging) updates
-- every task of the plan in one transaction. Kept per row, the counts of migration 0023 are
-- updated tens of thousands of times over the same few rows there, and PostgreSQL keeps
-- every version of a row updated within one transaction: each later update walks them all,
-- so the recount grew with the square of the plan (hours at 200,000 tasks). Such a recount
-- sets `duban.counts_off` for its transaction and rebuilds the plan's counts once at its end.
DROP TRIGGER tasks_counts_update ON tasks;
CREATE TRIGGER tasks_counts_update AFTER UPDATE ON tasks FOR EACH ROW
WHEN ((OLD.plan_id IS DISTINCT FROM NEW.plan_id OR OLD.section IS DISTINCT FROM NEW.section
   OR OLD.verdict IS DISTINCT FROM NEW.verdict OR OLD.disputed IS DISTINCT FROM NEW.disputed
   OR OLD.leader IS DISTINCT FROM NEW.leader OR OLD.retired_at IS DISTINCT FROM NEW.retired_at)
   AND current_setting('duban.counts_off', true) IS DISTINCT FROM 'on')
EXECUTE FUNCTION duban_count_task_row();
