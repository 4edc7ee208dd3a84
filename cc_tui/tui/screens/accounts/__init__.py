"""Accounts (F3, or the palette): a CCDA's users (the exchange: every firm's CCDAs), and
what it may do to them.

- One table, one row a user: ID, name, status in words (Active, Suspended, Set-up: no
  password yet), locked, OTP channel, device. Under it the highlighted user's roles and
  rights. `/` narrows the table by words (ID, name, status, rights), on the rows held:
  a firm has tens of users, so the list is fetched whole and filtered here.
- Every change names the user and confirms with y/N (`ConfirmScreen`; Enter alone never
  confirms): create, rights, suspend, reactivate, unlock, reset device, set-up mail again.
  A key whose change does not apply to the highlighted user (unlock on an unlocked one)
  is shown disabled rather than refused after the fact.
- The create and rights forms are modal and make their call themselves, so a refusal
  (an ID already taken) is said in place with what was typed still there. Each change
  keeps one Idempotency-Key until it succeeds, so `r` after a dropped connection retries
  the same change and never creates a user twice or mails twice.
- What the portal answers replaces the row it is about; the portal's sentences are shown
  as they are, and it, not this screen, decides who may do what.

The package: `words` (the cells, sentences and the Change a key sends), `forms` (the create,
rights and history dialogs), `screen` (the table and its keys), `access` (whether the user
administers accounts; F3 and the palette open it through `tui/navigation.py`).
"""
