"""Task notices: a row per user for each new task, written with the change that made it.

- A request that becomes Pending checker is a task for every active checker of its
  membership who holds the eService's check right, except its maker (who may never
  check it). One that becomes With exchange is a task for every active exchange officer.
  One that becomes Returned is a task for its maker. Nothing else is a task.
- `record_task_notices` runs inside the transaction of the status change, so a notice
  exists exactly when the change does; the rows are the source of truth, and every
  server process on the store sees them (the SSE stream reads them by id).
- A user with several memberships gets the notices of all of them on one stream, each
  naming its request's membership (`participant_id`, read from the request), whichever
  membership the user acts for. Only the memberships held now count: one taken away
  (its `user_rights` rows may stay behind) gets no new notice, and its old ones (each a
  reference and a title) are no longer listed nor streamed, as its requests are 404.
- The e-mail goes after the commit (`mail_task_notices`): a mail server that is slow
  or down must not hold the store's write lock or undo an approval.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from cc_tui.api.requests import Notification
from cc_tui.domain.forms import CATALOGUE
from cc_tui.domain.i18n import N_, Language, _, speaking
from cc_tui.domain.workflow import Status
from cc_tui.server.mail import Mailer
from cc_tui.server.store.requests import RequestRow
from cc_tui.server.store.times import from_micros, to_micros
from cc_tui.server.store.users import language_of_user

log = logging.getLogger("cc_tui.server")

NoticeKind = Literal["awaiting_my_check", "returned_to_me", "status_changed"]
MAX_PAGE = 500


@dataclass(frozen=True)
class TaskNotice:
    id: int
    user_id: str
    kind: NoticeKind
    ref: str
    status: Status
    at: datetime
    title: str | None
    participant_id: str | None = None
    # The recipient's language: the mail goes in it.
    language: Language = "en"

    def model(self) -> Notification:
        return Notification(
            id=self.id,
            kind=self.kind,
            ref=self.ref,
            status=self.status,
            at=self.at,
            title=self.title,
            participant_id=self.participant_id,
        )


def eligible_checkers(conn: sqlite3.Connection, row: RequestRow) -> list[str]:
    """Active users who hold the request's membership and its check right, maker excluded."""
    eservice = CATALOGUE.get(row.eservice)
    if eservice is None:
        return []
    return [
        r[0]
        for r in conn.execute(
            "SELECT u.user_id FROM user_rights ur JOIN users u ON u.user_id = ur.user_id"
            " JOIN user_memberships um"
            " ON um.user_id = ur.user_id AND um.participant_id = ur.participant_id"
            " WHERE ur.participant_id = ? AND ur.right_code = ? AND u.status = 'active'"
            " AND u.user_id <> ? ORDER BY u.user_id",
            (row.participant_id, eservice.check_right, row.maker),
        )
    ]


def exchange_officers(conn: sqlite3.Connection) -> list[str]:
    return [
        r[0]
        for r in conn.execute(
            "SELECT user_id FROM users WHERE is_exchange_officer = 1 AND status = 'active'"
            " ORDER BY user_id"
        )
    ]


def task_recipients(
    conn: sqlite3.Connection, row: RequestRow, new_status: Status
) -> tuple[NoticeKind, list[str]] | None:
    if new_status is Status.PENDING_CHECKER:
        return "awaiting_my_check", eligible_checkers(conn, row)
    if new_status is Status.WITH_EXCHANGE:
        return "awaiting_my_check", [u for u in exchange_officers(conn) if u != row.maker]
    if new_status is Status.RETURNED:
        return "returned_to_me", [row.maker] if _holds(conn, row.maker, row.participant_id) else []
    return None


def _holds(conn: sqlite3.Connection, user_id: str, participant_id: str) -> bool:
    return (
        conn.execute(
            "SELECT 1 FROM user_memberships WHERE user_id = ? AND participant_id = ?",
            (user_id, participant_id),
        ).fetchone()
        is not None
    )


# A notice is listed while its user may still read its request's membership: holds it
# now, or is an exchange officer (who reads every firm's requests at the exchange).
_STILL_HELD = (
    " AND (r.participant_id IS NULL"
    " OR EXISTS (SELECT 1 FROM user_memberships um"
    " WHERE um.user_id = n.user_id AND um.participant_id = r.participant_id)"
    " OR EXISTS (SELECT 1 FROM users u"
    " WHERE u.user_id = n.user_id AND u.is_exchange_officer = 1))"
)


