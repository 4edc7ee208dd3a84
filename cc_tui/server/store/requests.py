"""Requests in the store: rows, who may read them, changes with a version check, audit.

Design decisions (the schema is `migrations/0003_requests.sql`):
- Times are INTEGER microseconds since the Unix epoch; `to_micros` / `from_micros` convert
  (the API speaks ISO 8601 in Hong Kong time). Integers order and index exactly, and a
  microsecond is fine enough to give every change its own time.
- `updated_at` is unique within a membership: `next_change_time` takes the clock's now,
  or one microsecond after the membership's last change if the clock has not moved on
  (tests freeze it; two processes may share a microsecond). Then
  `search_key = scope_no * 2**52 + updated_at` is unique too and serves as the FTS rowid:
  one firm's requests are one rowid range, newest first (see request_query).
- The reference is `ECS` + the id in 8 digits (a generated column), so the id is the
  reference's number and the reference sort is the id order.
- Every change goes through `update_request`: it checks the version the caller saw
  (`UPDATE ... WHERE version = ?`; 409 `version_conflict` otherwise), bumps it, moves
  `updated_at`, and marks `reached_exchange` when the status becomes With exchange. It
  runs inside the caller's transaction (`Database.transaction()`), together with
  `append_audit` and `notifications.record_task_notices`: `change_status` does all three.
- Reading (ours): every user of a membership reads all of its requests (rights govern
  actions, not reading; a checker must find a request by its reference). An exchange
  officer reads, across firms, the requests that have reached the exchange. Anything
  else is "not found", never "forbidden", so other firms' references are not revealed.
"""

from __future__ import annotations

import json
import re
import sqlite3
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property, lru_cache
from typing import Any

from cc_tui.api.problem import ProblemCode
from cc_tui.api.requests import (
    Attachment,
    AuditEntry,
    Comment,
    FieldChange,
    Request,
    RequestSummary,
    UnavailableAction,
)
from cc_tui.domain.forms import CATALOGUE, EService
from cc_tui.domain.i18n import _
from cc_tui.domain.naming import REF_EXAMPLE, normalise_ref, parse_ref
from cc_tui.domain.workflow import Action, Actor, Party, Status, allowed_actions
from cc_tui.server.errors import ApiError
from cc_tui.server.service_hours import Closure, ServiceHours
from cc_tui.server.store import audit_chain
from cc_tui.server.store.memo import remembered
from cc_tui.server.store.times import from_micros, to_micros

# search_key = scope_no * SCOPE_SPAN + updated_at (microseconds fit in 52 bits until 2112).
SCOPE_SPAN = 1 << 52
MAX_SCOPE_NO = 2046

REQUEST_COLUMNS = (
    "id, ref, participant_id, eservice, eservice_name, status, maker, title, fields, version,"
    " created_at, updated_at, status_changed_at, reached_exchange"
)


_WORD = re.compile(r"[^\W_]+")


def search_terms(text: str) -> set[str]:
    """The words of `text` as the FTS index keeps them (unicode61, remove_diacritics 2):
    letters and digits, lower case, without diacritics."""
    folded = "".join(
        char
        for char in unicodedata.normalize("NFKD", text.lower())
        if not unicodedata.combining(char)
    )
    return set(_WORD.findall(folded))


def add_search_terms(conn: sqlite3.Connection, texts: Iterable[str]) -> None:
    """Remember the words of `texts` for prefix searches (see request_terms)."""
    terms: set[str] = set()
    for text in texts:
        terms |= search_terms(text)
    conn.executemany(
        "INSERT OR IGNORE INTO request_terms (term) VALUES (?)", [(t,) for t in sorted(terms)]
    )


class VersionConflict(ApiError):
    def __init__(self, ref: str) -> None:
        super().__init__(
            409,
            ProblemCode.VERSION_CONFLICT,
            _("Someone else changed {ref} after you opened it.").format(ref=ref),
            _("Reload the request to see its current state, then try again."),
        )


class RequestNotFound(ApiError):
    def __init__(self, ref: str) -> None:
        super().__init__(
            404,
            ProblemCode.NOT_FOUND,
            _("There is no request {ref} among the requests you may read.").format(ref=ref),
            _(
                "Check the reference number (ECS and 8 digits, such as {example}); "
                "a request of another firm cannot be opened."
            ).format(example=REF_EXAMPLE),
        )


