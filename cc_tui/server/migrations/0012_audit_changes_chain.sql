-- Issue 12: what each save changed, the file of an upload or deletion, and the hash
-- chain that makes the trail tamper-evident (store/audit_chain.py). `changes` is a JSON
-- array of {field, before, after}; `hash` seals the entry's columns after `prev_hash`,
-- the hash of the request's entry before it ("" for the first). The entries written
-- before this migration are sealed by the Python step db.py runs after it.
ALTER TABLE request_audit ADD COLUMN changes TEXT;
ALTER TABLE request_audit ADD COLUMN file TEXT;
ALTER TABLE request_audit ADD COLUMN hash TEXT;
ALTER TABLE request_audit ADD COLUMN prev_hash TEXT;
