-- PostgreSQL's migration 0026 lets a whole-plan recount rebuild the kept counts once
-- instead of per task (there, many updates of one row in one transaction cost more each
-- time). SQLite updates rows in place; its triggers stay as they are.
SELECT 1;
