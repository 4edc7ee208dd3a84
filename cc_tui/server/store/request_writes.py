"""The write side of requests: create, save, actions, the abort job.

Built on `store.requests` (rows, the version-checked `update_request`, `change_status`,
`append_maker_entry`) and `store.notifications` (task notices). Every function here runs
inside the caller's transaction (`Database.transaction()`, BEGIN IMMEDIATE), so a change,
its audit entry, its notices and its idempotency key (`store.idempotency`) commit
together or not at all.

Design decisions:
- The server is the authority: every rule the TUI checks is checked again here, with the
  domain's own functions (`workflow.authorise`, `forms.validate_form`), so the two can
  never disagree.
- Drafts may be incomplete. Saving refuses only what could not sensibly be stored: a
  field the form does not have, a value of the wrong shape (an object where text goes,
  a table that is not a list of rows), or a value far beyond any limit. Everything else
  is kept as typed, and the full check runs at submit (422 `validation_failed`, every
  issue at once; the stored values stay as they are).
- `fields` in a save replace those fields and keep the rest (a JSON null clears one):
  a client may send the whole form or only what changed.
- The version the caller saw is compared first, before the status and the actor: a
  stale view gets 409 `version_conflict` ("reload"), whatever else has happened since.
  The UPDATE itself is conditional on the version too, so of two concurrent approvals
  exactly one changes the row and the other gets the same 409.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from cc_tui.api.problem import FieldError, ProblemCode
from cc_tui.domain.forms import (
    EService,
    FieldIssue,
    FieldType,
    FormField,
    MembershipProfile,
    ProfileKey,
    autofill,
    normalise_values,
    request_title,
    unencodable_issues,
    unsafe_issue,
    validate_form,
)
from cc_tui.domain.i18n import _, ngettext
from cc_tui.domain.workflow import (
    ABORT_AFTER_DAYS,
    EDITABLE_STATUSES,
    Action,
    Actor,
    Party,
    Status,
    WorkflowError,
    authorise,
    next_status,
)
from cc_tui.server.errors import ApiError, from_workflow
from cc_tui.server.store.notifications import TaskNotice, record_task_notices
from cc_tui.server.store.requests import (
    RequestRow,
    VersionConflict,
    append_maker_entry,
    change_status,
    create_request,
    field_changes,
    get_request_by_id,
    update_request,
)
from cc_tui.server.store.times import to_micros

SYSTEM_USER = "system"

# What a draft may hold at most: generous beyond every form's own limits (those are
# checked at submit), small enough that no client can fill the store by accident.
MAX_STORED_TEXT = 5_000
MAX_STORED_ROWS = 500
MAX_STORED_BYTES = 256 * 1024


# Saving -------------------------------------------------------------------------------


def _scalar_issue(field: FormField, value: object, where: str, label: str) -> FieldIssue | None:
    unsafe = unsafe_issue(field, value, where, label)
    if unsafe is not None:
        return unsafe
    if value is None or isinstance(value, bool | int | float):
        return None
    if isinstance(value, str):
        if len(value) > MAX_STORED_TEXT:
            return FieldIssue(
                where,
                _("{label} is {length:,} characters long, far beyond what the form takes.").format(
                    label=label, length=len(value)
                ),
                _("Shorten it to {limit} characters or fewer.").format(
                    limit=field.max_length or MAX_STORED_TEXT
                ),
            )
        return None
    return FieldIssue(
        where,
        _("{label} must be a single value, not {kind}.").format(
            label=label, kind=type(value).__name__
        ),
        field.input_hint,
    )


def storage_issues(eservice: EService, values: Mapping[str, object]) -> list[FieldIssue]:
    """What in `values` cannot be kept in a draft (unknown fields, wrong shapes, huge
    values); an empty list when the draft can be stored, however incomplete."""
    issues: list[FieldIssue] = []
    known = {field.name: field for field in eservice.fields}
    for name, value in values.items():
        field = known.get(name)
        if field is None:
            issues.append(
                FieldIssue(
                    str(name),
                    _("The form {code} has no field {name}.").format(
                        code=eservice.code, name=repr(str(name))
                    ),
                    _("Remove it; this form's fields are {names}.").format(
                        names=", ".join(eservice.field_names)
                    ),
                )
            )
            continue
        if field.type is not FieldType.TABLE:
            issue = _scalar_issue(field, value, name, field.shown_label)
            if issue is not None:
                issues.append(issue)
            continue
        if value is None:
            continue
        if not isinstance(value, list):
            issues.append(
                FieldIssue(
                    name,
                    _("{label} must be a list of rows, not {kind}.").format(
                        label=field.shown_label, kind=type(value).__name__
                    ),
                    field.input_hint,
                )
            )
            continue
        if len(value) > MAX_STORED_ROWS:
            issues.append(
                FieldIssue(
                    name,
                    _("{label} has {count:,} rows, far more than the form takes.").format(
                        label=field.shown_label, count=len(value)
                    ),
                    _("Keep {limit} rows or fewer.").format(
                        limit=field.max_rows or MAX_STORED_ROWS
                    ),
                )
            )
            continue
        columns = {column.name: column for column in field.columns or ()}
        for index, row in enumerate(value):
            where = f"{name}[{index}]"
            if not isinstance(row, Mapping):
                issues.append(
                    FieldIssue(
                        where,
                        _("Row {row} of {label} is not a row of cells.").format(
                            row=index + 1, label=field.shown_label
                        ),
                        _("Give each row as cells named {names}.").format(names=", ".join(columns)),
                    )
                )
                continue
            for key, cell in row.items():
                column = columns.get(key)
                if column is None:
                    issues.append(
                        FieldIssue(
                            f"{where}.{key}",
                            _("Row {row} of {label} has no column {column}.").format(
                                row=index + 1, label=field.shown_label, column=repr(str(key))
                            ),
                            _("Remove it; the columns are {names}.").format(
                                names=", ".join(columns)
                            ),
                        )
                    )
                    continue
                issue = _scalar_issue(
                    column,
                    cell,
                    f"{where}.{key}",
                    _("Row {row}: {message}").format(row=index + 1, message=column.shown_label),
                )
                if issue is not None:
                    issues.append(issue)
    if not issues:
        size = len(json.dumps(values, ensure_ascii=False, default=str).encode("utf-8"))
        if size > MAX_STORED_BYTES:
            issues.append(
                FieldIssue(
                    "fields",
                    _("The form's values come to {size:,} KiB, more than a request holds.").format(
                        size=size // 1024
                    ),
                    _("Shorten the longest texts or remove rows, then save again."),
                )
            )
    return issues


def field_errors(issues: Sequence[FieldIssue]) -> list[FieldError]:
    return [FieldError(field=i.field, message=i.message, fix=i.fix) for i in issues]


def refuse_unencodable(values: Mapping[str, object]) -> None:
    """422 for values no JSON in UTF-8 can carry (lone surrogates, NaN, Infinity): the
    first thing done with a body's form values, before even a retry key is made of them."""
    issues = unencodable_issues(values)
    if issues:
        raise ApiError(
            422,
            ProblemCode.VALIDATION_FAILED,
            _("Some of the form's values cannot be stored at all; nothing was saved."),
            _("Correct the fields listed and send again."),
            field_errors(issues),
        )


