"""The dashboard's keys: each with its id (keymaps and `screens.md` name it), its words in
the footer and its tooltip (F1's list and the palette show them)."""

from __future__ import annotations

from textual.binding import Binding, BindingType

from cc_tui.domain.i18n import N_
from cc_tui.tui.widgets.section_tabs import SECTIONS


def _section_key(number: int) -> Binding:
    section = SECTIONS[number - 1]
    return Binding(
        str(number),
        f"section('{section.value}')",
        section.label,
        id=f"dashboard.section_{number}",
        tooltip=N_("Show this section."),
        show=False,
    )


DASHBOARD_KEYS: list[BindingType] = [
    Binding(
        "slash",
        "filter",
        "Filter",
        id="dashboard.filter",
        tooltip=N_(
            "Type a filter: words, status:returned, eservice:CT027, maker:amy, "
            "firm:B01234, ref:ECS0001, from:/to:YYYY-MM-DD, !word (words match titles, makers "
            "and comments)."
        ),
    ),
    Binding(
        "colon",
        "jump",
        "Go to",
        id="dashboard.jump",
        tooltip=N_("Go to a request by its reference."),
    ),
    Binding(
        "n",
        "new_request",
        "New request",
        id="dashboard.new",
        tooltip=N_("Find a form in the eService catalogue and start a new request."),
    ),
    Binding(
        "s",
        "cycle_sort",
        "Sort",
        id="dashboard.sort",
        tooltip=N_("Sort by the next order: updated, reference, status, eService."),
        show=False,
    ),
    Binding(
        "space",
        "mark",
        "Mark",
        id="dashboard.mark",
        tooltip=N_("Mark or unmark the highlighted request for bulk approval."),
    ),
    Binding(
        "asterisk",
        "mark_all",
        "Mark all",
        id="dashboard.mark_all",
        tooltip=N_("Mark every request listed, to approve them all with A."),
        show=False,
    ),
    Binding(
        "A",
        "approve_marked",
        "Approve",
        id="dashboard.approve_marked",
        tooltip=N_("Approve every marked request, after one y/N."),
    ),
    Binding(
        "y",
        "copy_ref",
        "Copy ref",
        id="dashboard.copy",
        tooltip=N_("Send the highlighted reference to your terminal to copy (OSC 52)."),
        show=False,
    ),
    Binding(
        "r",
        "retry",
        "Refresh",
        id="dashboard.refresh",
        tooltip=N_("Fetch the list and the counts again (keeps your place)."),
        show=False,
    ),
    Binding(
        "right_square_bracket",
        "next_section",
        "Next section",
        id="dashboard.next_section",
        tooltip=N_("Show the next section (or 1 to 6)."),
        show=False,
    ),
    Binding(
        "left_square_bracket",
        "previous_section",
        "Previous section",
        id="dashboard.previous_section",
        tooltip=N_("Show the previous section (or 1 to 6)."),
        show=False,
    ),
    Binding(
        "g,home",
        "first_request",
        "Top",
        id="dashboard.top",
        tooltip=N_("Go to the first request of the list."),
        show=False,
    ),
    Binding(
        "G,end",
        "last_request",
        "Bottom",
        id="dashboard.bottom",
        tooltip=N_("Go to the last request loaded; the next page then loads."),
        show=False,
    ),
    Binding(
        "escape",
        "clear_marks",
        "Unmark all",
        id="dashboard.clear_marks",
        tooltip=N_("Unmark every marked request."),
        show=False,
    ),
    *(_section_key(number) for number in range(1, len(SECTIONS) + 1)),
]
