-- API tokens: per account, for scripts calling the JSON API without a password. Only the
-- SHA-256 of the secret is kept (the secret is shown once); `prefix` lets the owner tell
-- tokens apart in the list. Revoked tokens stay (revoked_at set) so a later use of one is
-- recognised and audited as such.
CREATE TABLE api_tokens (
    id          INTEGER PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    prefix      TEXT NOT NULL,
    token_hash  TEXT NOT NULL,
    scope       TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER,
    last_used   INTEGER,
    revoked_at  INTEGER,
    CONSTRAINT api_tokens_hash_key UNIQUE (token_hash),
    CONSTRAINT api_tokens_scope_check CHECK (scope IN ('read', 'read-write'))
);
CREATE INDEX api_tokens_user_idx ON api_tokens (user_id);

-- Accounts that log in through the directory (LDAP): they have no local password (the hash
-- column holds a marker no password verifies against), and their role and unit are set
-- from the directory at every login.
ALTER TABLE users ADD COLUMN ldap BOOLEAN NOT NULL DEFAULT 0;
