-- Login: tickets between the steps, e-mail codes, pending device registrations,
-- and password-reset tokens. Every secret is stored as a hash, never as itself.

ALTER TABLE users ADD COLUMN locked_at TEXT;
ALTER TABLE users ADD COLUMN password_changed_at TEXT;

-- A login in progress. `channel` is how this login's OTP is checked ("email" or "app"),
-- `device_need` what the password step answered ("none", "offered", "required"),
-- `pending_totp_secret` a device registration started on this ticket (it replaces the
-- user's secret only once a code from it verifies), `device_skipped` set by "skip".
-- The current e-mail code lives on its ticket: sending another overwrites it, so an
-- older code is invalid at once; `email_code_hash` is SHA-256 of ticket hash and code.
CREATE TABLE login_tickets (
    ticket_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(user_id) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at TEXT,
    channel TEXT NOT NULL CHECK (channel IN ('email', 'app')),
    device_need TEXT NOT NULL CHECK (device_need IN ('none', 'offered', 'required')),
    pending_totp_secret TEXT,
    device_skipped INTEGER NOT NULL DEFAULT 0,
    email_code_hash TEXT,
    email_code_sent_at TEXT,
    email_code_expires_at TEXT
);
CREATE INDEX login_tickets_user ON login_tickets(user_id);

CREATE TABLE password_resets (
    token_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(user_id) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at TEXT
);
CREATE INDEX password_resets_user ON password_resets(user_id);
