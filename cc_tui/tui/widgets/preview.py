"""The preview pane beside the task table (terminals of 120 columns and more).

It shows the highlighted request as the portal returns it (`GET /requests/{ref}`): the
summary, the fields (labels and formatted values, as the request screen shows them:
`review.field_views`), supporting documents, the last comment and what you may do now
(and what not now, with its day). The dashboard fetches it debounced, so holding `j`
does not send a request per row. Text goes through the sanitizer (tui/safe_text.py):
never read as markup, control characters shown as marks; a one-line value (title, name,
file name) stays on its line (`flatten`).
"""

from __future__ import annotations

from typing import Any

from rich.cells import cell_len
from textual.containers import VerticalScroll
from textual.widgets import Static

from cc_tui.api.requests import Request, RequestSummary
from cc_tui.domain.calendar import to_hkt
from cc_tui.domain.files import size_in_words
from cc_tui.domain.forms.words import eservice_name
from cc_tui.domain.i18n import N_, _
from cc_tui.tui.review import EMPTY, field_views, reason_words
from cc_tui.tui.safe_text import flatten, safe_content

MAX_FIELDS = 12
MAX_VALUE = 60
LABEL_CELLS = 10  # the labels' column, in terminal cells (a Chinese character takes two)


def _row(label: str, value: str) -> str:
    """`Status    ✎ Draft`: the label (translated) padded to its column."""
    word = _(label)
    return word + " " * max(1, LABEL_CELLS - cell_len(word)) + value


def _value(text: str) -> str:
    """A value on one line of the preview; a longer one says where to read it whole."""
    flat = " ".join(flatten(text).split())
    if len(flat) <= MAX_VALUE:
        return flat
    return flat[: MAX_VALUE - 1] + _("… (enter reads it all)")


def summary_lines(summary: RequestSummary) -> list[str]:
    updated = to_hkt(summary.updated_at)
    return [
        _row(N_("Status"), f"{summary.status.symbol} {_(summary.status.label)}"),
        _row(
            N_("eService"),
            f"{flatten(summary.eservice)} "
            + flatten(eservice_name(summary.eservice, summary.eservice_name)),
        ),
        _row(N_("Maker"), flatten(summary.maker)),
        _row(N_("Firm"), flatten(summary.participant_id)),
        _row(N_("Updated"), _("{time} HKT").format(time=f"{updated:%Y-%m-%d %H:%M}")),
    ]


def request_lines(request: Request) -> list[str]:
    """The preview of a request, line by line."""
    lines = summary_lines(request)
    lines.append(_row(N_("Version"), str(request.version)))
    views = [view for view in field_views(request) if view.text != EMPTY]
    if views:
        lines += ["", _("Fields")]
        lines += [f"  {flatten(v.label)}: {_value(v.text)}" for v in views[:MAX_FIELDS]]
        if len(views) > MAX_FIELDS:
            lines.append(
                "  "
                + _("… and {count} more (enter opens the request)").format(
                    count=len(views) - MAX_FIELDS
                )
            )
    if request.attachments:
        lines += ["", _("Supporting documents ({count})").format(count=len(request.attachments))]
        lines += [f"  {flatten(a.name)} ({size_in_words(a.size)})" for a in request.attachments]
    if request.comments:
        last = request.comments[-1]
        lines += [
            "",
            _("Last comment ({action}, {user_id})").format(
                action=_(last.action.label).lower(), user_id=flatten(last.user_id)
            ),
        ]
        lines += [f"  {line}" for line in last.text.split("\n")]
    actions = _(", ").join(_(action.label) for action in request.allowed_actions)
    lines += [
        "",
        _("You may: {actions}.").format(actions=actions)
        if actions
        else _("Nothing for you to do on it now."),
    ]
    for item in request.unavailable_actions:
        lines.append(
            _("Not now: {action}: {reason}").format(
                action=_(item.action.label), reason=reason_words(item)
            )
        )
    return lines


class RequestPreview(VerticalScroll):
    """The highlighted request in full; hidden on narrow terminals."""

    can_focus = False

    def compose(self) -> Any:
        yield Static(id="preview-title")
        yield Static(id="preview-body")

    @property
    def text(self) -> str:
        title = str(self.query_one("#preview-title", Static).content)
        body = str(self.query_one("#preview-body", Static).content)
        return f"{title}\n{body}"

    def _show(self, title: str, lines: list[str]) -> None:
        self.query_one("#preview-title", Static).update(safe_content(flatten(title)))
        self.query_one("#preview-body", Static).update(
            safe_content("\n".join(lines), multiline=True)
        )

    def show_empty(self, message: str = "") -> None:
        self._show("", [message or _("No request highlighted.")])

    def show_summary(self, summary: RequestSummary) -> None:
        """What the list already knows, while the rest is on its way."""
        self._show(f"{summary.ref}  {summary.title}", [*summary_lines(summary), "", _("Loading…")])

    def show_request(self, request: Request) -> None:
        self._show(f"{request.ref}  {request.title}", request_lines(request))

    def show_problem(self, summary: RequestSummary, message: str) -> None:
        self._show(f"{summary.ref}  {summary.title}", [*summary_lines(summary), "", f"✗ {message}"])