@dataclass(frozen=True)
class Viewer:
    """Who is reading: the user, the acting membership and the rights held there."""

    user_id: str
    participant_id: str | None
    is_exchange_officer: bool = False
    rights: frozenset[str] = field(default_factory=frozenset)

    @cached_property
    def check_eservices(self) -> frozenset[str]:
        """The eServices whose check right this user holds in the acting membership."""
        return frozenset(
            code for code, eservice in CATALOGUE.items() if eservice.check_right in self.rights
        )

    def may_read(self, row: RequestRow) -> bool:
        if self.is_exchange_officer:
            return row.reached_exchange
        return self.participant_id is not None and row.participant_id == self.participant_id

    def party(self, eservice_code: str) -> Party:
        """The workflow's view of this user towards requests of one eService."""
        eservice = CATALOGUE.get(eservice_code)
        return Party(
            user_id=self.user_id,
            can_make=eservice is not None and eservice.make_right in self.rights,
            can_check=eservice is not None and eservice.check_right in self.rights,
            is_exchange_officer=self.is_exchange_officer,
        )


@dataclass(frozen=True)
class RequestRow:
    id: int
    ref: str
    participant_id: str
    eservice: str
    eservice_name: str
    status: Status
    maker: str
    title: str
    fields: dict[str, Any]
    version: int
    created_at: datetime
    updated_at: datetime
    status_changed_at: datetime
    reached_exchange: bool

    def summary(self) -> RequestSummary:
        return RequestSummary(
            ref=self.ref,
            eservice=self.eservice,
            eservice_name=self.eservice_name,
            participant_id=self.participant_id,
            status=self.status,
            maker=self.maker,
            updated_at=self.updated_at,
            title=self.title,
        )


def _row(row: sqlite3.Row) -> RequestRow:
    return RequestRow(
        id=int(row["id"]),
        ref=row["ref"],
        participant_id=row["participant_id"],
        eservice=row["eservice"],
        eservice_name=row["eservice_name"],
        status=Status(row["status"]),
        maker=row["maker"],
        title=row["title"],
        fields=json.loads(row["fields"]),
        version=int(row["version"]),
        created_at=from_micros(row["created_at"]),
        updated_at=from_micros(row["updated_at"]),
        status_changed_at=from_micros(row["status_changed_at"]),
        reached_exchange=bool(row["reached_exchange"]),
    )


def ref_number(ref: str) -> int | None:
    """The id behind a reference as a user may type it (case, blanks); None if not one."""
    try:
        return parse_ref(normalise_ref(ref))
    except ValueError:
        return None


def get_request_by_id(conn: sqlite3.Connection, request_id: int) -> RequestRow | None:
    """The request (kept until the store changes, memo.py: opening one is read a lot;
    inside a transaction, as every change reads it, it is always read afresh)."""
    return remembered(conn, ("request", request_id), lambda: _read_request(conn, request_id))


def _read_request(conn: sqlite3.Connection, request_id: int) -> RequestRow | None:
    row = conn.execute(
        f"SELECT {REQUEST_COLUMNS} FROM requests WHERE id = ?", (request_id,)
    ).fetchone()
    return None if row is None else _row(row)


def get_request_row(conn: sqlite3.Connection, ref: str) -> RequestRow | None:
    """The request with this reference, whoever may read it (callers check that)."""
    number = ref_number(ref)
    return None if number is None else get_request_by_id(conn, number)


def get_visible_request(conn: sqlite3.Connection, viewer: Viewer, ref: str) -> RequestRow:
    """The request if `viewer` may read it; 404 `not_found` alike for unknown and hidden."""
    row = get_request_row(conn, ref)
    if row is None or not viewer.may_read(row):
        shown = normalise_ref(ref)[:20] or ref[:20]
        raise RequestNotFound(shown)
    return row


def scope_no(conn: sqlite3.Connection, participant_id: str) -> int:
    """The membership's small number (assigned on its first request)."""
    row = conn.execute(
        "SELECT scope_no FROM request_scopes WHERE participant_id = ?", (participant_id,)
    ).fetchone()
    if row is not None:
        return int(row[0])
    number = int(
        conn.execute("SELECT coalesce(max(scope_no), 0) + 1 FROM request_scopes").fetchone()[0]
    )
    if number > MAX_SCOPE_NO:
        raise RuntimeError(f"The store holds at most {MAX_SCOPE_NO} memberships' requests.")
    conn.execute(
        "INSERT INTO request_scopes (participant_id, scope_no) VALUES (?, ?)",
        (participant_id, number),
    )
    return number


