"""What a checker reads, as text: a request's fields with labels and formatted values,
what changed since it was returned, audit entries in words, and the actions the portal
would take later but not now.

Pure functions over the wire models, shared by the request screen and the dashboard's
preview, so both show a field the same way (its label, `5,000,000.00`, never the raw
`new_limit: 5000000.00`). They return the portal's text as it is (one-line values
flattened): the widgets draw it through the sanitizer (`tui/safe_text.py`), which shows
a control character as a visible mark, never a terminal command.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from cc_tui.api.requests import FieldChange
from cc_tui.domain.calendar import format_day, to_hkt
from cc_tui.domain.forms import FieldType, FormField, UnknownEService, format_value, get_eservice
from cc_tui.domain.i18n import N_, _, ngettext
from cc_tui.domain.text import flatten
from cc_tui.domain.workflow import Action, Status

if TYPE_CHECKING:
    from cc_tui.api.requests import AuditEntry, Request, UnavailableAction

EMPTY = "—"

# An action in words (the domain's label is its value; these are marked for translation).
ACTION_LABELS: dict[Action, str] = {
    Action.SAVE: N_("Save"),
    Action.SUBMIT: N_("Submit"),
    Action.APPROVE: N_("Approve"),
    Action.RETURN: N_("Return"),
    Action.REJECT: N_("Reject"),
    Action.WITHDRAW: N_("Withdraw"),
    Action.DISCARD: N_("Discard"),
    Action.COMPLETE: N_("Complete"),
    Action.ABORT: N_("Abort"),
    Action.UPLOAD: N_("Upload"),
    Action.DELETE_ATTACHMENT: N_("Delete attachment"),
}


def action_label(action: Action) -> str:
    """An action in the reader's language ("Approve", 審批)."""
    label = ACTION_LABELS.get(action)
    return _(label) if label is not None else action.label


def status_label(status: Status) -> str:
    """A status in the reader's language ("Pending checker", 待覆核)."""
    return _(status.label)


def copied_words(ref: str) -> str:
    """What `y` says (request screen, dashboard): the terminal was asked to copy; only
    it knows whether it did."""
    return _(
        "Sent {ref} to your terminal to copy (OSC 52). If pasting gives nothing, your "
        "terminal does not allow it: select the reference with the mouse instead."
    ).format(ref=ref)


def when(moment: datetime) -> str:
    """A moment as "Mon 23 Nov 10:05" (Hong Kong time)."""
    here = to_hkt(moment)
    return f"{format_day(here.date())} {here:%H:%M}"


@dataclass(frozen=True)
class TableView:
    """A table field: its column headings and every row's cells, formatted."""

    headings: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class FieldView:
    """One field as the checker reads it: label and whole formatted value."""

    name: str
    label: str
    text: str
    table: TableView | None = None


def _fields_of(eservice_code: str) -> dict[str, FormField]:
    try:
        return {f.name: f for f in get_eservice(eservice_code).fields}
    except UnknownEService:
        return {}


def _plain(value: Any) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, list):
        return ngettext("{count} row", "{count} rows", len(value)).format(count=len(value))
    if isinstance(value, dict):
        return ", ".join(f"{k}: {_plain(v)}" for k, v in value.items())
    return str(value)


def value_text(form_field: FormField | None, value: Any) -> str:
    """A stored value as a person reads it, whole and safe to draw ("—" when empty)."""
    text = format_value(form_field, value) if form_field is not None else _plain(value)
    return text if text else EMPTY


def _table(form_field: FormField, value: Any) -> TableView:
    columns = form_field.columns or ()
    rows = tuple(
        tuple(value_text(column, row.get(column.name)) for column in columns)
        for row in (value if isinstance(value, list) else [])
        if isinstance(row, dict)
    )
    return TableView(tuple(column.shown_label for column in columns), rows)


def field_views(request: Request) -> list[FieldView]:
    """Every field of the request, in the form's order (then any the form lacks)."""
    known = _fields_of(request.eservice)
    views: list[FieldView] = []
    for name, form_field in known.items():
        value = request.fields.get(name)
        table = _table(form_field, value) if form_field.type is FieldType.TABLE else None
        views.append(FieldView(name, form_field.shown_label, value_text(form_field, value), table))
    for name, value in request.fields.items():
        if name not in known:
            views.append(FieldView(name, flatten(name), value_text(None, value)))
    return views


def field_label(eservice_code: str, name: str) -> str:
    found = _fields_of(eservice_code).get(name)
    return found.shown_label if found is not None else flatten(name)


def change_text(eservice_code: str, change: FieldChange) -> str:
    """ "New limit: 5,000,000.00 → 6,000,000.00" (a table compares its rows)."""
    form_field = _fields_of(eservice_code).get(change.field)
    label = form_field.shown_label if form_field is not None else flatten(change.field)
    before, after = value_text(form_field, change.before), value_text(form_field, change.after)
    if form_field is not None and form_field.type is FieldType.TABLE:
        old, new = _table(form_field, change.before).rows, _table(form_field, change.after).rows
        gone = [r for r in old if r not in new]
        added = [r for r in new if r not in old]
        parts = [f"{before} → {after}"]
        parts += [f"  − {' · '.join(r)}" for r in gone]
        parts += [f"  + {' · '.join(r)}" for r in added]
        return f"{label}: " + "\n".join(parts)
    if change.before is None:
        return _("{label}: set to {after}").format(label=label, after=after)
    if change.after is None:
        return _("{label}: cleared (was {before})").format(label=label, before=before)
    return f"{label}: {before} → {after}"


