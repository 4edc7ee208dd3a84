-- The portal's identity (issue 13): one random id made with the data directory and never
-- changed, reported in GET /service/status. Clients key what they keep on their side
-- (drafts, the last user ID, keyring sessions) by it, not by the URL, which changes at
-- every start of `cc-tui --demo`. Not a secret: 128 random bits to tell portals apart.
CREATE TABLE portal_identity (
    singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
    portal_id TEXT NOT NULL
);

INSERT INTO portal_identity (singleton, portal_id) VALUES (1, lower(hex(randomblob(16))));
