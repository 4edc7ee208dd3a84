-- Requests, their audit trail, search, section counts, task notices; and the tables the
-- next issues fill (idempotency keys, attachments). Design notes: store/requests.py and
-- store/request_query.py; the query plans behind these indexes: docs/request-query-plans.md.
--
-- Times are INTEGER microseconds since the Unix epoch (UTC): they compare and index as
-- plain integers, they are exact (no string-offset or rounding questions), and a
-- microsecond clock gives every change of a request a distinct time (see updated_at).

-- Each membership that has requests gets a small number; it makes the high bits of
-- requests.search_key, so that one firm's requests are one range of the search index.
CREATE TABLE request_scopes (
    participant_id TEXT PRIMARY KEY REFERENCES memberships(participant_id),
    scope_no INTEGER NOT NULL UNIQUE CHECK (scope_no BETWEEN 1 AND 2046)
);

CREATE TABLE requests (
    -- The reference number's digits: the reference is ECS and id in 8 digits, so it is
    -- unique with the key, never changes, and sorting by reference is sorting by id.
    id INTEGER PRIMARY KEY CHECK (id BETWEEN 1 AND 99999999),
    ref TEXT GENERATED ALWAYS AS ('ECS' || printf('%08d', id)) VIRTUAL,
    participant_id TEXT NOT NULL REFERENCES memberships(participant_id),
    scope_no INTEGER NOT NULL,
    eservice TEXT NOT NULL,
    eservice_name TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('draft', 'pending_checker', 'returned',
        'with_exchange', 'approved', 'completed', 'rejected', 'withdrawn', 'discarded',
        'aborted')),
    maker TEXT NOT NULL REFERENCES users(user_id),
    title TEXT NOT NULL,
    fields TEXT NOT NULL DEFAULT '{}',
    version INTEGER NOT NULL DEFAULT 1,
    created_at INTEGER NOT NULL,
    -- The time of the last change. Unique within a membership: a change made in the same
    -- microsecond as the membership's previous one (or while the clock stands still, as
    -- in tests) takes the next microsecond, so it is a total order of changes too.
    updated_at INTEGER NOT NULL,
    status_changed_at INTEGER NOT NULL,
    -- 1 once the request has been With exchange: what the exchange officers may read.
    reached_exchange INTEGER NOT NULL DEFAULT 0 CHECK (reached_exchange IN (0, 1)),
    -- The search index's rowid: newest-first within one membership is rowid order, so
    -- word searches run on the FTS index alone, in page order, one firm at a time.
    search_key INTEGER GENERATED ALWAYS AS (scope_no * 4503599627370496 + updated_at) STORED
);

CREATE UNIQUE INDEX requests_search_key ON requests(search_key);
-- Sections and status filters, newest first: one range per (membership, status).
CREATE INDEX requests_status_updated ON requests(participant_id, status, updated_at);
-- "Mine" sections and maker filters.
CREATE INDEX requests_maker_updated ON requests(participant_id, maker, status, updated_at);
-- eService filters and the eService sort.
CREATE INDEX requests_eservice_updated ON requests(participant_id, eservice, status, updated_at);
-- The reference sort: (membership, status, id).
CREATE INDEX requests_status_ref ON requests(participant_id, status);

-- How many requests there are in each cell; kept in step by the triggers below, so that
-- section counts and most totals are a sum over a few hundred rows, never a COUNT(*).
CREATE TABLE request_counts (
    participant_id TEXT NOT NULL,
    status TEXT NOT NULL,
    eservice TEXT NOT NULL,
    maker TEXT NOT NULL,
    reached_exchange INTEGER NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (participant_id, status, eservice, maker, reached_exchange)
) WITHOUT ROWID;

CREATE TRIGGER requests_count_insert AFTER INSERT ON requests BEGIN
    INSERT INTO request_counts (participant_id, status, eservice, maker, reached_exchange, n)
    VALUES (NEW.participant_id, NEW.status, NEW.eservice, NEW.maker, NEW.reached_exchange, 1)
    ON CONFLICT DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER requests_count_delete AFTER DELETE ON requests BEGIN
    UPDATE request_counts SET n = n - 1
    WHERE participant_id = OLD.participant_id AND status = OLD.status
      AND eservice = OLD.eservice AND maker = OLD.maker
      AND reached_exchange = OLD.reached_exchange;
END;

CREATE TRIGGER requests_count_update
AFTER UPDATE OF participant_id, status, eservice, maker, reached_exchange ON requests
WHEN OLD.participant_id IS NOT NEW.participant_id OR OLD.status IS NOT NEW.status
  OR OLD.eservice IS NOT NEW.eservice OR OLD.maker IS NOT NEW.maker
  OR OLD.reached_exchange IS NOT NEW.reached_exchange
