-- Events (seminars) with their enrolments and waiting lists, and the document library.
-- Design notes: store/events.py and store/documents.py.
--
-- Times are INTEGER microseconds since the Unix epoch (UTC), as in the requests tables.

CREATE TABLE events (
    id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    venue TEXT NOT NULL,
    starts_at INTEGER NOT NULL,
    ends_at INTEGER NOT NULL,
    capacity INTEGER NOT NULL CHECK (capacity >= 1),
    CHECK (ends_at > starts_at)
);
CREATE INDEX events_starts ON events(starts_at);

-- One row per person and event: enrolled, or on the waiting list in `position` order.
-- `user_id` is a login ID; it is not a foreign key because delegates of firms outside
-- this mock portal's demo (seeded to fill the rooms) have no account here.
CREATE TABLE enrolments (
    event_id TEXT NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    user_id TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('enrolled', 'waitlisted')),
    position INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (event_id, user_id)
);
CREATE INDEX enrolments_queue ON enrolments(event_id, status, position);

-- The last line of defence for "capacity is never exceeded": the store counts inside
-- BEGIN IMMEDIATE, and these refuse any write that would still overfill a room.
CREATE TRIGGER enrolments_capacity_insert
BEFORE INSERT ON enrolments
WHEN NEW.status = 'enrolled'
    AND (SELECT COUNT(*) FROM enrolments WHERE event_id = NEW.event_id AND status = 'enrolled')
        >= (SELECT capacity FROM events WHERE id = NEW.event_id)
BEGIN
    SELECT RAISE(ABORT, 'event_full');
END;

CREATE TRIGGER enrolments_capacity_update
BEFORE UPDATE OF status ON enrolments
WHEN NEW.status = 'enrolled' AND OLD.status <> 'enrolled'
    AND (SELECT COUNT(*) FROM enrolments WHERE event_id = NEW.event_id AND status = 'enrolled')
        >= (SELECT capacity FROM events WHERE id = NEW.event_id)
BEGIN
    SELECT RAISE(ABORT, 'event_full');
END;

-- The document library: technical documents and forms that are not eServices. `body`
-- is the text the PDF is rendered from (JSON: sections and form fields); `size` and
-- `sha256` describe the rendered file, filled when it is first rendered.
CREATE TABLE documents (
    rowid INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    category TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    keywords TEXT NOT NULL DEFAULT '',
    file_name TEXT NOT NULL,
    original_signature INTEGER NOT NULL DEFAULT 0 CHECK (original_signature IN (0, 1)),
    body TEXT NOT NULL DEFAULT '{}',
    updated_at INTEGER NOT NULL,
    size INTEGER,
    sha256 TEXT
);

CREATE VIRTUAL TABLE documents_fts USING fts5(
    title, category, description, keywords,
    content='documents', content_rowid='rowid',
    tokenize='unicode61 remove_diacritics 2'
);

CREATE TRIGGER documents_fts_insert AFTER INSERT ON documents BEGIN
    INSERT INTO documents_fts(rowid, title, category, description, keywords)
    VALUES (NEW.rowid, NEW.title, NEW.category, NEW.description, NEW.keywords);
END;

CREATE TRIGGER documents_fts_delete AFTER DELETE ON documents BEGIN
    INSERT INTO documents_fts(documents_fts, rowid, title, category, description, keywords)
    VALUES ('delete', OLD.rowid, OLD.title, OLD.category, OLD.description, OLD.keywords);
END;

CREATE TRIGGER documents_fts_update
AFTER UPDATE OF title, category, description, keywords ON documents BEGIN
    INSERT INTO documents_fts(documents_fts, rowid, title, category, description, keywords)
    VALUES ('delete', OLD.rowid, OLD.title, OLD.category, OLD.description, OLD.keywords);
    INSERT INTO documents_fts(rowid, title, category, description, keywords)
    VALUES (NEW.rowid, NEW.title, NEW.category, NEW.description, NEW.keywords);
END;