def record_task_notices(
    conn: sqlite3.Connection, request_row: RequestRow, new_status: Status, now: datetime
) -> list[TaskNotice]:
    """Write a notice for each user the change gives a task; call it in the same
    transaction as the change. Returns them, for the e-mail after the commit."""
    recipients = task_recipients(conn, request_row, new_status)
    if recipients is None:
        return []
    kind, users = recipients
    notices: list[TaskNotice] = []
    at = to_micros(now)
    for user_id in users:
        cursor = conn.execute(
            "INSERT INTO notifications (user_id, kind, request_id, ref, status, at, title)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                user_id,
                kind,
                request_row.id,
                request_row.ref,
                new_status.value,
                at,
                request_row.title,
            ),
        )
        notices.append(
            TaskNotice(
                id=int(cursor.lastrowid or 0),
                user_id=user_id,
                kind=kind,
                ref=request_row.ref,
                status=new_status,
                at=from_micros(at),
                title=request_row.title,
                participant_id=request_row.participant_id,
                language=language_of_user(conn, user_id),
            )
        )
    return notices


def list_notifications(
    conn: sqlite3.Connection,
    user_id: str,
    after_id: int = 0,
    since: datetime | None = None,
    limit: int = MAX_PAGE,
) -> list[TaskNotice]:
    """This user's notices with an id above `after_id` (and at or after `since`), oldest
    first; only those of memberships the user holds now (`_STILL_HELD`)."""
    sql = (
        "SELECT n.id, n.user_id, n.kind, n.ref, n.status, n.at, n.title, r.participant_id"
        " FROM notifications n LEFT JOIN requests r ON r.id = n.request_id"
        " WHERE n.user_id = ? AND n.id > ?" + _STILL_HELD
    )
    params: list[object] = [user_id, after_id]
    if since is not None:
        sql += " AND n.at >= ?"
        params.append(to_micros(since))
    sql += " ORDER BY n.id LIMIT ?"
    params.append(min(max(limit, 1), MAX_PAGE))
    return [
        TaskNotice(
            id=int(r["id"]),
            user_id=r["user_id"],
            kind=r["kind"],
            ref=r["ref"],
            status=Status(r["status"]),
            at=from_micros(r["at"]),
            title=r["title"],
            participant_id=r["participant_id"],
        )
        for r in conn.execute(sql, params)
    ]


def latest_notification_id(conn: sqlite3.Connection, user_id: str | None = None) -> int:
    """The newest notice's id (of one user, or of anyone); 0 when there is none."""
    if user_id is None:
        row = conn.execute("SELECT max(id) FROM notifications").fetchone()
    else:
        row = conn.execute(
            "SELECT max(id) FROM notifications WHERE user_id = ?", (user_id,)
        ).fetchone()
    return int(row[0] or 0)


def recipients_since(conn: sqlite3.Connection, after_id: int, up_to: int) -> frozenset[str]:
    """The users of the notices with an id above `after_id` and up to `up_to`."""
    rows = conn.execute(
        "SELECT DISTINCT user_id FROM notifications WHERE id > ? AND id <= ?", (after_id, up_to)
    )
    return frozenset(str(row[0]) for row in rows)


_SUBJECTS = {
    "awaiting_my_check": N_("{ref} awaits your check"),
    "returned_to_me": N_("{ref} was returned to you"),
    "status_changed": N_("{ref} is now {status}"),
}


def task_mail(notice: TaskNotice) -> tuple[str, str]:
    """The subject and text of a task notice's mail, in the recipient's language."""
    with speaking(notice.language):
        status = _(notice.status.label)
        subject = _(_SUBJECTS[notice.kind]).format(ref=notice.ref, status=status)
        lines = [
            _("{subject}.").format(subject=subject),
            "",
            _("Request: {ref}").format(ref=notice.ref),
            _("Membership: {participant_id}").format(participant_id=notice.participant_id or "-"),
            _("Title: {title}").format(title=notice.title or "-"),
            _("Status: {status}").format(status=status),
            _("Since: {moment} (Hong Kong time)").format(moment=f"{notice.at:%Y-%m-%d %H:%M}"),
            "",
            _("Open it in cc-tui: press : and type {ref}.").format(ref=notice.ref),
        ]
        return _("Client Connect: {subject}").format(subject=subject), "\n".join(lines) + "\n"


def mail_task_notices(mailer: Mailer, notices: Iterable[TaskNotice]) -> int:
    """E-mail each notice to its user; returns how many were sent. A mail that cannot be
    sent is logged, never raised: the change is already committed and the notice row
    (and the on-screen notice) stands."""
    sent = 0
    for notice in notices:
        subject, body = task_mail(notice)
        try:
            mailer.send(notice.user_id, subject, body)
        except OSError as error:
            log.warning("task notice %s to %s not mailed: %s", notice.id, notice.user_id, error)
            continue
        sent += 1
    return sent
