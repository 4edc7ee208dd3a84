"""Accounts as a CCDA or the exchange sees them: a user within one membership, with that
membership's rights; status and rights changes; and the accounts' audit trail.

Users, memberships, the lockout and devices are `store.users`' (this module reads
through its row type and adds only what administration needs). Every function runs in
the caller's transaction, so a change and its `user_audit` row commit together.

- A membership's rights are read in one query, the users through `store.users.get_user`
  (one short query each: a firm has tens of users, the exchange's list of CCDAs a few
  hundred), so the user row is built in one place.
- Rights are replaced as a set: the new set is written, the rest deleted, in the one
  transaction (`replace_rights`), so a reader never sees half a change.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime

from cc_tui.domain.rights import DELEGATED_ADMIN
from cc_tui.server.store.users import UserRow, get_user, normalise_user_id


@dataclass(frozen=True)
class AccountRow:
    """A user as one membership's administrator sees it."""

    user: UserRow
    participant_id: str
    rights: frozenset[str]

    @property
    def password_set(self) -> bool:
        return self.user.password_hash is not None

    @property
    def is_ccda(self) -> bool:
        return DELEGATED_ADMIN in self.rights


@dataclass(frozen=True)
class AuditRow:
    at: datetime
    actor: str
    actor_role: str
    participant_id: str | None
    user_id: str
    action: str
    detail: str


def _rights_by_user(
    conn: sqlite3.Connection, participant_id: str, user_ids: list[str]
) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {user_id: set() for user_id in user_ids}
    for row in conn.execute(
        "SELECT user_id, right_code FROM user_rights WHERE participant_id = ?", (participant_id,)
    ):
        if row[0] in found:
            found[row[0]].add(row[1])
    return found


def membership_accounts(conn: sqlite3.Connection, participant_id: str) -> list[AccountRow]:
    """Every user of the membership, by user ID."""
    user_ids = [
        str(row[0])
        for row in conn.execute(
            "SELECT user_id FROM user_memberships WHERE participant_id = ? ORDER BY user_id",
            (participant_id,),
        )
    ]
    rights = _rights_by_user(conn, participant_id, user_ids)
    accounts: list[AccountRow] = []
    for user_id in user_ids:
        user = get_user(conn, user_id)
        if user is not None:
            accounts.append(
                AccountRow(
                    user=user, participant_id=participant_id, rights=frozenset(rights[user_id])
                )
            )
    return accounts


def ccda_accounts(conn: sqlite3.Connection) -> list[AccountRow]:
    """Every CCDA of every membership (one row per membership it administers), by
    membership, then user ID."""
    pairs = conn.execute(
        "SELECT user_id, participant_id FROM user_rights WHERE right_code = ?"
        " ORDER BY participant_id, user_id",
        (DELEGATED_ADMIN,),
    ).fetchall()
    accounts: list[AccountRow] = []
    for user_id, participant_id in pairs:
        found = account(conn, user_id, participant_id)
        if found is not None:
            accounts.append(found)
    return accounts


def account(conn: sqlite3.Connection, user_id: str, participant_id: str) -> AccountRow | None:
    """The user as a member of `participant_id`, or None when it is not one."""
    user_id = normalise_user_id(user_id)
    member = conn.execute(
        "SELECT 1 FROM user_memberships WHERE user_id = ? AND participant_id = ?",
        (user_id, participant_id),
    ).fetchone()
    user = get_user(conn, user_id) if member is not None else None
    if user is None:
        return None
    rights = _rights_by_user(conn, participant_id, [user_id])[user_id]
    return AccountRow(user=user, participant_id=participant_id, rights=frozenset(rights))


def ccda_membership(conn: sqlite3.Connection, user_id: str) -> str | None:
    """The first membership (by ID) the user administers as a CCDA, or None."""
    row = conn.execute(
        "SELECT participant_id FROM user_rights WHERE user_id = ? AND right_code = ?"
        " ORDER BY participant_id LIMIT 1",
        (normalise_user_id(user_id), DELEGATED_ADMIN),
    ).fetchone()
    return None if row is None else str(row[0])


def membership_exists(conn: sqlite3.Connection, participant_id: str) -> bool:
    row = conn.execute(
        "SELECT 1 FROM memberships WHERE participant_id = ?", (participant_id,)
    ).fetchone()
    return row is not None


def set_status(conn: sqlite3.Connection, user_id: str, status: str) -> None:
    conn.execute(
        "UPDATE users SET status = ? WHERE user_id = ?", (status, normalise_user_id(user_id))
    )


def replace_rights(
    conn: sqlite3.Connection, user_id: str, participant_id: str, rights: frozenset[str]
) -> None:
    """Make `rights` the user's whole set of rights for the membership."""
    user_id = normalise_user_id(user_id)
    held = {
        row[0]
        for row in conn.execute(
            "SELECT right_code FROM user_rights WHERE user_id = ? AND participant_id = ?",
            (user_id, participant_id),
        )
    }
    conn.executemany(
        "DELETE FROM user_rights WHERE user_id = ? AND participant_id = ? AND right_code = ?",
        [(user_id, participant_id, right) for right in sorted(held - rights)],
    )
    conn.executemany(
        "INSERT OR IGNORE INTO user_rights (user_id, participant_id, right_code) VALUES (?, ?, ?)",
        [(user_id, participant_id, right) for right in sorted(rights - held)],
    )


def record(
    conn: sqlite3.Connection,
    *,
    at: datetime,
    actor: str,
    actor_role: str,
    participant_id: str | None,
    user_id: str,
    action: str,
    detail: str = "",
) -> None:
    """One row of the accounts' audit trail."""
    conn.execute(
        "INSERT INTO user_audit (at, actor, actor_role, participant_id, user_id, action, detail)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        (
            at.isoformat(),
            actor,
            actor_role,
            participant_id,
            normalise_user_id(user_id),
            action,
            detail,
        ),
    )


def history(
    conn: sqlite3.Connection, user_id: str, participant_id: str | None = None, limit: int = 200
) -> list[AuditRow]:
    """The newest `limit` changes to the account, newest first; only those made for
    `participant_id` when one is given (another firm's changes are not this firm's)."""
    where = "user_id = ?"
    params: list[object] = [normalise_user_id(user_id)]
    if participant_id is not None:
        where += " AND participant_id = ?"
        params.append(participant_id)
    params.append(limit)
    return [
        AuditRow(
            at=datetime.fromisoformat(row["at"]),
            actor=row["actor"],
            actor_role=row["actor_role"],
            participant_id=row["participant_id"],
            user_id=row["user_id"],
            action=row["action"],
            detail=row["detail"],
        )
        for row in conn.execute(
            "SELECT at, actor, actor_role, participant_id, user_id, action, detail"
            f" FROM user_audit WHERE {where} ORDER BY id DESC LIMIT ?",
            params,
        )
    ]