def next_change_time(conn: sqlite3.Connection, scope: int, now: datetime) -> int:
    """`now` in microseconds, or just after the membership's latest change if not later."""
    low = scope * SCOPE_SPAN
    latest = conn.execute(
        "SELECT max(search_key) FROM requests WHERE search_key BETWEEN ? AND ?",
        (low, low + SCOPE_SPAN - 1),
    ).fetchone()[0]
    moment = to_micros(now)
    if latest is not None and latest - low >= moment:
        return int(latest - low) + 1
    return moment


def create_request(
    conn: sqlite3.Connection,
    *,
    participant_id: str,
    eservice: EService,
    maker: str,
    fields: Mapping[str, object],
    title: str,
    now: datetime,
) -> RequestRow:
    """A new Draft with its `save` audit entry (inside the caller's transaction)."""
    scope = scope_no(conn, participant_id)
    moment = next_change_time(conn, scope, now)
    cursor = conn.execute(
        "INSERT INTO requests (participant_id, scope_no, eservice, eservice_name, status, maker,"
        " title, fields, version, created_at, updated_at, status_changed_at)"
        " VALUES (?, ?, ?, ?, 'draft', ?, ?, ?, 1, ?, ?, ?)",
        (
            participant_id,
            scope,
            eservice.code,
            eservice.name,
            maker,
            title,
            json.dumps(fields, separators=(",", ":"), ensure_ascii=False, default=str),
            moment,
            moment,
            moment,
        ),
    )
    request_id = int(cursor.lastrowid or 0)
    add_search_terms(conn, (title, eservice.name, maker))
    append_audit(
        conn,
        request_id,
        at=from_micros(moment),
        user_id=maker,
        role="maker",
        action=Action.SAVE,
        from_status=None,
        to_status=Status.DRAFT,
        participant_id=participant_id,
        changes=field_changes(eservice, {}, fields),
    )
    row = get_request_by_id(conn, request_id)
    assert row is not None
    return row


def update_request(
    conn: sqlite3.Connection,
    row: RequestRow,
    expected_version: int,
    now: datetime,
    *,
    status: Status | None = None,
    fields: Mapping[str, object] | None = None,
    title: str | None = None,
) -> RequestRow:
    """Change a request if it is still at `expected_version`; 409 `version_conflict` if not.

    Moves `updated_at` (and `status_changed_at` when the status changes) and bumps the
    version. Runs in the caller's transaction; the caller writes the audit entry.
    """
    scope = scope_no(conn, row.participant_id)
    moment = next_change_time(conn, scope, now)
    new_status = status or row.status
    changed = conn.execute(
        "UPDATE requests SET status = ?, fields = coalesce(?, fields), title = coalesce(?, title),"
        " version = version + 1, updated_at = ?,"
        " status_changed_at = CASE WHEN status = ? THEN status_changed_at ELSE ? END,"
        " reached_exchange = CASE WHEN ? = 'with_exchange' THEN 1 ELSE reached_exchange END"
        " WHERE id = ? AND version = ?",
        (
            new_status.value,
            None
            if fields is None
            else json.dumps(fields, separators=(",", ":"), ensure_ascii=False, default=str),
            title,
            moment,
            new_status.value,
            moment,
            new_status.value,
            row.id,
            expected_version,
        ),
    ).rowcount
    if changed != 1:
        raise VersionConflict(row.ref)
    if title is not None:
        add_search_terms(conn, (title,))
    updated = get_request_by_id(conn, row.id)
    assert updated is not None
    return updated


def append_audit(
    conn: sqlite3.Connection,
    request_id: int,
    *,
    at: datetime,
    user_id: str,
    role: str,
    action: Action,
    from_status: Status | None,
    to_status: Status | None,
    comment: str | None = None,
    participant_id: str | None = None,
    changes: Sequence[FieldChange] = (),
    file: str | None = None,
) -> int:
    """One audit entry, sealed into the request's hash chain (`audit_chain`); returns its
    id. Call it in the transaction of the change (which also orders the chain)."""
    values = (
        request_id,
        to_micros(at),
        user_id,
        role,
        action.value,
        None if from_status is None else from_status.value,
        None if to_status is None else to_status.value,
        comment,
        participant_id,
        _changes_json(changes),
        file,
    )
    if comment and action not in (Action.UPLOAD, Action.DELETE_ATTACHMENT):
        # Its words for prefix searches: the comment is searched with the title
        # (migration 0014 keeps it on the request row for the FTS index).
        add_search_terms(conn, (comment,))
    prev = audit_chain.last_hash(conn, request_id)
    cursor = conn.execute(
        "INSERT INTO request_audit (request_id, at, user_id, role, action, from_status,"
        " to_status, comment, participant_id, changes, file, hash, prev_hash)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (*values, audit_chain.seal(prev, values), prev),
    )
    return int(cursor.lastrowid or 0)