def _refuse_unstorable(eservice: EService, values: Mapping[str, object]) -> None:
    issues = storage_issues(eservice, values)
    if issues:
        raise ApiError(
            422,
            ProblemCode.VALIDATION_FAILED,
            _("Some of the form's values cannot be saved as they are; nothing was saved."),
            _("Correct the fields listed and save again."),
            field_errors(issues),
        )


def create_draft(
    conn: sqlite3.Connection,
    *,
    eservice: EService,
    participant_id: str,
    maker: str,
    values: Mapping[str, object],
    profile: MembershipProfile | None,
    now: datetime,
) -> RequestRow:
    """A new Draft: auto-fill first, the maker's values over it; its `save` audit entry.

    The caller has checked the make right; the reference is the new row's id.
    """
    _refuse_unstorable(eservice, values)
    filled: dict[str, object] = dict(autofill(eservice, profile)) if profile else {}
    filled.update(values)
    stored = normalise_values(eservice, filled)
    return create_request(
        conn,
        participant_id=participant_id,
        eservice=eservice,
        maker=maker,
        fields=stored,
        title=request_title(eservice, stored),
        now=now,
    )


def refuse_unless_maker(row: RequestRow, user_id: str) -> None:
    """Only its maker changes a request."""
    if row.maker != user_id:
        raise ApiError(
            403,
            ProblemCode.FORBIDDEN,
            _("Only the maker of {ref} ({maker}) can change it.").format(
                ref=row.ref, maker=row.maker
            ),
            _("Ask its maker to make the change, or return it with a comment."),
        )


