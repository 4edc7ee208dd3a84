-- Issue 15: each user's language (en or zh-Hant), set from the Profile (PUT /me/language);
-- the portal's mails to the user go in it, and the TUI uses it after login unless --lang.
ALTER TABLE users ADD COLUMN language TEXT NOT NULL DEFAULT 'en'
    CHECK (language IN ('en', 'zh-Hant'));
