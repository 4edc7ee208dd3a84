-- Accounts: every change a CCDA or the exchange makes to a user (routers/admin.py),
-- written in the change's own transaction. `action` is one of create, rights, suspend,
-- reactivate, unlock, reset_device, setup_mail; `detail` says what changed, in words.
-- No foreign key on user_id: an account's history outlives the account.
CREATE TABLE user_audit (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    actor_role TEXT NOT NULL CHECK (actor_role IN ('ccda', 'exchange_officer')),
    participant_id TEXT,
    user_id TEXT NOT NULL,
    action TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT ''
);
CREATE INDEX user_audit_user ON user_audit(user_id, id);
