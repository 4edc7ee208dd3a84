"""Users, their memberships and rights, and the lockout counter.

The failure counter counts consecutive failed password and OTP attempts together; the
increment is one atomic UPDATE ... RETURNING, so two wrong attempts at the same moment
both count, and the attempt that reaches the limit locks the account in the same
statement. A locked account's counter never moves: every check returns early.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from cc_tui.domain.i18n import Language, parse_language
from cc_tui.server.store.memo import remembered

OtpChannel = Literal["email", "app"]
DeviceNeed = Literal["none", "offered", "required"]


@dataclass(frozen=True)
class UserRow:
    user_id: str
    name: str
    password_hash: str | None
    status: str
    is_exchange_officer: bool
    failed_attempts: int
    locked: bool
    otp_channel: OtpChannel
    totp_secret: str | None
    totp_last_step: int | None
    device_registration: DeviceNeed
    language: Language = "en"

    @property
    def active(self) -> bool:
        return self.status == "active"

    @property
    def device_registered(self) -> bool:
        return self.totp_secret is not None


@dataclass(frozen=True)
class MembershipRow:
    participant_id: str
    name: str
    kind: str


_USER_COLUMNS = (
    "user_id, name, password_hash, status, is_exchange_officer, failed_attempts, locked,"
    " otp_channel, totp_secret, totp_last_step, device_registration, language"
)


def _user(row: sqlite3.Row) -> UserRow:
    return UserRow(
        user_id=row["user_id"],
        name=row["name"],
        password_hash=row["password_hash"],
        status=row["status"],
        is_exchange_officer=bool(row["is_exchange_officer"]),
        failed_attempts=int(row["failed_attempts"]),
        locked=bool(row["locked"]),
        otp_channel=row["otp_channel"],
        totp_secret=row["totp_secret"],
        totp_last_step=row["totp_last_step"],
        device_registration=row["device_registration"],
        language=parse_language(row["language"]),
    )


def normalise_user_id(user_id: str) -> str:
    """Login IDs are e-mail addresses: compared without surrounding space or case."""
    return user_id.strip().lower()


def get_user(conn: sqlite3.Connection, user_id: str) -> UserRow | None:
    """The user (read on every request: kept until the store changes, memo.py)."""
    key = normalise_user_id(user_id)
    return remembered(conn, ("user", key), lambda: _read_user(conn, key))


def _read_user(conn: sqlite3.Connection, user_id: str) -> UserRow | None:
    row = conn.execute(
        f"SELECT {_USER_COLUMNS} FROM users WHERE user_id = ?", (user_id,)
    ).fetchone()
    return None if row is None else _user(row)


def user_name(conn: sqlite3.Connection, user_id: str) -> str | None:
    """The name of the user stored as `user_id`, or None when there is none."""
    row = conn.execute("SELECT name FROM users WHERE user_id = ?", (user_id,)).fetchone()
    return None if row is None else str(row["name"])


def create_user(
    conn: sqlite3.Connection,
    user_id: str,
    name: str,
    now: datetime,
    *,
    password_hash: str | None = None,
    is_exchange_officer: bool = False,
    otp_channel: OtpChannel = "email",
    totp_secret: str | None = None,
    device_registration: DeviceNeed = "none",
) -> bool:
    """Insert a user unless one with this ID exists; True when inserted."""
    cursor = conn.execute(
        "INSERT OR IGNORE INTO users (user_id, name, password_hash, is_exchange_officer,"
        " otp_channel, totp_secret, device_registration, created_at, password_changed_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            normalise_user_id(user_id),
            name,
            password_hash,
            int(is_exchange_officer),
            otp_channel,
            totp_secret,
            device_registration,
            now.isoformat(),
            now.isoformat() if password_hash else None,
        ),
    )
    return cursor.rowcount == 1


def add_membership(conn: sqlite3.Connection, user_id: str, participant_id: str) -> None:
    conn.execute(
        "INSERT OR IGNORE INTO user_memberships (user_id, participant_id) VALUES (?, ?)",
        (normalise_user_id(user_id), participant_id),
    )


def grant_rights(
    conn: sqlite3.Connection, user_id: str, participant_id: str, rights: list[str]
) -> None:
    conn.executemany(
        "INSERT OR IGNORE INTO user_rights (user_id, participant_id, right_code) VALUES (?, ?, ?)",
        [(normalise_user_id(user_id), participant_id, right) for right in rights],
    )


def memberships(conn: sqlite3.Connection, user_id: str) -> list[MembershipRow]:
    key = normalise_user_id(user_id)
    return list(remembered(conn, ("memberships", key), lambda: _read_memberships(conn, key)))


def _read_memberships(conn: sqlite3.Connection, user_id: str) -> tuple[MembershipRow, ...]:
    return tuple(
        MembershipRow(participant_id=row[0], name=row[1], kind=row[2])
        for row in conn.execute(
            "SELECT m.participant_id, m.name, m.kind FROM user_memberships um"
            " JOIN memberships m ON m.participant_id = um.participant_id"
            " WHERE um.user_id = ? ORDER BY m.participant_id",
            (user_id,),
        )
    )


def rights(conn: sqlite3.Connection, user_id: str, participant_id: str | None = None) -> set[str]:
    """The user's rights for one membership, or for all of them when none is given."""
    key = ("rights", normalise_user_id(user_id), participant_id)
    return set(
        remembered(conn, key, lambda: frozenset(_read_rights(conn, user_id, participant_id)))
    )


