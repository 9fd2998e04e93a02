-- The audit chain is keyed from here on: entries are HMAC-SHA256 under a key kept in a file
-- outside the database, so someone who can write the database cannot forge a consistent chain.
-- Entries before keyed_from were written before this change and stay plain SHA-256; a fresh
-- database is keyed from its first entry. key_check is a value derived from the key (never
-- the key), set by the first keyed entry, so a wrong key file is told apart from tampering.
ALTER TABLE audit_head ADD COLUMN keyed_from INTEGER NOT NULL DEFAULT 1;
ALTER TABLE audit_head ADD COLUMN key_check TEXT;
UPDATE audit_head SET keyed_from = seq + 1;
