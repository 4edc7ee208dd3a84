"""The dashboard's section tabs on one line, each with its count.

A custom one-line widget rather than Textual's `Tabs` (two lines, scrolls sideways when
the labels do not fit): it picks the longest wording that fits its width, from "1 Awaiting
my check 12" down to "Check 12" and counts like "600k", so that six sections and their
counts always fit 80 columns. The current section is shown in reverse and bold, which
reads the same without colour (NO_COLOR). A click selects a section; nothing needs it.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.cells import cell_len
from textual import events
from textual.content import Content
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget

from cc_tui.api.requests import SectionCounts
from cc_tui.domain.i18n import N_, _
from cc_tui.domain.sections import Section

SECTIONS = tuple(Section)
SHORT_LABELS = {
    Section.AWAITING_MY_CHECK: N_("Check"),
    Section.RETURNED_TO_ME: N_("Returned"),
    Section.MY_DRAFTS: N_("Drafts"),
    Section.SUBMITTED_BY_ME: N_("Submitted"),
    Section.HISTORY: N_("History"),
    Section.ALL: N_("All"),
}


def compact_count(count: int) -> str:
    """12,408 stays; 600,000 becomes 600k and 1,000,000 1.0M (for narrow terminals)."""
    if count < 100_000:
        return f"{count:,}"
    if count < 1_000_000:
        return f"{count // 1000}k"
    return f"{count / 1_000_000:.1f}M"


@dataclass(frozen=True)
class TabSpan:
    section: Section
    start: int
    end: int


def tab_labels(counts: SectionCounts | None, width: int) -> list[tuple[Section, str]]:
    """The longest wording of the six tabs that fits `width` cells."""

    def count_of(section: Section, compact: bool) -> str:
        if counts is None:
            return "…"
        value: int = getattr(counts, section.value)
        return compact_count(value) if compact else f"{value:,}"

    wordings = [
        [(s, f"{n} {_(s.label)} {count_of(s, False)}") for n, s in enumerate(SECTIONS, 1)],
        [(s, f"{_(s.label)} {count_of(s, False)}") for s in SECTIONS],
        [(s, f"{_(SHORT_LABELS[s])} {count_of(s, False)}") for s in SECTIONS],
        [(s, f"{_(SHORT_LABELS[s])} {count_of(s, True)}") for s in SECTIONS],
    ]
    for labels in wordings:
        needed = sum(cell_len(text) + 2 for _section, text in labels)
        if needed <= width:
            return labels
    return wordings[-1]


def shown_window(widths: list[int], current: int, room: int) -> tuple[int, int]:
    """Which tabs fit `room` cells (`widths`: each tab's), as [first, last): all where they
    fit; narrower (60 columns, six tabs and their counts), a run of them that holds the
    current one, with a one-cell "…" on each side where tabs are left out."""
    count = len(widths)
    for first in range(current + 1):
        last = first
        used = 1 if first else 0
        while last < count and used + widths[last] + (1 if last + 1 < count else 0) <= room:
            used += widths[last]
            last += 1
        if last > current:
            return first, last
    return current, current + 1


class SectionTabs(Widget):
    """Six sections with their counts; `section` is the one shown."""

    DEFAULT_CSS = """
    SectionTabs { height: 1; }
    """

    section: reactive[Section] = reactive(Section.AWAITING_MY_CHECK)
    counts: reactive[SectionCounts | None] = reactive(None)

    class Selected(Message):
        """The user clicked a tab."""

        def __init__(self, section: Section) -> None:
            super().__init__()
            self.section = section

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._spans: list[TabSpan] = []

    def render(self) -> Content:
        width = self.content_region.width
        labels = tab_labels(self.counts, width)
        current = next((i for i, (s, _t) in enumerate(labels) if s is self.section), 0)
        first, last = shown_window([cell_len(text) + 2 for _s, text in labels], current, width)
        parts: list[Content] = []
        spans: list[TabSpan] = []
        position = 0
        if first:  # tabs left out on the left (a narrow terminal): said, never silent
            parts.append(Content("…"))
            position += 1
        for section, text in labels[first:last]:
            label = Content(f" {text} ")
            if section is self.section:
                label = label.stylize("bold reverse")
            parts.append(label)
            spans.append(TabSpan(section, position, position + label.cell_length))
            position += label.cell_length
        if last < len(labels):
            parts.append(Content("…"))
        self._spans = spans
        return Content("").join(parts)

    def count(self, section: Section) -> int | None:
        if self.counts is None:
            return None
        value: int = getattr(self.counts, section.value)
        return value

    @property
    def text(self) -> str:
        """The tabs as a person reads them (for tests and screen readers)."""
        width = self.content_region.width or 200
        return "  ".join(text for _, text in tab_labels(self.counts, width))

    def on_click(self, event: events.Click) -> None:
        for span in self._spans:
            if span.start <= event.x < span.end:
                event.stop()
                self.post_message(self.Selected(span.section))
                return