@dataclass
class SinceReturn:
    """What the maker changed between the latest return and now."""

    returned: AuditEntry
    changes: list[FieldChange] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    reply: str | None = None


def changes_since_return(request: Request, audit: list[AuditEntry]) -> SinceReturn | None:
    """For a request back with its checker after a return: each field changed since the
    return (first value -> last), files added and removed, and the maker's reply (the
    comment of the submit that followed). None when it was never returned."""
    if request.status is not Status.PENDING_CHECKER:
        return None
    last = max(
        (i for i, e in enumerate(audit) if e.action is Action.RETURN),
        default=None,
    )
    if last is None:
        return None
    since = SinceReturn(audit[last])
    firsts: dict[str, Any] = {}
    lasts: dict[str, Any] = {}
    for entry in audit[last + 1 :]:
        for change in entry.changes:
            firsts.setdefault(change.field, change.before)
            lasts[change.field] = change.after
        if entry.action is Action.UPLOAD and entry.file:
            if entry.file in since.removed:
                since.removed.remove(entry.file)
            else:
                since.added.append(entry.file)
        elif entry.action is Action.DELETE_ATTACHMENT and entry.file:
            if entry.file in since.added:
                since.added.remove(entry.file)
            else:
                since.removed.append(entry.file)
        elif entry.action is Action.SUBMIT and entry.comment:
            since.reply = entry.comment
    order = list(_fields_of(request.eservice)) or list(firsts)
    for name in sorted(firsts, key=lambda n: order.index(n) if n in order else len(order)):
        if firsts[name] != lasts[name]:
            since.changes.append(FieldChange(field=name, before=firsts[name], after=lasts[name]))
    return since


def since_return_text(request: Request, since: SinceReturn) -> str:
    """The changes panel as lines of text."""
    returned = since.returned
    who, moment = flatten(returned.user_id), when(returned.at)
    lines = [
        _("Changed since {who} returned it on {moment} ({comment}):").format(
            who=who, moment=moment, comment=f'"{returned.comment}"'
        )
        if returned.comment
        else _("Changed since {who} returned it on {moment}:").format(who=who, moment=moment)
    ]
    lines += [f"• {change_text(request.eservice, c)}" for c in since.changes]
    lines += ["• " + _("File added: {name}").format(name=flatten(n)) for n in since.added]
    lines += ["• " + _("File removed: {name}").format(name=flatten(n)) for n in since.removed]
    if len(lines) == 1:
        lines.append("• " + _("No field or file changed."))
    lines.append(
        _("Maker's reply: {reply}").format(reply=since.reply)
        if since.reply
        else _("The maker wrote no reply.")
    )
    return "\n".join(lines)


def audit_entry_text(eservice_code: str, entry: AuditEntry, number: int) -> str:
    """One audit entry in words, wrapped by the screen: who did what, when, the status
    it moved, its comment or file, and every field it changed."""
    source = status_label(entry.from_status) if entry.from_status else _("new")
    target = status_label(entry.to_status) if entry.to_status else ""
    moved = source if source == target else f"{source} → {target}"
    lines = [
        f"{number}. {when(entry.at)} · {action_label(entry.action)} · {flatten(entry.user_id)} "
        f"({flatten(entry.role)}) · {moved}"
    ]
    if entry.file:
        words = (
            _("File removed: {name}")
            if entry.action is Action.DELETE_ATTACHMENT
            else _("File attached: {name}")
        )
        lines.append("   " + words.format(name=flatten(entry.file)))
    elif entry.comment:
        lines.append("   " + _("Comment: {comment}").format(comment=entry.comment))
    if entry.action is Action.SAVE and entry.from_status is None and entry.changes:
        count = len(entry.changes)
        lines.append(
            "   "
            + ngettext(
                "Made with {count} field filled in.", "Made with {count} fields filled in.", count
            ).format(count=count)
        )
    else:
        for change in entry.changes:
            text = change_text(eservice_code, change).replace("\n", "\n     ")
            lines.append(f"   • {text}")
    return "\n".join(lines)


def reason_words(item: UnavailableAction) -> str:
    """ "Mon 30 Nov" (or "Sun 00:00") and a short why, for a greyed action."""
    why = {
        "business_day_only": _("business days only"),
        "maintenance": _("weekly maintenance"),
    }.get(item.code, item.code.replace("_", " "))
    if item.available_from is None:
        return why
    moment = to_hkt(item.available_from)
    if item.code == "business_day_only":
        return f"{format_day(moment.date())} ({why})"
    return f"{format_day(moment.date())} {moment:%H:%M} ({why})"
