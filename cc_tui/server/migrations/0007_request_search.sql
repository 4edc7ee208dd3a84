-- Every word (as the FTS index folds it: lower case, no diacritics) that appears in a
-- request's title, eService name or maker. A word typed as a prefix ("divid") becomes
-- the list of whole words it starts ("dividend"), which the FTS index looks up by rowid
-- in microseconds; FTS5's own prefix query re-reads every matching word's list on each
-- lookup. The store adds words when it writes titles (store/requests.py).
CREATE TABLE request_terms (
    term TEXT PRIMARY KEY
) WITHOUT ROWID;

-- Stores made before this table: take the words from the FTS index itself, once.
CREATE VIRTUAL TABLE request_fts_vocab USING fts5vocab(request_fts, 'row');
INSERT INTO request_terms (term) SELECT term FROM request_fts_vocab;
DROP TABLE request_fts_vocab;

-- The exchange officers' lists: within one (membership, status) range, only the requests
-- that reached the exchange, newest first. Without it an officer's list of, say,
-- Pending checker requests (few of which ever reached the exchange) reads them all.
CREATE INDEX requests_exchange_updated ON requests(participant_id, status, updated_at)
WHERE reached_exchange = 1;
