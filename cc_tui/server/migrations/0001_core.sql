-- Firms' memberships, users, their rights, and sessions.
CREATE TABLE memberships (
    participant_id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    address TEXT NOT NULL DEFAULT '',
    contact_name TEXT NOT NULL DEFAULT '',
    contact_email TEXT NOT NULL DEFAULT '',
    contact_phone TEXT NOT NULL DEFAULT ''
);

CREATE TABLE users (
    user_id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    password_hash TEXT,
    status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended')),
    is_exchange_officer INTEGER NOT NULL DEFAULT 0,
    failed_attempts INTEGER NOT NULL DEFAULT 0,
    locked INTEGER NOT NULL DEFAULT 0,
    otp_channel TEXT NOT NULL DEFAULT 'email' CHECK (otp_channel IN ('email', 'app')),
    totp_secret TEXT,
    totp_last_step INTEGER,
    device_registration TEXT NOT NULL DEFAULT 'none'
        CHECK (device_registration IN ('none', 'offered', 'required')),
    created_at TEXT NOT NULL
);

CREATE TABLE user_memberships (
    user_id TEXT NOT NULL REFERENCES users(user_id) ON DELETE CASCADE,
    participant_id TEXT NOT NULL REFERENCES memberships(participant_id),
    PRIMARY KEY (user_id, participant_id)
);

CREATE TABLE user_rights (
    user_id TEXT NOT NULL REFERENCES users(user_id) ON DELETE CASCADE,
    participant_id TEXT NOT NULL REFERENCES memberships(participant_id),
    right_code TEXT NOT NULL,
    PRIMARY KEY (user_id, participant_id, right_code)
);

-- Tokens are stored as their SHA-256, so a copy of the database grants no session.
CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(user_id) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    revoked_at TEXT
);
CREATE INDEX sessions_user ON sessions(user_id);
