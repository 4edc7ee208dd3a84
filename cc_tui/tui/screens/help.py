"""Help (`?` or F1): the keys that work on the screen you came from, read from its live
bindings (`Screen.active_bindings`, Textual's public API) when help opens, so the page
can never drift from the keys, including the user's keymap overrides.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from textual.app import App, ComposeResult
from textual.binding import ActiveBinding, Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

from cc_tui.domain.i18n import N_, _
from cc_tui.tui.screens.base import SpeakingScreen
from cc_tui.tui.widgets.list_keys import TextScroll

# English, marked: `_()` where a section is shown.
SECTIONS = (N_("This screen"), N_("The focused field"), N_("Everywhere"))


@dataclass(frozen=True)
class HelpRow:
    section: str
    keys: str
    description: str
    tooltip: str


def help_rows(app: App[Any], screen: Screen[Any]) -> list[HelpRow]:
    """One row per action the screen's live bindings offer, its keys joined."""
    grouped: dict[tuple[str, str, str], list[str]] = {}
    tooltips: dict[tuple[str, str, str], str] = {}
    for active in screen.active_bindings.values():
        binding = active.binding
        if not _worth_listing(active):
            continue
        if active.node is app:
            section = SECTIONS[2]
        elif active.node is screen:
            section = SECTIONS[0]
        else:
            section = SECTIONS[1]
        key = (section, binding.action, binding.description)
        grouped.setdefault(key, []).append(app.get_key_display(binding))
        tooltips[key] = binding.tooltip
    rows = [
        HelpRow(section, " ".join(keys), description, tooltips[(section, action, description)])
        for (section, action, description), keys in grouped.items()
    ]
    rows.sort(key=lambda row: SECTIONS.index(row.section))
    return rows


def _worth_listing(active: ActiveBinding) -> bool:
    binding: Binding = active.binding
    if binding.system or not binding.description or not active.enabled:
        return False
    return binding.show or binding.id is not None


def help_text(rows: list[HelpRow]) -> str:
    lines: list[str] = []
    section = ""
    width = max((len(row.keys) for row in rows), default=0) + 2
    for row in rows:
        if row.section != section:
            if lines:
                lines.append("")
            section = row.section
            lines.append(_(section))
        explanation = (
            _("{description}: {tooltip}").format(description=row.description, tooltip=row.tooltip)
            if row.tooltip
            else row.description
        )
        lines.append(f"  {row.keys:<{width}}{explanation}")
    return "\n".join(lines) if lines else _("No keys here beyond the usual tab and enter.")


class HelpScreen(SpeakingScreen[None], ModalScreen[None]):
    """The keys of the screen beneath; esc, q, ? or F1 close it."""

    CSS_PATH = "help.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "escape,q,question_mark,f1",
            "app.pop_screen",
            "Close",
            id="help.close",
            tooltip=N_("Close the help."),
        )
    ]

    def __init__(self, rows: list[HelpRow], title: str) -> None:
        super().__init__()
        self.rows = rows
        self.title_text = title

    def compose(self) -> ComposeResult:
        with Vertical(id="help-box"):
            yield Static(Content(_("Keys: {title}").format(title=self.title_text)), id="help-title")
            with TextScroll(id="help-body"):
                yield Static(Content(help_text(self.rows)), id="help-text")
            yield Static(Content(_("esc, q or ? to close")), id="help-hint")
