"""A login between its steps: tickets, e-mail codes, pending device registrations, and
password-reset tokens.

A ticket is returned once and stored as its SHA-256; it is live until `expires_at` and
until used. The e-mail code of a ticket lives on the ticket row, so sending another
overwrites (invalidates) the older one, and a code can never serve another login. A
device registration started on a ticket is kept there, pending, until a code from it
verifies (then `users.register_device` makes it the user's).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime, timedelta

from cc_tui.domain import password
from cc_tui.server.security import hash_code, hash_token, new_token, same_hash
from cc_tui.server.store.users import DeviceNeed, OtpChannel, normalise_user_id


@dataclass(frozen=True)
class Ticket:
    ticket_hash: str
    user_id: str
    created_at: datetime
    expires_at: datetime
    channel: OtpChannel
    device_need: DeviceNeed
    pending_totp_secret: str | None
    device_skipped: bool
    email_code_hash: str | None
    email_code_sent_at: datetime | None
    email_code_expires_at: datetime | None


def _when(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


def create_ticket(
    conn: sqlite3.Connection,
    user_id: str,
    now: datetime,
    ttl: timedelta,
    channel: OtpChannel,
    device_need: DeviceNeed,
) -> tuple[str, Ticket]:
    """Start a login's second half; returns the ticket (shown once) and its row."""
    ticket = new_token()
    ticket_hash = hash_token(ticket)
    conn.execute(
        "INSERT INTO login_tickets (ticket_hash, user_id, created_at, expires_at, channel,"
        " device_need) VALUES (?, ?, ?, ?, ?, ?)",
        (
            ticket_hash,
            normalise_user_id(user_id),
            now.isoformat(),
            (now + ttl).isoformat(),
            channel,
            device_need,
        ),
    )
    row = live_ticket(conn, ticket, now)
    assert row is not None
    return ticket, row


def live_ticket(conn: sqlite3.Connection, ticket: str, now: datetime) -> Ticket | None:
    """The ticket's row while it is unused and not expired; else None."""
    row = conn.execute(
        "SELECT * FROM login_tickets WHERE ticket_hash = ? AND used_at IS NULL",
        (hash_token(ticket),),
    ).fetchone()
    if row is None or now >= datetime.fromisoformat(row["expires_at"]):
        return None
    return Ticket(
        ticket_hash=row["ticket_hash"],
        user_id=row["user_id"],
        created_at=datetime.fromisoformat(row["created_at"]),
        expires_at=datetime.fromisoformat(row["expires_at"]),
        channel=row["channel"],
        device_need=row["device_need"],
        pending_totp_secret=row["pending_totp_secret"],
        device_skipped=bool(row["device_skipped"]),
        email_code_hash=row["email_code_hash"],
        email_code_sent_at=_when(row["email_code_sent_at"]),
        email_code_expires_at=_when(row["email_code_expires_at"]),
    )


def use_ticket(conn: sqlite3.Connection, ticket_hash: str, now: datetime) -> None:
    """The login is complete: the ticket can never be used again, and it forgets its
    e-mail code and any pending TOTP secret (which is the user's own by now)."""
    conn.execute(
        "UPDATE login_tickets SET used_at = ?, email_code_hash = NULL,"
        " pending_totp_secret = NULL WHERE ticket_hash = ?",
        (now.isoformat(), ticket_hash),
    )


def forget_expired_secrets(conn: sqlite3.Connection, now: datetime) -> int:
    """Expired tickets forget their pending TOTP secret and e-mail code (a live ticket
    is never read once expired, but a secret must not rest on disk for nothing).
    Returns how many tickets held one."""
    cursor = conn.execute(
        "UPDATE login_tickets SET pending_totp_secret = NULL, email_code_hash = NULL"
        " WHERE expires_at <= ? AND (pending_totp_secret IS NOT NULL"
        " OR email_code_hash IS NOT NULL)",
        (now.isoformat(),),
    )
    return cursor.rowcount


