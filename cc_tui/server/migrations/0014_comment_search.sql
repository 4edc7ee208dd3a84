-- Issue 12: plain words in the dashboard's filter match a request's comments (the
-- checker's return or reject, the maker's reply) as they match its title, eService name
-- and maker. The comments are kept on the request row too (`comments`, one per line, in
-- the order written; upload and delete entries carry a file's name, no one's comment),
-- appended by a trigger as each audit entry with a comment is written, so the FTS index
-- (external content, read from `requests`) holds them as a fourth column and a word
-- search stays one FTS lookup in rowid order.
DROP TRIGGER requests_fts_insert;
DROP TRIGGER requests_fts_delete;
DROP TRIGGER requests_fts_update;
DROP TABLE request_fts;

ALTER TABLE requests ADD COLUMN comments TEXT NOT NULL DEFAULT '';

UPDATE requests SET comments = (
    SELECT group_concat(a.comment, char(10)) FROM request_audit AS a
    WHERE a.request_id = requests.id AND a.comment <> ''
      AND a.action NOT IN ('upload', 'delete_attachment')
)
WHERE id IN (
    SELECT request_id FROM request_audit
    WHERE comment <> '' AND action NOT IN ('upload', 'delete_attachment')
);

CREATE VIRTUAL TABLE request_fts USING fts5(
    title, eservice_name, maker, comments,
    content = 'requests', content_rowid = 'search_key',
    tokenize = 'unicode61 remove_diacritics 2'
);
INSERT INTO request_fts (request_fts) VALUES ('rebuild');

CREATE TRIGGER requests_fts_insert AFTER INSERT ON requests BEGIN
    INSERT INTO request_fts (rowid, title, eservice_name, maker, comments)
    VALUES (NEW.search_key, NEW.title, NEW.eservice_name, NEW.maker, NEW.comments);
END;

CREATE TRIGGER requests_fts_delete AFTER DELETE ON requests BEGIN
    INSERT INTO request_fts (request_fts, rowid, title, eservice_name, maker, comments)
    VALUES ('delete', OLD.search_key, OLD.title, OLD.eservice_name, OLD.maker, OLD.comments);
END;

CREATE TRIGGER requests_fts_update
AFTER UPDATE OF scope_no, updated_at, title, eservice_name, maker, comments ON requests BEGIN
    INSERT INTO request_fts (request_fts, rowid, title, eservice_name, maker, comments)
    VALUES ('delete', OLD.search_key, OLD.title, OLD.eservice_name, OLD.maker, OLD.comments);
    INSERT INTO request_fts (rowid, title, eservice_name, maker, comments)
    VALUES (NEW.search_key, NEW.title, NEW.eservice_name, NEW.maker, NEW.comments);
END;

CREATE TRIGGER request_audit_comment AFTER INSERT ON request_audit
WHEN NEW.comment <> '' AND NEW.action NOT IN ('upload', 'delete_attachment') BEGIN
    UPDATE requests
    SET comments = CASE comments WHEN '' THEN NEW.comment
                   ELSE comments || char(10) || NEW.comment END
    WHERE id = NEW.request_id;
END;

-- The comments' words, for prefix searches (request_terms, migration 0007).
CREATE VIRTUAL TABLE request_fts_vocab USING fts5vocab(request_fts, 'row');
INSERT OR IGNORE INTO request_terms (term) SELECT term FROM request_fts_vocab;
DROP TABLE request_fts_vocab;