BEGIN
    UPDATE request_counts SET n = n - 1
    WHERE participant_id = OLD.participant_id AND status = OLD.status
      AND eservice = OLD.eservice AND maker = OLD.maker
      AND reached_exchange = OLD.reached_exchange;
    INSERT INTO request_counts (participant_id, status, eservice, maker, reached_exchange, n)
    VALUES (NEW.participant_id, NEW.status, NEW.eservice, NEW.maker, NEW.reached_exchange, 1)
    ON CONFLICT DO UPDATE SET n = n + 1;
END;

-- Words: title, eService name and maker, with the content read from `requests`.
CREATE VIRTUAL TABLE request_fts USING fts5(
    title, eservice_name, maker,
    content = 'requests', content_rowid = 'search_key',
    tokenize = 'unicode61 remove_diacritics 2'
);

CREATE TRIGGER requests_fts_insert AFTER INSERT ON requests BEGIN
    INSERT INTO request_fts (rowid, title, eservice_name, maker)
    VALUES (NEW.search_key, NEW.title, NEW.eservice_name, NEW.maker);
END;

CREATE TRIGGER requests_fts_delete AFTER DELETE ON requests BEGIN
    INSERT INTO request_fts (request_fts, rowid, title, eservice_name, maker)
    VALUES ('delete', OLD.search_key, OLD.title, OLD.eservice_name, OLD.maker);
END;

CREATE TRIGGER requests_fts_update
AFTER UPDATE OF scope_no, updated_at, title, eservice_name, maker ON requests BEGIN
    INSERT INTO request_fts (request_fts, rowid, title, eservice_name, maker)
    VALUES ('delete', OLD.search_key, OLD.title, OLD.eservice_name, OLD.maker);
    INSERT INTO request_fts (rowid, title, eservice_name, maker)
    VALUES (NEW.search_key, NEW.title, NEW.eservice_name, NEW.maker);
END;

-- Every action on a request, in order (id), written in the action's own transaction.
-- `role` is the part the user played (maker, checker, exchange, system).
CREATE TABLE request_audit (
    id INTEGER PRIMARY KEY,
    request_id INTEGER NOT NULL REFERENCES requests(id),
    at INTEGER NOT NULL,
    user_id TEXT NOT NULL,
    role TEXT NOT NULL,
    action TEXT NOT NULL,
    from_status TEXT,
    to_status TEXT,
    comment TEXT,
    participant_id TEXT
);
CREATE INDEX request_audit_request ON request_audit(request_id, id);

-- New tasks for a user (awaiting my check, returned to me), written in the transaction
-- that made the task; the SSE stream and GET /notifications read them by id.
CREATE TABLE notifications (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    request_id INTEGER NOT NULL REFERENCES requests(id),
    ref TEXT NOT NULL,
    status TEXT NOT NULL,
    at INTEGER NOT NULL,
    title TEXT
);
CREATE INDEX notifications_user ON notifications(user_id, id);

-- Secrets the server makes for itself (the list cursors' HMAC key), per database, so
-- that every server process on one store accepts the others' cursors.
CREATE TABLE server_keys (
    name TEXT PRIMARY KEY,
    secret BLOB NOT NULL
);
INSERT INTO server_keys (name, secret) VALUES ('list_cursor', randomblob(32));

-- For the maker-checker issue: the first answer to a state-changing POST, by the key
-- its client sent; a retry with the same key gets this answer back.
CREATE TABLE idempotency_keys (
    user_id TEXT NOT NULL,
    key TEXT NOT NULL,
    method TEXT NOT NULL,
    path TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    status INTEGER,
    body TEXT,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (user_id, key)
) WITHOUT ROWID;
CREATE INDEX idempotency_keys_created ON idempotency_keys(created_at);

-- For the supporting-documents issue: files kept under `storage_name` (server-made),
-- with the user's name as metadata only.
CREATE TABLE attachments (
    id TEXT PRIMARY KEY,
    request_id INTEGER NOT NULL REFERENCES requests(id),
    name TEXT NOT NULL,
    size INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    content_type TEXT NOT NULL,
    storage_name TEXT NOT NULL UNIQUE,
    uploaded_at INTEGER NOT NULL,
    uploaded_by TEXT NOT NULL
);
CREATE UNIQUE INDEX attachments_request_name ON attachments(request_id, name COLLATE NOCASE);