def store_email_code(
    conn: sqlite3.Connection, ticket_hash: str, code: str, now: datetime, ttl: timedelta
) -> None:
    """Make `code` the ticket's one valid e-mail code (any older one stops working)."""
    conn.execute(
        "UPDATE login_tickets SET email_code_hash = ?, email_code_sent_at = ?,"
        " email_code_expires_at = ? WHERE ticket_hash = ?",
        (hash_code(ticket_hash, code), now.isoformat(), (now + ttl).isoformat(), ticket_hash),
    )


def forget_email_send(conn: sqlite3.Connection, ticket_hash: str) -> None:
    """The mail could not be sent: drop the code and let the user ask again at once."""
    conn.execute(
        "UPDATE login_tickets SET email_code_hash = NULL, email_code_sent_at = NULL,"
        " email_code_expires_at = NULL WHERE ticket_hash = ?",
        (ticket_hash,),
    )


def email_code_live(ticket: Ticket, now: datetime) -> bool:
    """Whether the ticket holds an e-mail code that has not expired."""
    return (
        ticket.email_code_hash is not None
        and ticket.email_code_expires_at is not None
        and now < ticket.email_code_expires_at
    )


def email_code_matches(ticket: Ticket, code: str, now: datetime) -> bool:
    if ticket.email_code_expires_at is None or now >= ticket.email_code_expires_at:
        return False
    return same_hash(ticket.email_code_hash, hash_code(ticket.ticket_hash, code))


def set_channel(conn: sqlite3.Connection, ticket_hash: str, channel: OtpChannel) -> None:
    conn.execute(
        "UPDATE login_tickets SET channel = ? WHERE ticket_hash = ?", (channel, ticket_hash)
    )


def start_device_registration(conn: sqlite3.Connection, ticket_hash: str, secret: str) -> None:
    """Keep a new secret pending on this login; the old one stays the user's until a code
    from the new one verifies. The login's code now comes from the app."""
    conn.execute(
        "UPDATE login_tickets SET pending_totp_secret = ?, device_skipped = 0, channel = 'app'"
        " WHERE ticket_hash = ?",
        (secret, ticket_hash),
    )


def skip_device_registration(
    conn: sqlite3.Connection, ticket_hash: str, channel: OtpChannel
) -> None:
    """Drop any pending registration; this login goes on by `channel`."""
    conn.execute(
        "UPDATE login_tickets SET pending_totp_secret = NULL, device_skipped = 1, channel = ?"
        " WHERE ticket_hash = ?",
        (channel, ticket_hash),
    )


def create_password_reset(
    conn: sqlite3.Connection, user_id: str, now: datetime, ttl: timedelta
) -> str:
    """A one-time reset token (shown once, in the e-mail); older unused ones stop working.
    Its shape (`password.new_token`) is one no password may have."""
    user_id = normalise_user_id(user_id)
    conn.execute("DELETE FROM password_resets WHERE user_id = ? AND used_at IS NULL", (user_id,))
    token = password.new_token()
    conn.execute(
        "INSERT INTO password_resets (token_hash, user_id, created_at, expires_at)"
        " VALUES (?, ?, ?, ?)",
        (hash_token(token), user_id, now.isoformat(), (now + ttl).isoformat()),
    )
    return token


def last_password_reset_at(conn: sqlite3.Connection, user_id: str) -> datetime | None:
    row = conn.execute(
        "SELECT MAX(created_at) FROM password_resets WHERE user_id = ?",
        (normalise_user_id(user_id),),
    ).fetchone()
    return _when(row[0])


def live_password_reset(conn: sqlite3.Connection, token: str, now: datetime) -> str | None:
    """The user ID a live (unused, unexpired) reset token is for; else None."""
    row = conn.execute(
        "SELECT user_id, expires_at FROM password_resets WHERE token_hash = ? AND used_at IS NULL",
        (hash_token(token),),
    ).fetchone()
    if row is None or now >= datetime.fromisoformat(row["expires_at"]):
        return None
    user_id: str = row["user_id"]
    return user_id


def use_password_reset(conn: sqlite3.Connection, token: str, now: datetime) -> None:
    conn.execute(
        "UPDATE password_resets SET used_at = ? WHERE token_hash = ?",
        (now.isoformat(), hash_token(token)),
    )
