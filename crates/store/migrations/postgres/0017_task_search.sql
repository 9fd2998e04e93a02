-- The tasks' search index: the character bigrams of each task's text, progress and section,
-- computed by the store (src/search.rs) in the transaction that writes them (PostgreSQL's
-- text search parsers do not cut Chinese into words, and pg_trgm's trigrams miss the
-- two-character words most searches are). A GIN index answers "holds all these terms".
-- Tasks stored before this migration are indexed by `Store::migrate` right after it.
CREATE TABLE task_search (
    task_id BIGINT PRIMARY KEY REFERENCES tasks (id) ON DELETE CASCADE,
    terms   TEXT[] NOT NULL
);
CREATE INDEX task_search_terms ON task_search USING GIN (terms);