def refuse_unless_editable(row: RequestRow) -> None:
    """Only Draft and Returned requests change."""
    if row.status not in EDITABLE_STATUSES:
        raise ApiError(
            409,
            ProblemCode.INVALID_TRANSITION,
            _("{ref} is {status}; only a draft or a returned request can be changed.").format(
                ref=row.ref, status=_(row.status.label).lower()
            ),
            _("Reload the request to see its current status and what you can do now."),
        )


def refuse_stale(row: RequestRow, expected_version: int) -> None:
    if row.version != expected_version:
        raise VersionConflict(row.ref)


def save_fields(
    conn: sqlite3.Connection,
    row: RequestRow,
    eservice: EService,
    *,
    user_id: str,
    acting_participant_id: str | None,
    expected_version: int,
    values: Mapping[str, object],
    now: datetime,
) -> RequestRow:
    """PATCH: replace the fields sent, keep the rest; bump the version; audit `save`."""
    refuse_unless_maker(row, user_id)
    refuse_stale(row, expected_version)
    refuse_unless_editable(row)
    _refuse_unstorable(eservice, values)
    merged: dict[str, object] = dict(row.fields)
    merged.update(values)
    stored = normalise_values(eservice, merged)
    updated = update_request(
        conn,
        row,
        expected_version,
        now,
        fields=stored,
        title=request_title(eservice, stored),
    )
    append_maker_entry(
        conn,
        row,
        Action.SAVE,
        at=updated.updated_at,
        user_id=user_id,
        acting_participant_id=acting_participant_id,
        changes=field_changes(eservice, row.fields, stored),
    )
    return updated


# Checking a whole form ----------------------------------------------------------------


def submission_issues(
    eservice: EService, values: Mapping[str, object], participant_id: str, today: date
) -> list[FieldIssue]:
    """Everything submit refuses: the form's own checks (with `today`, the Hong Kong date,
    for rules such as CT027's three working days), and the request's own membership in
    the fields auto-filled with it (a maker cannot file a request for another firm)."""
    issues = list(validate_form(eservice, values, today))
    flagged = {issue.field for issue in issues}
    for field in eservice.fields:
        if field.autofill is not ProfileKey.PARTICIPANT_ID or field.name in flagged:
            continue
        value = values.get(field.name)
        if isinstance(value, str) and value.strip().upper() != participant_id:
            issues.append(
                FieldIssue(
                    field.name,
                    _("{label} {value} is not the membership this request is for ({own}).").format(
                        label=field.shown_label, value=repr(value.strip()), own=participant_id
                    ),
                    _(
                        "Enter {own}; to file for another membership, switch to it and start a "
                        "new request."
                    ).format(own=participant_id),
                )
            )
    return issues


