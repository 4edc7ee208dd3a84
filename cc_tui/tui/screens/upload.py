"""Attach a supporting document to a request: choose a file, see the name check, upload.

Opened with `u` from a request its maker may still change (`can_attach`). Dismisses
with the new `Attachment`, or None when nothing was attached.

Design decisions:
- Two ways to choose: a file browser (`DocumentTree`, Textual's DirectoryTree showing
  folders and PDF/XLS/XLSX files only; `a` shows every file, the others dimmed) and a
  path field that takes a typed or pasted path (`~`, quotes and `file://` URLs are
  understood; a relative path starts at the browser's folder; a folder opens in the
  browser).
- The check runs as the cursor moves over a file, before anything is sent: the name by
  the domain's own rule (`check_supporting_document_name`, the code the portal runs),
  every reason listed; the content locally by its first bytes (`tui.local_file`). Enter
  (or a typed path) makes the file the chosen one and moves to the offer.
- The offer is `y/N`, naming the name the file will have: its own when right, else the
  corrected name with the next free `_0n` suffix (`next_free_name`). When the bytes say
  PDF but the name says .xlsx, the offer takes the extension from the bytes, as the
  portal refuses a name that disagrees with its content. Only `y` uploads; `n`, Esc and
  Enter do not.
- The upload streams from disk with a progress bar. The portal checks again and has the
  last word: its refusal is shown with its detail and fix; a name someone took a moment
  ago reloads the request and offers the next free name. A dropped connection shows the
  banner; `r` retries under the same Idempotency-Key, so the portal keeps one copy.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from rich.style import Style
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.widgets import DirectoryTree, Footer, Input, ProgressBar, Static
from textual.widgets.directory_tree import DirEntry
from textual.widgets.tree import TreeNode

from cc_tui.api.requests import Attachment, Request
from cc_tui.client.errors import PortalError, PortalUnreachable
from cc_tui.domain.files import KIND_WORDS, is_document_name
from cc_tui.domain.i18n import _
from cc_tui.domain.naming import (
    MAX_SUFFIX,
    check_supporting_document_name,
    next_free_name,
)
from cc_tui.domain.workflow import may_modify
from cc_tui.tui.local_file import LocalFile, inspect_file, path_from_text, sha256_of
from cc_tui.tui.safe_text import flatten, safe_content
from cc_tui.tui.screens.base import FAILED, PortalCalls
from cc_tui.tui.state import last_upload_folder, remember_upload_folder
from cc_tui.tui.widgets.list_keys import ListTree
from cc_tui.tui.widgets.notice import Notice, ServerBanner

if TYPE_CHECKING:
    pass

MAX_FILES_PER_REQUEST = 20


def can_attach(request: Request, user_id: str | None) -> bool:
    """Whether `user_id` may attach files to `request` now: its maker, Draft or Returned
    (the portal enforces the same rule)."""
    return may_modify(user_id, request.maker, request.status)


@dataclass(frozen=True)
class UploadPlan:
    """What choosing a file leads to: every reason against it, and the name to send."""

    file: LocalFile
    name: str
    reasons: tuple[str, ...]
    corrected: str | None
    target: str | None

    @property
    def name_ok(self) -> bool:
        return not self.reasons


def plan_upload(file: LocalFile, ref: str, participant_id: str, taken: list[str]) -> UploadPlan:
    """The name check and the offer for `file` on the request `ref`.

    `reasons` are the naming rule's, plus a content/extension disagreement; `target` is
    the name to upload under (None when nothing can be offered).
    """
    name = file.path.name
    check = check_supporting_document_name(name, ref, participant_id, taken)
    reasons = list(check.reasons)
    corrected = check.corrected
    kind = file.kind
    if kind is not None:
        extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
        if extension != kind and extension in ("pdf", "xls", "xlsx"):
            reasons.append(
                _(
                    "This file is {kind_words}, so its name must end in .{kind}, not .{extension}."
                ).format(kind_words=KIND_WORDS[kind], kind=kind, extension=extension)
            )
        if reasons:
            corrected = next_free_name(ref, participant_id, kind, taken)
    target: str | None = None
    if file.uploadable and len(taken) < MAX_FILES_PER_REQUEST:
        target = name if not reasons else corrected
    return UploadPlan(file, name, tuple(reasons), corrected, target)


# -- the file browser -------------------------------------------------------------------


def folder_label(path: Path) -> str:
    """A folder as people write it: under the home folder as `~/...`."""
    try:
        inside = path.expanduser().relative_to(Path.home()).as_posix()
    except (ValueError, RuntimeError):
        return str(path)
    return "~" if inside == "." else f"~/{inside}"


def _is_dir(path: Path) -> bool:
    try:
        return path.is_dir()
    except OSError:
        return False


class DocumentTree(ListTree):
    """Folders and PDF/XLS/XLSX files (hidden files left out); `a` shows every file."""

    # Plain symbols rather than emoji, which terminals draw at differing widths.
    ICON_NODE = "▸ "
    ICON_NODE_EXPANDED = "▾ "
    ICON_FILE = "  "
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "a",
            "toggle_all",
            "All files",
            id="upload.all_files",
            tooltip="Show every file, or only folders and PDF, XLS and XLSX files.",
        ),
    ]

    def __init__(self, path: str | Path, *, id: str | None = None) -> None:
        super().__init__(path, id=id)
        self.show_all = False
        self.root.set_label(folder_label(Path(path)))

    async def watch_path(self) -> None:
        await super().watch_path()
        self.root.set_label(folder_label(Path(self.path)))

    def filter_paths(self, paths: Iterable[Path]) -> Iterable[Path]:
        # Runs in the tree's loader thread: plain reads only.
        return [
            path
            for path in paths
            if not path.name.startswith(".")
            and (self.show_all or is_document_name(path.name) or _is_dir(path))
        ]

    def render_label(self, node: TreeNode[DirEntry], base_style: Style, style: Style) -> Text:
        label = super().render_label(node, base_style, style)
        if not node.allow_expand and not is_document_name(str(node.label)):
            label.stylize("dim")
        return label

    def action_toggle_all(self) -> None:
        self.show_all = not self.show_all
        self.notify(
            _("Showing every file.")
            if self.show_all
            else _("Showing PDF, XLS and XLSX files only."),
            timeout=3,
        )
        self.reload()


# -- the offer --------------------------------------------------------------------------


class UploadOffer(Static, can_focus=True):
    """`Upload as <name>? y/N`: only `y` uploads."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "answer(True)", "Upload", id="upload.yes", tooltip="Upload it as named."),
        Binding(
            "n,escape,enter",
            "answer(False)",
            "Don't upload",
            id="upload.no",
            tooltip="Do not upload; choose another file (Enter alone never uploads).",
        ),
    ]

    def action_answer(self, yes: bool) -> None:
        screen = self.screen
        if isinstance(screen, UploadScreen):
            screen.answer_offer(yes)


