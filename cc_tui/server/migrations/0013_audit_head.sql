-- Issue 12: the last entry of a request's audit trail removed directly in the database
-- left a chain that still verified (every remaining entry names the one before it). The
-- request row now keeps how many entries its trail has and the hash of the latest, kept
-- by a trigger on every entry written (by any path: the store, the seeder, a migration);
-- `audit_chain.verify_chain` compares them with the trail it walks. Whoever can rewrite
-- the trail, the request row and these triggers can still hide a change: the audit PDF's
-- chain head, kept outside the portal, is the check against that.
ALTER TABLE requests ADD COLUMN audit_entries INTEGER NOT NULL DEFAULT 0;
ALTER TABLE requests ADD COLUMN audit_head TEXT NOT NULL DEFAULT '';

UPDATE requests SET
    audit_entries = (SELECT count(*) FROM request_audit AS a WHERE a.request_id = requests.id),
    audit_head = coalesce((SELECT a.hash FROM request_audit AS a
                           WHERE a.request_id = requests.id ORDER BY a.id DESC LIMIT 1), '');

CREATE TRIGGER request_audit_head AFTER INSERT ON request_audit BEGIN
    UPDATE requests SET audit_entries = audit_entries + 1, audit_head = coalesce(NEW.hash, '')
    WHERE id = NEW.request_id;
END;