def _read_rights(conn: sqlite3.Connection, user_id: str, participant_id: str | None) -> set[str]:
    if participant_id is None:
        rows = conn.execute(
            "SELECT right_code FROM user_rights WHERE user_id = ?", (normalise_user_id(user_id),)
        )
    else:
        rows = conn.execute(
            "SELECT right_code FROM user_rights WHERE user_id = ? AND participant_id = ?",
            (normalise_user_id(user_id), participant_id),
        )
    return {row[0] for row in rows}


def record_failure(conn: sqlite3.Connection, user_id: str, now: datetime, limit: int) -> bool:
    """Count one failed password or OTP attempt; lock at `limit`. True when now locked.

    A locked account is left as it is (its count does not grow)."""
    row = conn.execute(
        "UPDATE users SET failed_attempts = failed_attempts + 1,"
        " locked = CASE WHEN failed_attempts + 1 >= ? THEN 1 ELSE 0 END,"
        " locked_at = CASE WHEN failed_attempts + 1 >= ? THEN ? ELSE NULL END"
        " WHERE user_id = ? AND locked = 0 RETURNING locked",
        (limit, limit, now.isoformat(), normalise_user_id(user_id)),
    ).fetchone()
    return row is None or bool(row[0])


def reset_failures(conn: sqlite3.Connection, user_id: str) -> None:
    conn.execute(
        "UPDATE users SET failed_attempts = 0 WHERE user_id = ? AND locked = 0",
        (normalise_user_id(user_id),),
    )


def unlock(conn: sqlite3.Connection, user_id: str) -> None:
    """Unlock an account and clear its count (a CCDA's act, or the exchange's for a CCDA:
    see `cc_tui.domain.account_rules`)."""
    conn.execute(
        "UPDATE users SET locked = 0, failed_attempts = 0, locked_at = NULL WHERE user_id = ?",
        (normalise_user_id(user_id),),
    )


def set_password_hash(
    conn: sqlite3.Connection, user_id: str, password_hash: str, now: datetime
) -> None:
    conn.execute(
        "UPDATE users SET password_hash = ?, password_changed_at = ? WHERE user_id = ?",
        (password_hash, now.isoformat(), normalise_user_id(user_id)),
    )


def record_totp_step(conn: sqlite3.Connection, user_id: str, step: int) -> None:
    """Remember the last step used, so no code is accepted twice."""
    conn.execute(
        "UPDATE users SET totp_last_step = ? WHERE user_id = ?", (step, normalise_user_id(user_id))
    )


def register_device(conn: sqlite3.Connection, user_id: str, secret: str, step: int) -> None:
    """A new authenticator replaces the old one: its secret, its last step, and the
    channel becomes the app; nothing more is owed on registration."""
    conn.execute(
        "UPDATE users SET totp_secret = ?, totp_last_step = ?, otp_channel = 'app',"
        " device_registration = 'none' WHERE user_id = ?",
        (secret, step, normalise_user_id(user_id)),
    )


def reset_device(conn: sqlite3.Connection, user_id: str) -> None:
    """Forget the user's authenticator (a CCDA's act): the next login by app must register
    a new one."""
    conn.execute(
        "UPDATE users SET totp_secret = NULL, totp_last_step = NULL,"
        " device_registration = CASE WHEN otp_channel = 'app' THEN 'required' ELSE 'none' END"
        " WHERE user_id = ?",
        (normalise_user_id(user_id),),
    )


def set_language(conn: sqlite3.Connection, user_id: str, language: Language) -> None:
    conn.execute(
        "UPDATE users SET language = ? WHERE user_id = ?", (language, normalise_user_id(user_id))
    )


def language_of_user(conn: sqlite3.Connection, user_id: str) -> Language:
    """The language the user chose (English for one not found): their mails go in it."""
    user = get_user(conn, user_id)
    return "en" if user is None else user.language


def set_otp_channel(conn: sqlite3.Connection, user_id: str, channel: OtpChannel) -> None:
    conn.execute(
        "UPDATE users SET otp_channel = ? WHERE user_id = ?", (channel, normalise_user_id(user_id))
    )
