"""A request's supporting documents as a table: name, size, type, SHA-256 prefix.

The request screen mounts it and calls `show(request, editable=...)` whenever it has the
request; the keys work on the highlighted row:
- `o` saves the file in the downloads folder (`config.downloads_dir()`, never replacing
  a file there), or sends it to the browser under `cc-tui web` (tui/downloads.py), and
  says where;
- Delete removes it from the request after `y/N` naming the file and the request
  (only when `editable`: its maker, Draft or Returned; the portal enforces the same).
After a delete it posts `AttachmentList.Changed`, so that the screen reloads the request.
Network calls run in workers; their failures are shown as notifications, since a table
has no room for a sentence.
"""

from __future__ import annotations

from pathlib import Path, PurePath
from typing import TYPE_CHECKING, Any, ClassVar, cast

from textual import work
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.message import Message
from textual.widgets import DataTable

from cc_tui.client.errors import PortalError, PortalUnreachable
from cc_tui.domain.files import size_in_words
from cc_tui.domain.i18n import N_, _
from cc_tui.tui.safe_text import cut_content, flatten, safe_content
from cc_tui.tui.screens.base import FAILED
from cc_tui.tui.screens.confirm import ConfirmScreen
from cc_tui.tui.widgets.list_keys import ListTable, list_bindings

if TYPE_CHECKING:
    from cc_tui.api.requests import Attachment, Request
    from cc_tui.tui.screens.base import PortalCalls

# At 80 columns the name column holds a standard name with its number
# ("Supporting Document_ECS00000001_B01234_01.pdf", 45 cells) whole; a type is at most
# four letters (PDF, XLSX, DOCX, JPEG).
COLUMNS: tuple[tuple[str, int], ...] = (
    (N_("Name"), 45),
    (N_("Size"), 9),
    (N_("Type"), 4),
    ("SHA-256", 12),
)
EMPTY_ROW = "no-attachments"


def kind_of(attachment: Attachment) -> str:
    """The type in one word, from the name's extension (the portal has checked it agrees
    with the content)."""
    return flatten(PurePath(attachment.name).suffix.lstrip(".").upper()) or "?"


class AttachmentList(ListTable):
    """The supporting documents of one request, with `o` to save and Delete to remove."""

    BINDINGS: ClassVar[list[BindingType]] = [
        *list_bindings(show_find=False),
        Binding(
            "o",
            "download",
            "Save file",
            id="attachments.download",
            tooltip=N_("Save the highlighted document in your downloads folder."),
        ),
        Binding(
            "delete",
            "delete",
            "Delete file",
            id="attachments.delete",
            tooltip=N_("Remove the highlighted document from the request (you confirm with y)."),
        ),
    ]

    class Changed(Message):
        """An attachment was removed: the request should be read again."""

        def __init__(self, ref: str) -> None:
            super().__init__()
            self.ref = ref

    class Saved(Message):
        """An attachment was saved at `path` (in a browser: fetched there on its way to the
        browser, and gone once handed over)."""

        def __init__(self, path: Path) -> None:
            super().__init__()
            self.path = path

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.request: Request | None = None
        self.editable = False
        self._by_key: dict[str, Attachment] = {}
        self.name_width = COLUMNS[0][1]
        self._add_columns()

    def _add_columns(self) -> None:
        self.clear(columns=True)
        for number, (label, width) in enumerate(COLUMNS):
            self.add_column(
                _(label), width=self.name_width if number == 0 else width, key=label.lower()
            )

    def on_resize(self) -> None:
        # Narrower than 80 columns the name gives way (its end becomes "…"), so the
        # size, type and digest stay in view.
        others = sum(width + 2 for _, width in COLUMNS[1:]) + 2  # and the name's padding
        width = max(12, min(COLUMNS[0][1], self.scrollable_content_region.width - others))
        if width != self.name_width:
            self.name_width = width
            self._add_columns()
            if self.request is not None:
                self.show(self.request, editable=self.editable)

    def show(self, request: Request, *, editable: bool) -> None:
        """Show `request`'s attachments; `editable`: whether Delete is offered."""
        self.request = request
        self.editable = editable
        self._by_key = {attachment.id: attachment for attachment in request.attachments}
        self.clear()
        if not request.attachments:
            self.add_row(Content(_("No supporting documents.")), "", "", "", key=EMPTY_ROW)
        for attachment in request.attachments:
            self.add_row(
                cut_content(attachment.name, self.name_width),
                size_in_words(attachment.size),
                safe_content(kind_of(attachment)),
                safe_content(attachment.sha256[:12]),
                key=attachment.id,
            )
        self.refresh_bindings()

    @property
    def highlighted(self) -> Attachment | None:
        """The attachment under the cursor, if any."""
        if not self._by_key or self.row_count == 0:
            return None
        try:
            key = self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value
        except Exception:  # no row under the cursor
            return None
        return self._by_key.get(key or "")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "download":
            return self.highlighted is not None
        if action == "delete":
            return self.editable and self.highlighted is not None
        return super().check_action(action, parameters)

    def on_data_table_row_highlighted(self, _: DataTable.RowHighlighted) -> None:
        self.refresh_bindings()

    def _screen_calls(self) -> PortalCalls[Any]:
        """The screen's portal-call helper (an ended session is its business)."""
        return cast("PortalCalls[Any]", self.screen)

    def _say_not_done(self, title: str, error: PortalError | PortalUnreachable) -> None:
        self.notify(error.message, title=title, severity="error", timeout=10)

    # Saving

    def action_download(self) -> None:
        attachment, request = self.highlighted, self.request
        if attachment is not None and request is not None:
            self.save_attachment(request.ref, attachment)

    @work(group="attachment-download", exit_on_error=False)
    async def save_attachment(self, ref: str, attachment: Attachment) -> None:
        from cc_tui.tui.downloads import Destination

        destination = Destination(self.app)
        try:
            path = await self._screen_calls().call_portal(
                lambda portal: portal.download_attachment(ref, attachment.id, destination.folder),
                unreachable=lambda error: self._say_not_done(_("Not saved"), error),
                refused=lambda error: self._say_not_done(_("Not saved"), error),
            )
        except OSError as error:
            self.notify(
                destination.cannot_save(attachment.name, error),
                title=_("Not saved"),
                severity="error",
                timeout=10,
            )
            return
        if path is FAILED:
            return
        self.post_message(self.Saved(path))
        where = destination.hand_over(path)
        self.notify(
            _("Saved {name} to {where}").format(name=attachment.name, where=where),
            title=_("Saved"),
            timeout=10,
        )

    # Deleting

    def action_delete(self) -> None:
        attachment, request = self.highlighted, self.request
        if attachment is None or request is None or not self.editable:
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self.delete_attachment(request.ref, attachment)

        self.app.push_screen(
            ConfirmScreen(
                _("Delete {name} from {ref}?").format(name=attachment.name, ref=request.ref),
                _("The file is removed from the request; the audit trail records it."),
            ),
            answered,
        )

    @work(group="attachment-delete", exit_on_error=False)
    async def delete_attachment(self, ref: str, attachment: Attachment) -> None:
        deleted = await self._screen_calls().call_portal(
            lambda portal: portal.delete_attachment(ref, attachment.id),
            unreachable=lambda error: self._say_not_done(_("Not deleted"), error),
            refused=lambda error: self._say_not_done(_("Not deleted"), error),
        )
        if deleted is FAILED:
            return
        self.notify(
            _("Deleted {name} from {ref}.").format(name=attachment.name, ref=ref),
            title=_("Deleted"),
        )
        self.post_message(self.Changed(ref))
