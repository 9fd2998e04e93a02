-- The tasks' search index: the character bigrams of each task's text, progress and section,
-- computed by the store (src/search.rs) in the transaction that writes them, since no
-- built-in tokenizer cuts Chinese into bigrams. `ascii` keeps every non-ASCII character in
-- its token and splits on the spaces between terms; detail=none keeps only which task holds
-- a term (all the filter asks); contentless with deletes, since the terms are derived.
-- Tasks stored before this migration are indexed by `Store::migrate` right after it.
CREATE VIRTUAL TABLE task_search USING fts5(
    terms,
    tokenize = 'ascii',
    detail = 'none',
    content = '',
    contentless_delete = 1
);
