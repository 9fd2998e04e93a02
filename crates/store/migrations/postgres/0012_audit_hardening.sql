-- The audit chain is keyed from here on: entries are HMAC-SHA256 under a key kept in a file
-- outside the database, so someone who can write the database cannot forge a consistent chain.
-- Entries before keyed_from were written before this change and stay plain SHA-256; a fresh
-- database is keyed from its first entry. key_check is a value derived from the key (never
-- the key), set by the first keyed entry, so a wrong key file is told apart from tampering.
ALTER TABLE audit_head ADD COLUMN keyed_from BIGINT NOT NULL DEFAULT 1;
ALTER TABLE audit_head ADD COLUMN key_check TEXT;
UPDATE audit_head SET keyed_from = seq + 1;

-- Attempts refused while a login delay runs are audited once per address and delay window
-- (refused_until names the window the entry was written for), not once per attempt, so a
-- flood of refused attempts cannot flood the log; refused counts this window's attempts and
-- refused_prev carries the previous window's count into the next entry. Client '' holds
-- refusals from an unknown address (an account's own delay).
ALTER TABLE login_throttle ADD COLUMN refused_until BIGINT NOT NULL DEFAULT 0;
ALTER TABLE login_throttle ADD COLUMN refused BIGINT NOT NULL DEFAULT 0;
ALTER TABLE login_throttle ADD COLUMN refused_prev BIGINT NOT NULL DEFAULT 0;