# -- the screen -------------------------------------------------------------------------


class UploadScreen(PortalCalls[Attachment | None]):
    """Choose a file for `request`, check it, and upload it after `y`."""

    # Belongs to one membership's request: closed when the user switches (tui/membership.py).
    MEMBERSHIP_BOUND = True
    CSS_PATH = "upload.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "r",
            "retry",
            "Retry",
            id="screen.retry",
            tooltip="Try the last call to the portal again.",
        ),
        Binding("escape", "back", "Back", id="upload.back", tooltip="Back, attaching nothing."),
    ]

    def __init__(self, request: Request, *, start: Path | None = None) -> None:
        super().__init__(id="upload")
        self.request = request
        # None: the folder this user last chose a file in (else the home folder).
        self.start: Path | None = start
        self.title = _("Attach to {ref}").format(ref=request.ref)
        self.plan: UploadPlan | None = None
        self.chosen: UploadPlan | None = None
        self._retry_upload: tuple[UploadPlan, str] | None = None

    @property
    def taken(self) -> list[str]:
        return [attachment.name for attachment in self.request.attachments]

    def compose(self) -> ComposeResult:
        if self.start is None:
            self.start = self._remembered_folder() or Path.home()
        yield ServerBanner(id="banner")
        yield Static(id="upload-title")
        yield DocumentTree(self.start, id="upload-tree")
        yield Input(
            placeholder=_("…or type or paste a path, then Enter (~ works)"),
            id="upload-path",
            compact=True,
        )
        with VerticalScroll(id="upload-check"):
            yield Static(id="upload-file")
            yield Static(id="upload-verdict")
            yield Static(id="upload-reasons")
            yield Static(id="upload-corrected")
            yield UploadOffer(id="upload-offer")
            with Vertical(id="upload-progress-box"):
                yield Static(id="upload-progress-label")
                yield ProgressBar(id="upload-progress", show_eta=False)
            yield Notice(id="notice")
        yield Footer()

    def on_mount(self) -> None:
        self._show_title()
        self.query_one(Notice).clear()
        for widget_id in ("#upload-offer", "#upload-progress-box", "#upload-corrected"):
            self.query_one(widget_id).display = False
        self.query_one("#upload-file", Static).update(
            Content(_("Move over a file to check its name; Enter chooses it."))
        )
        if len(self.taken) >= MAX_FILES_PER_REQUEST:
            self.query_one(Notice).show(self._full_words())
        self.query_one(DocumentTree).focus()

    def _remembered_folder(self) -> Path | None:
        """The folder this user last chose a file in, if it is still a folder."""
        app = self.portal_app
        if app.user is None:
            return None
        folder = last_upload_folder(app.state_dir, app.user.user_id)
        return Path(folder) if folder and _is_dir(Path(folder)) else None

    def _remember_folder(self, folder: Path) -> None:
        app = self.portal_app
        if app.user is not None:
            remember_upload_folder(app.state_dir, app.user.user_id, str(folder.absolute()))

    def _full_words(self) -> str:
        return _(
            "{ref} already has {limit} supporting documents, the limit. Delete one you no "
            "longer need first."
        ).format(ref=self.request.ref, limit=MAX_FILES_PER_REQUEST)

    def _show_title(self) -> None:
        request = self.request
        self.query_one("#upload-title", Static).update(
            safe_content(
                flatten(
                    _("Attach a supporting document to {ref}").format(ref=request.ref)
                    + f" ({request.participant_id}) · "
                    + _("{count} of {limit} attached").format(
                        count=len(self.taken), limit=MAX_FILES_PER_REQUEST
                    )
                )
            )
        )

    # Choosing

    def on_tree_node_highlighted(self, event: DirectoryTree.NodeHighlighted[DirEntry]) -> None:
        node = event.node
        if node.data is not None and not node.allow_expand:
            self.check_file(node.data.path, choose=False)

    @on(DirectoryTree.FileSelected)
    def _file_selected(self, event: DirectoryTree.FileSelected) -> None:
        event.stop()
        self.check_file(event.path, choose=True)

    @on(Input.Submitted, "#upload-path")
    def _path_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if not event.value.strip():
            return
        tree = self.query_one(DocumentTree)
        base = tree.path if isinstance(tree.path, Path) else Path(tree.path)
        path = path_from_text(event.value, base)
        self.check_file(path, choose=True)

    @work(exclusive=True, group="upload-check", exit_on_error=False)
    async def check_file(self, path: Path, choose: bool) -> None:
        """Check `path` (in a thread) and show the verdict; `choose` moves to the offer."""
        if choose and await asyncio.to_thread(_is_dir, path):
            tree = self.query_one(DocumentTree)
            tree.path = path
            tree.focus()
            return
        file = await asyncio.to_thread(inspect_file, path)
        plan = plan_upload(file, self.request.ref, self.request.participant_id, self.taken)
        same: Attachment | None = None
        if choose and file.uploadable and self.request.attachments:
            digest = await asyncio.to_thread(sha256_of, path)
            same = next((a for a in self.request.attachments if a.sha256 == digest), None)
        self.show_plan(plan, offer=choose, same_bytes_as=same)
        if choose:
            self._remember_folder(path.parent)

    def show_plan(
        self, plan: UploadPlan, *, offer: bool, same_bytes_as: Attachment | None = None
    ) -> None:
        """Show the check of `plan`'s file; `offer`: ask y/N to upload it, saying so
        first when `same_bytes_as` (an attachment with the same SHA-256) is there."""
        self.plan = plan
        self.query_one(Notice).clear()
        file = plan.file
        self.query_one("#upload-file", Static).update(
            safe_content(
                flatten(f"{file.path.name} · {file.description}" if file.size else file.path.name)
            )
        )
        verdict = (
            "✓ " + _("The name is right.")
            if plan.name_ok
            else "✗ " + _("The name is not the portal's:")
        )
        self.query_one("#upload-verdict", Static).update(Content(verdict))
        lines = [f"• {reason}" for reason in plan.reasons]
        lines.extend(f"✗ {problem}" for problem in file.problems)
        reasons = self.query_one("#upload-reasons", Static)
        reasons.update(safe_content("\n".join(lines), multiline=True))
        reasons.display = bool(lines)
        corrected = self.query_one("#upload-corrected", Static)
        if plan.corrected and not plan.name_ok:
            corrected.update(
                safe_content(flatten(_("Corrected name: {name}").format(name=plan.corrected)))
            )
            corrected.display = True
        else:
            corrected.display = False
        offer_widget = self.query_one(UploadOffer)
        if plan.target is None:
            offer_widget.display = False
            self.chosen = None
            if offer and len(self.taken) >= MAX_FILES_PER_REQUEST:
                self.query_one(Notice).show(self._full_words())
            elif offer and file.uploadable and plan.corrected is None:
                self.query_one(Notice).show(
                    _(
                        "Every name a .{kind} file can have on {ref} is taken (no suffix, then "
                        "_01 to _0{last}); delete an attachment first."
                    ).format(kind=file.kind, ref=self.request.ref, last=MAX_SUFFIX)
                )
            return
        if same_bytes_as is not None:
            question = _(
                "These bytes are already attached to {ref} as {name}. Upload them again as "
                "{target}? y/N"
            ).format(ref=self.request.ref, name=same_bytes_as.name, target=plan.target)
        elif plan.target == plan.name:
            question = _("Upload {target} ({description})? y/N").format(
                target=plan.target, description=file.description
            )
        else:
            question = _("Upload it as {target}? y/N").format(target=plan.target)
        offer_widget.update(safe_content(flatten(question)))
        offer_widget.display = True
        if offer:
            self.chosen = plan
            offer_widget.focus()
            offer_widget.scroll_visible()
        elif self.chosen is not None and self.chosen.file.path != file.path:
            self.chosen = None

    def answer_offer(self, yes: bool) -> None:
        plan = self.chosen or self.plan
        if not yes or plan is None or plan.target is None:
            if plan is not None and plan.target is not None:
                self.query_one(Notice).show(_("Not uploaded."), "info")
            self.chosen = None
            self.query_one(DocumentTree).focus()
            return
        self.upload(plan, str(uuid.uuid4()))

    # Uploading

    @work(exclusive=True, group="upload", exit_on_error=False)
    async def upload(self, plan: UploadPlan, key: str) -> None:
        assert plan.target is not None
        offer = self.query_one(UploadOffer)
        offer.display = False
        box = self.query_one("#upload-progress-box")
        bar = self.query_one(ProgressBar)
        bar.update(total=max(plan.file.size, 1), progress=0)
        self.query_one("#upload-progress-label", Static).update(
            safe_content(flatten(_("Uploading {target}…").format(target=plan.target)))
        )
        box.display = True

        def progress(sent: int, total: int) -> None:
            bar.update(total=max(total, 1), progress=sent)

        def unreachable(error: PortalUnreachable) -> None:
            box.display = False
            self._retry_upload = (plan, key)
            self.show_unreachable(error)

        async def refused(error: PortalError) -> None:
            box.display = False
            self.query_one(Notice).show(error.message)
            if error.code in ("duplicate_file_name", "bad_file_name"):
                await self._reload_and_recheck(plan)
            else:
                self.query_one(DocumentTree).focus()

        try:
            attachment = await self.call_portal(
                lambda portal: portal.upload_attachment(
                    self.request.ref, plan.file.path, plan.target, progress, idempotency_key=key
                ),
                unreachable=unreachable,
                refused=refused,
            )
        except OSError as error:
            box.display = False
            reason = error.strerror or str(error)
            self.query_one(Notice).show(
                _("cc-tui could not read {path}: {reason}.").format(
                    path=plan.file.path, reason=reason
                )
            )
            return
        if attachment is FAILED:
            return
        self.app.notify(
            _("Attached {name} to {ref}.").format(name=attachment.name, ref=self.request.ref),
            title=_("Supporting document"),
        )
        self.dismiss(attachment)

    async def _reload_and_recheck(self, plan: UploadPlan) -> None:
        """The portal's list of names may be newer than ours: read it and offer again."""
        message = self.query_one(Notice).text

        def not_read(_: object) -> None:
            self.query_one(DocumentTree).focus()

        request = await self.call_portal(
            lambda portal: portal.get_request(self.request.ref),
            unreachable=not_read,
            refused=not_read,
        )
        if request is FAILED:
            return
        self.request = request
        self._show_title()
        fresh = plan_upload(plan.file, self.request.ref, self.request.participant_id, self.taken)
        self.show_plan(fresh, offer=True)
        self.query_one(Notice).show(message.removeprefix("✗ "))

    # The banner

    def show_unreachable(self, error: PortalUnreachable) -> None:
        self.query_one("#banner", ServerBanner).show(error.message)
        self.refresh_bindings()

    def on_server_banner_retry(self, event: ServerBanner.Retry) -> None:
        event.stop()
        self.action_retry()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "retry":
            return self._retry_upload is not None
        return True

    def action_retry(self) -> None:
        pending = self._retry_upload
        if pending is None:
            return
        self._retry_upload = None
        self.query_one("#banner", ServerBanner).hide()
        self.refresh_bindings()
        self.upload(*pending)

    def action_back(self) -> None:
        self.dismiss(None)
