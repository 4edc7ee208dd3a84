"""Several memberships, one login: which one the user acts for, in words, and the switch.

- The acting membership is `PortalApp.participant_id`; `PortalClient.participant_id`
  sends it as `X-Participant-ID` on every call. At login it is the one last used by this
  user on this portal (`state.json`, `last_membership`), if still held, else the first.
- A switch (`switch_membership`) changes both, remembers it, and then:
  - closes the screens that belong to one request of the old membership (request, form,
    upload, bulk approval and the dialogs above them: `MEMBERSHIP_BOUND`), from the
    lowest such screen up. A form's typed values are already in its draft file (written
    on every change) and the draft names its membership, so nothing typed is lost: the
    catalogue of that membership offers it again;
  - asks every screen left to show the new membership (`PortalScreen.
    membership_switched`): the dashboard keeps its section, filters and sorts and loads
    the lists and counts again; the catalogue searches again (only the forms this
    membership may make); the accounts screen lists this membership's users.
  - The notice stream is the user's, for every membership, so it carries on: notices
    name their membership whichever one acts (`notice_membership`).
- Words: kinds ("exchange participant") and roles ("maker and checker") as people say
  them; portal text goes through the sanitizer (`safe_text.shown`) before it is shown.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from cc_tui.domain.i18n import N_, _
from cc_tui.tui.safe_text import flatten, shown

if TYPE_CHECKING:
    from textual.app import App

    from cc_tui.api.auth import Membership, User

# English, marked: `_()` where they are shown.
KIND_WORDS = {
    "exchange_participant": N_("exchange participant"),
    "clearing_participant": N_("clearing participant"),
    "designated_bank": N_("designated bank"),
}
ROLE_WORDS = {
    "maker": N_("maker"),
    "checker": N_("checker"),
    "ccda": N_("delegated administrator (CCDA)"),
    "exchange_officer": N_("exchange officer"),
}


def kind_words(kind: str) -> str:
    """A membership's kind as people say it."""
    known = KIND_WORDS.get(kind)
    return _(known) if known else shown(flatten(kind.replace("_", " ")))


def roles_words(roles: Iterable[str]) -> str:
    """ "maker and checker", "maker, checker and CCDA"; "no rights here yet" for none."""
    words = [
        _(ROLE_WORDS[role]) if role in ROLE_WORDS else shown(flatten(role.replace("_", " ")))
        for role in roles
    ]
    if not words:
        return _("no rights here yet")
    if len(words) == 1:
        return words[0]
    return _("{some} and {last}").format(some=_(", ").join(words[:-1]), last=words[-1])


def membership_of(user: User | None, participant_id: str | None) -> Membership | None:
    if user is None or participant_id is None:
        return None
    return next((m for m in user.memberships if m.participant_id == participant_id), None)


def membership_title(membership: Membership) -> str:
    """`C01234 Harbour Securities Limited (clearing participant)`."""
    name = shown(flatten(membership.name))
    return f"{membership.participant_id} {name} ({kind_words(membership.kind)})"


def membership_line(membership: Membership) -> str:
    """An entry of the switch list: ID and firm, then (indented under the firm, so a
    long name never pushes the roles out of sight) kind and roles in words."""
    name = shown(flatten(membership.name))
    return (
        f"{membership.participant_id}  {name}\n"
        f"{' ' * (len(membership.participant_id) + 2)}{kind_words(membership.kind)} · "
        f"{roles_words(membership.roles)}"
    )


def first_membership(user: User, remembered: str | None) -> str | None:
    """The membership to act for at login: the remembered one if still held, else the
    first; None for a user with none (the exchange)."""
    held = [m.participant_id for m in user.memberships]
    if remembered in held:
        return remembered
    return held[0] if held else None


def notice_membership(user: User | None, acting: str | None, participant_id: str | None) -> str:
    """The words a notice adds about its membership: nothing for a user with one; the
    membership's ID for the acting one; and how to get there for another."""
    if user is None or participant_id is None or len(user.memberships) < 2:
        return ""
    if participant_id == acting:
        return f" ({participant_id})"
    return " " + _("(for {participant_id}: switch with F7 to work on it)").format(
        participant_id=participant_id
    )


def notice_ref(user: User | None, ref: str, participant_id: str | None) -> str:
    """A notice's reference as a gathered toast names it ("3 new tasks: ..."): with its
    membership for a user with several, so that a burst still says whose each one is."""
    if user is None or participant_id is None or len(user.memberships) < 2:
        return ref
    return f"{ref} ({participant_id})"


def other_memberships(user: User | None, acting: str | None) -> Sequence[str]:
    if user is None:
        return ()
    return [m.participant_id for m in user.memberships if m.participant_id != acting]


async def show_membership(app: App[Any], before: str | None, then_open: str | None) -> None:
    """The screens once another membership acts (the app's `switch_membership`): those of
    the old one's requests closed (saying which typed input their drafts keep, from
    `before`), the others shown the new one, then `then_open` (a reference) opened."""
    stack = app.screen_stack
    bound = next((i for i, s in enumerate(stack) if getattr(s, "MEMBERSHIP_BOUND", False)), None)
    kept = [
        words
        for screen in (stack[bound:] if bound is not None else [])
        if callable(keep := getattr(screen, "kept_on_switch", None)) and (words := keep())
    ]
    if kept and before is not None:
        app.notify(
            _(
                "Unsent input kept in a draft of {participant_id}: {drafts}. Switch back (F7) "
                "to carry on with it."
            ).format(participant_id=before, drafts=_(", ").join(kept)),
            title=_("Unsent drafts"),
            timeout=10,
        )
    with app.batch_update():
        if bound is not None:
            while len(app.screen_stack) > bound:
                await app.pop_screen()
        for screen in app.screen_stack:
            switched = getattr(screen, "membership_switched", None)
            if callable(switched):
                switched()
    if then_open is not None:
        from cc_tui.tui.screens.request import RequestScreen

        await app.push_screen(RequestScreen(then_open))
    app.refresh_bindings()
