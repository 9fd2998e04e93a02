-- Login throttling per client address: wrong passwords counted per address (the per-account
-- count stays in users.failed_count / users.locked_until). A stranger's address is slowed
-- down exponentially; the account's own delay is capped low so its owner still gets in.
CREATE TABLE login_throttle (
    client         TEXT PRIMARY KEY,
    failures       INTEGER NOT NULL,
    last_failure   INTEGER NOT NULL,
    blocked_until  INTEGER NOT NULL
);
