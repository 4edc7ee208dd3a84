"""Supporting documents in the store: the `attachments` rows and their audit entries.

The table is in `migrations/0003_requests.sql`; the bytes live in `server.files.FileStore`
under `storage_name`, which the server made. The user's file name is metadata only.

Design decisions:
- `add_attachment` and `remove_attachment` run inside the caller's transaction
  (`Database.transaction()`) and write the row and its audit entry (`upload` /
  `delete_attachment`, the status unchanged, the file name as the entry's comment so that
  the trail says which file) together: both or neither.
- They re-read what they depend on inside that transaction (the status, the maker, the
  names already attached and how many), because the router's first check ran before the
  upload's bytes arrived: a request submitted meanwhile, a name taken by a parallel
  upload, or a 21st file must still be refused. BEGIN IMMEDIATE makes the re-check and
  the write one step; the unique index on (request, name) is the last line.
- An attachment does not change the request's `version`: a form open in another screen
  must not go stale because a file was attached to its request.
"""

from __future__ import annotations

import re
import sqlite3
import time
import uuid
from dataclasses import dataclass
from datetime import datetime

from cc_tui.api.problem import ProblemCode
from cc_tui.api.requests import Attachment
from cc_tui.domain.i18n import _
from cc_tui.domain.naming import check_supporting_document_name
from cc_tui.domain.workflow import EDITABLE_STATUSES, Action
from cc_tui.server.errors import ApiError
from cc_tui.server.files import FileStore, StoredFile, ensure_room_for_another, name_refusal
from cc_tui.server.store.requests import RequestRow, append_maker_entry, get_request_by_id
from cc_tui.server.store.times import from_micros, to_micros

ATTACHMENT_COLUMNS = (
    "id, request_id, name, size, sha256, content_type, storage_name, uploaded_at, uploaded_by"
)


@dataclass(frozen=True)
class AttachmentRow:
    """One attachment as stored: the wire model plus where its bytes are."""

    id: str
    request_id: int
    name: str
    size: int
    sha256: str
    content_type: str
    storage_name: str
    uploaded_at: datetime
    uploaded_by: str

    def model(self) -> Attachment:
        return Attachment(
            id=self.id,
            name=self.name,
            size=self.size,
            sha256=self.sha256,
            content_type=self.content_type,
            uploaded_at=self.uploaded_at,
            uploaded_by=self.uploaded_by,
        )


def _row(row: sqlite3.Row) -> AttachmentRow:
    return AttachmentRow(
        id=row["id"],
        request_id=int(row["request_id"]),
        name=row["name"],
        size=int(row["size"]),
        sha256=row["sha256"],
        content_type=row["content_type"],
        storage_name=row["storage_name"],
        uploaded_at=from_micros(row["uploaded_at"]),
        uploaded_by=row["uploaded_by"],
    )


class AttachmentNotFound(ApiError):
    def __init__(self, ref: str) -> None:
        super().__init__(
            404,
            ProblemCode.NOT_FOUND,
            f"Request {ref} has no such supporting document.",
            "Reload the request to see the documents attached to it now.",
        )


def attached_names(conn: sqlite3.Connection, request_id: int) -> list[str]:
    """The names of the files attached to a request, oldest first."""
    return [
        str(r[0])
        for r in conn.execute(
            "SELECT name FROM attachments WHERE request_id = ? ORDER BY uploaded_at, name",
            (request_id,),
        )
    ]


def get_attachment(
    conn: sqlite3.Connection, request_id: int, attachment_id: str
) -> AttachmentRow | None:
    row = conn.execute(
        f"SELECT {ATTACHMENT_COLUMNS} FROM attachments WHERE request_id = ? AND id = ?",
        (request_id, attachment_id),
    ).fetchone()
    return None if row is None else _row(row)


def storage_names(conn: sqlite3.Connection) -> set[str]:
    """Every storage name the store refers to."""
    return {str(r[0]) for r in conn.execute("SELECT storage_name FROM attachments")}


_STORED = re.compile(r"[0-9a-f]{2}/[0-9a-f]{32}")


