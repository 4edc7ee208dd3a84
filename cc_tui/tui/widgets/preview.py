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

from textual.containers import VerticalScroll
from textual.widgets import Static

from cc_tui.api.requests import Request, RequestSummary
from cc_tui.domain.calendar import to_hkt
from cc_tui.domain.files import size_in_words
from cc_tui.tui.review import EMPTY, field_views, reason_words
from cc_tui.tui.safe_text import flatten, safe_content

MAX_FIELDS = 12
MAX_VALUE = 60


def _value(text: str) -> str:
    """A value on one line of the preview; a longer one says where to read it whole."""
    flat = " ".join(flatten(text).split())
    if len(flat) <= MAX_VALUE:
        return flat
    return flat[: MAX_VALUE - 1] + "… (enter reads it all)"


def summary_lines(summary: RequestSummary) -> list[str]:
    updated = to_hkt(summary.updated_at)
    return [
        f"Status    {summary.status.symbol} {summary.status.label}",
        f"eService  {flatten(summary.eservice)} {flatten(summary.eservice_name)}",
        f"Maker     {flatten(summary.maker)}",
        f"Firm      {flatten(summary.participant_id)}",
        f"Updated   {updated:%Y-%m-%d %H:%M} HKT",
    ]


def request_lines(request: Request) -> list[str]:
    """The preview of a request, line by line."""
    lines = summary_lines(request)
    lines.append(f"Version   {request.version}")
    views = [view for view in field_views(request) if view.text != EMPTY]
    if views:
        lines += ["", "Fields"]
        lines += [f"  {flatten(v.label)}: {_value(v.text)}" for v in views[:MAX_FIELDS]]
        if len(views) > MAX_FIELDS:
            lines.append(f"  … and {len(views) - MAX_FIELDS} more (enter opens the request)")
    if request.attachments:
        lines += ["", f"Supporting documents ({len(request.attachments)})"]
        lines += [f"  {flatten(a.name)} ({size_in_words(a.size)})" for a in request.attachments]
    if request.comments:
        last = request.comments[-1]
        lines += ["", f"Last comment ({last.action.label.lower()}, {flatten(last.user_id)})"]
        lines += [f"  {line}" for line in last.text.split("\n")]
    actions = ", ".join(action.label for action in request.allowed_actions)
    lines += ["", f"You may: {actions}." if actions else "Nothing for you to do on it now."]
    for item in request.unavailable_actions:
        lines.append(f"Not now: {item.action.label}: {reason_words(item)}")
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

    def show_empty(self, message: str = "No request highlighted.") -> None:
        self._show("", [message])

    def show_summary(self, summary: RequestSummary) -> None:
        """What the list already knows, while the rest is on its way."""
        self._show(f"{summary.ref}  {summary.title}", [*summary_lines(summary), "", "Loading…"])

    def show_request(self, request: Request) -> None:
        self._show(f"{request.ref}  {request.title}", request_lines(request))

    def show_problem(self, summary: RequestSummary, message: str) -> None:
        self._show(f"{summary.ref}  {summary.title}", [*summary_lines(summary), "", f"✗ {message}"])
