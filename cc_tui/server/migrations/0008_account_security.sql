-- Accounts that no one can talk past (issue 9).
--
-- `device_enrolments`: an authenticator being registered from the Profile (POST
-- /me/device, after the current password). One per user; the secret replaces the
-- user's own only when a code from it verifies (POST /me/device/confirm), and is
-- forgotten when it expires, is confirmed, or another enrolment starts. Only the
-- session that started it (`session_hash`) may confirm it.
CREATE TABLE device_enrolments (
    user_id TEXT PRIMARY KEY REFERENCES users(user_id) ON DELETE CASCADE,
    session_hash TEXT NOT NULL,
    secret TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);

-- Failed logins on user IDs that do not exist, counted exactly as a real account's
-- (users.failed_attempts), so that a lockout answers the same whether or not the
-- user exists. Keyed by the normalised user ID; never read for anything else.
CREATE TABLE unknown_login_failures (
    user_id TEXT PRIMARY KEY,
    failed_attempts INTEGER NOT NULL DEFAULT 0,
    locked_at TEXT
);

-- Failed password attempts per client address, for the throttle: many failures from
-- one address in a minute, across any user IDs, get 429 with Retry-After.
CREATE TABLE client_login_failures (
    id INTEGER PRIMARY KEY,
    client TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX client_login_failures_client ON client_login_failures(client, at);