def sweep_storage(
    conn: sqlite3.Connection, files: FileStore, older_than_seconds: float = 3600.0
) -> int:
    """Remove what a killed process left in the storage folder; returns how many files.

    A process killed between storing an upload's bytes and committing its row leaves a
    file no attachment names (and perhaps a temp file). Only files older than
    `older_than_seconds` go: a younger one may be an upload another process is about to
    commit. For the housekeeping job.
    """
    removed = files.sweep_incoming(older_than_seconds)
    known = storage_names(conn)
    cutoff = time.time() - older_than_seconds
    for path in files.root.glob("??/*"):
        name = f"{path.parent.name}/{path.name}"
        if not _STORED.fullmatch(name) or name in known:
            continue
        try:
            if path.stat().st_mtime >= cutoff:
                continue
        except FileNotFoundError:
            continue
        # Read again: an upload may have committed its row since `known` was read.
        if (
            conn.execute("SELECT 1 FROM attachments WHERE storage_name = ?", (name,)).fetchone()
            is None
        ):
            files.delete(name)
            removed += 1
    return removed


# Who may change a request's attachments ------------------------------------------------


def refuse_unless_attachable(row: RequestRow, user_id: str) -> None:
    """Only the maker attaches or removes files, and only on a Draft or Returned request."""
    if row.maker != user_id:
        raise ApiError(
            403,
            ProblemCode.FORBIDDEN,
            _(
                "Only the maker of {ref} ({maker}) can attach or remove its supporting documents."
            ).format(ref=row.ref, maker=row.maker),
            _(
                "Ask its maker to do it; as a checker you can return the request with a comment "
                "saying which document is needed."
            ),
        )
    if row.status not in EDITABLE_STATUSES:
        raise ApiError(
            409,
            ProblemCode.INVALID_TRANSITION,
            _(
                "You can attach files only while the request is a draft or returned; {ref} is "
                "{status}."
            ).format(ref=row.ref, status=_(row.status.label).lower()),
            _(
                "Reload the request to see its current status; to add a document to a request "
                "that is pending checker, withdraw it first."
            ),
        )


def _current(conn: sqlite3.Connection, row: RequestRow) -> RequestRow:
    current = get_request_by_id(conn, row.id)
    if current is None:  # requests are never deleted; kept for the type checker
        raise ApiError(
            404, ProblemCode.NOT_FOUND, _("There is no request {ref}.").format(ref=row.ref)
        )
    return current


# Changes (each inside the caller's transaction) ----------------------------------------


def add_attachment(
    conn: sqlite3.Connection,
    row: RequestRow,
    stored: StoredFile,
    *,
    name: str,
    user_id: str,
    acting_participant_id: str | None,
    now: datetime,
) -> AttachmentRow:
    """The row of a file already stored, and its `upload` audit entry.

    Re-checks the maker, the status, the count and the name against the request as it is
    now; raises the same refusals as the first check. The caller deletes the stored file
    when this raises (or the transaction fails).
    """
    current = _current(conn, row)
    refuse_unless_attachable(current, user_id)
    taken = attached_names(conn, current.id)
    ensure_room_for_another(len(taken))
    check = check_supporting_document_name(name, current.ref, current.participant_id, taken)
    if not check.ok:
        raise name_refusal(check, current.ref, current.participant_id)
    attachment_id = uuid.uuid4().hex
    conn.execute(
        f"INSERT INTO attachments ({ATTACHMENT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            attachment_id,
            current.id,
            name,
            stored.size,
            stored.sha256,
            stored.content_type,
            stored.storage_name,
            to_micros(now),
            user_id,
        ),
    )
    append_maker_entry(
        conn,
        current,
        Action.UPLOAD,
        at=now,
        user_id=user_id,
        acting_participant_id=acting_participant_id,
        comment=name,
        file=name,
    )
    added = get_attachment(conn, current.id, attachment_id)
    assert added is not None
    return added


def remove_attachment(
    conn: sqlite3.Connection,
    row: RequestRow,
    attachment_id: str,
    *,
    user_id: str,
    acting_participant_id: str | None,
    now: datetime,
) -> AttachmentRow:
    """Delete an attachment's row and audit `delete_attachment`; returns the row removed.

    The caller deletes the stored bytes after the transaction commits (a rollback must
    not leave a row whose file is gone).
    """
    current = _current(conn, row)
    refuse_unless_attachable(current, user_id)
    found = get_attachment(conn, current.id, attachment_id)
    if found is None:
        raise AttachmentNotFound(current.ref)
    conn.execute(
        "DELETE FROM attachments WHERE request_id = ? AND id = ?", (current.id, attachment_id)
    )
    append_maker_entry(
        conn,
        current,
        Action.DELETE_ATTACHMENT,
        at=now,
        user_id=user_id,
        acting_participant_id=acting_participant_id,
        comment=found.name,
        file=found.name,
    )
    return found