def _changes_json(changes: Sequence[FieldChange]) -> str | None:
    if not changes:
        return None
    return json.dumps(
        [change.model_dump(mode="json") for change in changes],
        separators=(",", ":"),
        ensure_ascii=False,
        default=str,
    )


def field_changes(
    eservice: EService, before: Mapping[str, object], after: Mapping[str, object]
) -> list[FieldChange]:
    """The form's fields whose stored value differs between `before` and `after`, in the
    form's order (an empty value and a missing one are the same)."""
    changes: list[FieldChange] = []
    for form_field in eservice.fields:
        old, new = before.get(form_field.name), after.get(form_field.name)
        if _empty(old) and _empty(new):
            continue
        if old != new:
            changes.append(
                FieldChange(
                    field=form_field.name,
                    before=None if _empty(old) else old,
                    after=None if _empty(new) else new,
                )
            )
    return changes


def _empty(value: object) -> bool:
    return value is None or value == "" or value == []


def append_maker_entry(
    conn: sqlite3.Connection,
    row: RequestRow,
    action: Action,
    *,
    at: datetime,
    user_id: str,
    acting_participant_id: str | None,
    comment: str | None = None,
    changes: Sequence[FieldChange] = (),
    file: str | None = None,
) -> int:
    """An audit entry by the maker that leaves the status as it is (a save with the
    fields it changed, an upload or a deletion with its file), for the membership the
    maker acted for; returns its id."""
    return append_audit(
        conn,
        row.id,
        at=at,
        user_id=user_id,
        role=Actor.MAKER.value,
        action=action,
        from_status=row.status,
        to_status=row.status,
        comment=comment,
        participant_id=acting_participant_id or row.participant_id,
        changes=changes,
        file=file,
    )


def change_status(
    conn: sqlite3.Connection,
    row: RequestRow,
    *,
    expected_version: int,
    action: Action,
    role: str,
    user_id: str,
    to_status: Status,
    now: datetime,
    comment: str | None = None,
    acting_participant_id: str | None = None,
) -> RequestRow:
    """Move a request to `to_status` and audit it: the store half of an action.

    The caller authorises first (`cc_tui.domain.workflow.authorise`), runs this inside
    `Database.transaction()`, then calls `notifications.record_task_notices` in the same
    transaction, and mails/announces after the commit.
    """
    updated = update_request(conn, row, expected_version, now, status=to_status)
    append_audit(
        conn,
        row.id,
        at=updated.updated_at,
        user_id=user_id,
        role=role,
        action=action,
        from_status=row.status,
        to_status=to_status,
        comment=comment,
        participant_id=acting_participant_id or row.participant_id,
    )
    return updated


def list_audit(conn: sqlite3.Connection, request_id: int) -> list[AuditEntry]:
    """The audit trail, oldest first (kept until the store changes, memo.py)."""
    return list(remembered(conn, ("audit", request_id), lambda: _read_audit(conn, request_id)))


def _read_audit(conn: sqlite3.Connection, request_id: int) -> tuple[AuditEntry, ...]:
    return tuple(
        AuditEntry(
            at=from_micros(r["at"]),
            user_id=r["user_id"],
            role=r["role"],
            action=Action(r["action"]),
            from_status=None if r["from_status"] is None else Status(r["from_status"]),
            to_status=None if r["to_status"] is None else Status(r["to_status"]),
            comment=r["comment"],
            participant_id=r["participant_id"],
            changes=_read_changes(r["changes"]),
            file=r["file"],
            hash=r["hash"],
            prev_hash=r["prev_hash"],
        )
        for r in conn.execute(
            "SELECT at, user_id, role, action, from_status, to_status, comment, participant_id,"
            " changes, file, hash, prev_hash FROM request_audit WHERE request_id = ? ORDER BY id",
            (request_id,),
        )
    )


def _read_changes(text: str | None) -> list[FieldChange]:
    """The stored changes; a row altered into something unreadable reads as none (the
    hash chain reports the alteration)."""
    if not text:
        return []
    try:
        return [FieldChange.model_validate(item) for item in json.loads(text)]
    except (ValueError, TypeError):
        return []