def refuse_invalid(issues: Sequence[FieldIssue], ref: str) -> None:
    if issues:
        count = len(issues)
        raise ApiError(
            422,
            ProblemCode.VALIDATION_FAILED,
            ngettext(
                "{ref} cannot be submitted: {count} field needs attention. Your values are kept "
                "as they are.",
                "{ref} cannot be submitted: {count} fields need attention. Your values are kept "
                "as they are.",
                count,
            ).format(ref=ref, count=count),
            _("Correct the fields listed, save, and submit again."),
            field_errors(issues),
        )


# Actions ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ActionOutcome:
    """What an action did: the request after it, and the notices to e-mail after commit."""

    row: RequestRow
    notices: list[TaskNotice]


def take_action(
    conn: sqlite3.Connection,
    row: RequestRow,
    eservice: EService,
    *,
    party: Party,
    action: Action,
    expected_version: int,
    comment: str | None,
    acting_participant_id: str | None,
    now: datetime,
    today: date,
    refuse_closed: Callable[[], None] | None = None,
) -> ActionOutcome:
    """One action of the workflow table, in the caller's transaction: the version check,
    `authorise`, then `refuse_closed` (the hour and day rules: a person needs "you made
    this request" before "try again Monday"), submit's validation, the conditional
    update, its audit entry (the role the actor played), and the task notices."""
    refuse_stale(row, expected_version)
    text = comment.strip() if comment and comment.strip() else None
    try:
        transition = authorise(party, row.maker, row.status, action, text)
    except WorkflowError as error:
        raise from_workflow(error) from None
    if refuse_closed is not None:
        refuse_closed()
    if action is Action.SUBMIT:
        refuse_invalid(submission_issues(eservice, row.fields, row.participant_id, today), row.ref)
    target = next_status(
        row.status,
        action,
        has_exchange_stage=eservice.has_exchange_stage,
        final_status=eservice.final_status,
    )
    updated = change_status(
        conn,
        row,
        expected_version=expected_version,
        action=action,
        role=transition.actor.value,
        user_id=party.user_id,
        to_status=target,
        now=now,
        comment=text,
        acting_participant_id=acting_participant_id,
    )
    notices = record_task_notices(conn, updated, target, updated.updated_at)
    return ActionOutcome(updated, notices)


# The abort job ------------------------------------------------------------------------

ABORT_COMMENT = (
    f"Aborted by the portal: untouched for {ABORT_AFTER_DAYS} days as a draft or returned request."
)


def abort_untouched(conn: sqlite3.Connection, now: datetime, limit: int = 200) -> list[RequestRow]:
    """Abort up to `limit` Drafts and Returned requests untouched for ABORT_AFTER_DAYS,
    oldest first, each with a `system` audit entry. Returns the aborted requests."""
    cutoff = to_micros(now - timedelta(days=ABORT_AFTER_DAYS))
    # One index range per (membership, status): never a scan of the whole table.
    candidates: list[tuple[int, int]] = []
    memberships = [r[0] for r in conn.execute("SELECT participant_id FROM request_scopes")]
    for participant_id in memberships:
        for status in EDITABLE_STATUSES:
            candidates.extend(
                (int(r[0]), int(r[1]))
                for r in conn.execute(
                    "SELECT updated_at, id FROM requests WHERE participant_id = ?"
                    " AND status = ? AND updated_at <= ? ORDER BY updated_at LIMIT ?",
                    (participant_id, status.value, cutoff, limit),
                )
            )
    candidates = sorted(candidates)[:limit]
    aborted: list[RequestRow] = []
    for _when, request_id in candidates:
        row = get_request_by_id(conn, request_id)
        if row is None or row.status not in EDITABLE_STATUSES:
            continue
        aborted.append(
            change_status(
                conn,
                row,
                expected_version=row.version,
                action=Action.ABORT,
                role=Actor.SYSTEM.value,
                user_id=SYSTEM_USER,
                to_status=Status.ABORTED,
                now=now,
                comment=ABORT_COMMENT,
                acting_participant_id=row.participant_id,
            )
        )
    return aborted
