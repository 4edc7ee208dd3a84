"""The request screen's keys: an action's key (`ACTION_KEYS`), the tabs' number keys, and
every binding with its id (keymaps and `screens.md` name it), its words in the footer and
its tooltip (F1's list and the palette show them)."""

from __future__ import annotations

from textual.binding import Binding, BindingType

from cc_tui.domain.i18n import N_
from cc_tui.domain.workflow import Action

# The key actions of this screen, in the order they are offered.
ACTION_KEYS: dict[Action, str] = {
    Action.SUBMIT: "s",
    Action.APPROVE: "a",
    Action.RETURN: "r",
    Action.REJECT: "x",
    Action.WITHDRAW: "w",
    Action.DISCARD: "d",
    Action.COMPLETE: "c",
}
# The tabs, in the order of their number keys.
TABS = ("tab-fields", "tab-attachments", "tab-comments", "tab-audit")
TAB_WORDS = (N_("Fields"), N_("Documents"), N_("Comments"), N_("Audit trail"))


def _binding(action: Action, description: str, tooltip: str) -> Binding:
    return Binding(
        ACTION_KEYS[action],
        f"take('{action.value}')",
        description,
        id=f"request.{action.value}",
        tooltip=tooltip,
    )


def _tab_key(number: int) -> Binding:
    return Binding(
        str(number),
        f"tab({number - 1})",
        TAB_WORDS[number - 1],
        id=f"request.tab_{number}",
        tooltip=f"Show the tab {TAB_WORDS[number - 1]}.",
        show=False,
    )


REQUEST_KEYS: list[BindingType] = [
    _binding(Action.APPROVE, "Approve", "Approve the request (you confirm with y)."),
    Binding(
        "r",
        "retry",
        "Retry",
        id="screen.retry",
        tooltip="Try the last call to the portal again.",
    ),
    _binding(Action.RETURN, "Return", "Return it to the maker with a comment."),
    _binding(Action.REJECT, "Reject", "Reject it for good, with a comment."),
    _binding(Action.SUBMIT, "Submit", "Submit it for checking (you confirm with y)."),
    _binding(Action.WITHDRAW, "Withdraw", "Take it back from the checker for good."),
    _binding(Action.DISCARD, "Discard", "Discard this draft for good."),
    _binding(Action.COMPLETE, "Complete", "Mark it processed by the exchange."),
    Binding(
        "n",
        "next_request",
        "Next request",
        id="request.next",
        tooltip="Open the next request of the list you came from.",
    ),
    Binding(
        "e",
        "edit",
        "Edit",
        id="request.edit",
        tooltip="Change the fields (Draft or Returned, its maker only).",
    ),
    Binding(
        "u",
        "upload",
        "Attach file",
        id="request.upload",
        tooltip="Attach a supporting document (PDF, XLS or XLSX).",
    ),
    Binding(
        "p",
        "audit_pdf",
        "Audit PDF",
        id="request.audit_pdf",
        tooltip="Save the audit trail as a PDF in your downloads folder.",
    ),
    Binding(
        "y",
        "copy_ref",
        "Copy ref",
        id="request.copy",
        tooltip="Send the reference to your terminal's clipboard (OSC 52).",
        show=False,
    ),
    *(_tab_key(number) for number in range(1, len(TABS) + 1)),
    Binding(
        "right_square_bracket",
        "cycle_tab(1)",
        "Next tab",
        id="request.next_tab",
        tooltip="Show the next tab (or 1 to 4).",
        show=False,
    ),
    Binding(
        "left_square_bracket",
        "cycle_tab(-1)",
        "Previous tab",
        id="request.previous_tab",
        tooltip="Show the previous tab (or 1 to 4).",
        show=False,
    ),
    Binding(
        "ctrl+r",
        "reload",
        "Reload",
        id="request.reload",
        tooltip="Load the request again from the portal.",
        show=False,
    ),
    Binding("escape", "back", "Back", id="request.back", tooltip="Go back."),
]