def list_attachments(conn: sqlite3.Connection, request_id: int) -> list[Attachment]:
    """A request's attachments (kept until the store changes, memo.py)."""
    return list(
        remembered(conn, ("attachments", request_id), lambda: _read_attachments(conn, request_id))
    )


def _read_attachments(conn: sqlite3.Connection, request_id: int) -> tuple[Attachment, ...]:
    return tuple(
        Attachment(
            id=r["id"],
            name=r["name"],
            size=int(r["size"]),
            sha256=r["sha256"],
            content_type=r["content_type"],
            uploaded_at=from_micros(r["uploaded_at"]),
            uploaded_by=r["uploaded_by"],
        )
        for r in conn.execute(
            "SELECT id, name, size, sha256, content_type, uploaded_at, uploaded_by"
            " FROM attachments WHERE request_id = ? ORDER BY uploaded_at, name",
            (request_id,),
        )
    )


def _not_now(allowed: Sequence[Action], closed: Closure | None) -> list[UnavailableAction]:
    """`allowed` as actions the portal takes only later, when it is `closed` now."""
    if closed is None:
        return []
    return [
        UnavailableAction(
            action=action, code=closed.code, detail=closed.message, available_from=closed.until
        )
        for action in allowed
    ]


_NOBODY = "\0"  # a maker no user ID can be (user IDs are e-mail addresses)


@lru_cache(maxsize=4096)
def _allowed(party: Party, made_it: bool, status: Status) -> tuple[Action, ...]:
    """`allowed_actions` of a request `party` made (or not): all the workflow asks of
    the maker is whether it is the party (kept: a pure function of few values)."""
    return tuple(allowed_actions(party, party.user_id if made_it else _NOBODY, status))


def unavailable_now(
    listed: Sequence[tuple[str, str, str]], viewer: Viewer, hours: ServiceHours
) -> dict[int, list[UnavailableAction]]:
    """The `unavailable_actions` of listed requests, given as (eService, maker, status),
    by their position; only those that have some (the dashboard marks those rows; bulk
    approval leaves them out). The rule is `request_model`'s."""
    maintenance = hours.maintenance()
    closures: dict[str, Closure | None] = {}
    # A page's rows share a few (eService, status, whether the reader made it: all the
    # workflow asks of the maker): each is worked out once (on a closed day every row
    # has to be, and the workflow's checks were half a page's time).
    verdicts: dict[tuple[str, bool, str], list[UnavailableAction]] = {}
    waiting: dict[int, list[UnavailableAction]] = {}
    for position, (code, maker, status) in enumerate(listed):
        if code not in closures:
            eservice = CATALOGUE.get(code)
            closures[code] = maintenance or (
                None if eservice is None else hours.business_day(eservice)
            )
        closed = closures[code]
        if closed is not None:
            key = (code, maker == viewer.user_id, status)
            unavailable = verdicts.get(key)
            if unavailable is None:
                allowed = _allowed(viewer.party(code), key[1], Status(status))
                unavailable = verdicts[key] = _not_now(allowed, closed)
            if unavailable:
                waiting[position] = list(unavailable)
    return waiting


def request_model(
    conn: sqlite3.Connection, row: RequestRow, viewer: Viewer, hours: ServiceHours | None = None
) -> Request:
    """The wire `Request`: fields, attachments, comments, audit and what `viewer` may do
    now (`allowed_actions`), or could do but not at this moment (`unavailable_actions`:
    the portal is closed for maintenance, or a business-day-only eService on another
    day; `hours` is the server's clock, None where the caller answers a change that has
    just been let through)."""
    audit = list_audit(conn, row.id)
    comments = [
        Comment(at=e.at, user_id=e.user_id, role=e.role, action=e.action, text=e.comment)
        for e in audit
        # Upload and delete entries carry the file's name, which is no one's comment.
        if e.comment and e.action not in (Action.UPLOAD, Action.DELETE_ATTACHMENT)
    ]
    allowed = allowed_actions(viewer.party(row.eservice), row.maker, row.status)
    closed = None if hours is None or not allowed else hours.closure(CATALOGUE.get(row.eservice))
    unavailable = _not_now(allowed, closed)
    if unavailable:
        allowed = []
    return Request(
        **row.summary().model_dump(exclude={"unavailable_actions"}),
        version=row.version,
        fields=row.fields,
        attachments=list_attachments(conn, row.id),
        comments=comments,
        allowed_actions=allowed,
        unavailable_actions=unavailable,
        audit=audit,
        created_at=row.created_at,
    )
