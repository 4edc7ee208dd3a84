"""Who may change which account: segregation of duties on accounts (issue 9, point 6).

Pure rules, no I/O: the accounts router asks them before every change and answers
`allowed` in GET /admin/users from them, so what the list offers and what a change is
allowed are one decision.

- A CCDA administers the business users of its acting membership: grants and removes
  their business rights (make and check; never the CCDA right), suspends and
  reactivates them, unlocks them, resets their device, re-sends their set-up mail.
- A CCDA never changes its own account (rights, status, device, unlock): nobody grants
  themselves rights or lifts their own suspension. Ask the exchange.
- A CCDA never changes another CCDA's account (rights included): the exchange manages
  CCDAs.
- The exchange officer manages CCDAs: grants or removes the CCDA right, suspends,
  reactivates, unlocks, resets the device, re-sends the set-up mail; a firm's business
  rights stay its CCDA's to grant, and an officer never changes their own account.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from cc_tui.domain.i18n import N_, _
from cc_tui.domain.rights import CHECK_RIGHTS, DELEGATED_ADMIN, MAKE_RIGHTS

BUSINESS_RIGHTS = MAKE_RIGHTS | CHECK_RIGHTS
EXCHANGE = N_("the exchange (Client Connect support)")


class AccountAction(StrEnum):
    """What an administrator may do to an account (the words of `allowed`)."""

    RIGHTS = "rights"
    SUSPEND = "suspend"
    REACTIVATE = "reactivate"
    UNLOCK = "unlock"
    RESET_DEVICE = "reset_device"
    SETUP_MAIL = "setup_mail"


VERBS = {
    AccountAction.RIGHTS: N_("change the rights of"),
    AccountAction.SUSPEND: N_("suspend"),
    AccountAction.REACTIVATE: N_("reactivate"),
    AccountAction.UNLOCK: N_("unlock"),
    AccountAction.RESET_DEVICE: N_("reset the device of"),
    AccountAction.SETUP_MAIL: N_("send the set-up mail of"),
}


@dataclass(frozen=True)
class Actor:
    """The administrator: a CCDA of `participant_id`, or the exchange."""

    user_id: str
    is_exchange: bool
    participant_id: str | None = None


@dataclass(frozen=True)
class Account:
    """The account acted on, as the administrator sees it."""

    user_id: str
    name: str
    is_ccda: bool
    active: bool = True
    locked: bool = False
    password_set: bool = True


@dataclass(frozen=True)
class Refusal:
    """Why not, in a sentence, and what to do instead."""

    detail: str
    fix: str
    field: str | None = None


def grantable(actor: Actor) -> frozenset[str]:
    """The rights this administrator may grant or remove: a CCDA the business rights of
    its membership, the exchange the CCDA right."""
    return frozenset({DELEGATED_ADMIN}) if actor.is_exchange else frozenset(BUSINESS_RIGHTS)


def refusal(actor: Actor, account: Account, action: AccountAction) -> Refusal | None:
    """Why `actor` may not take `action` on `account`; None when it may. The state of
    the account (already suspended, not locked) is the caller's to judge: this says
    only whether the actor is the one to do it."""
    who = f"{account.name} ({account.user_id})"
    verb = _(VERBS[action])
    exchange = _(EXCHANGE)
    if account.user_id == actor.user_id:
        return Refusal(
            _(
                "You cannot {verb} your own account: nobody administers themselves, so "
                "nobody can grant themselves rights or lift their own suspension."
            ).format(verb=verb),
            _("Ask {exchange} to do it.").format(exchange=exchange),
            "status" if action in (AccountAction.SUSPEND, AccountAction.REACTIVATE) else None,
        )
    if actor.is_exchange:
        if not account.is_ccda:
            return Refusal(
                _(
                    "{who} is a business user: the exchange manages only delegated "
                    "administrators (CCDAs)."
                ).format(who=who),
                _("A firm's business users are its CCDA's to manage."),
            )
        return None
    if account.is_ccda:
        return Refusal(
            _(
                "{who} is a delegated administrator (CCDA): only the exchange can {verb} a "
                "CCDA's account."
            ).format(who=who, verb=verb),
            _("Ask {exchange} to do it.").format(exchange=exchange),
        )
    return None


def rights_refusal(
    actor: Actor, held: Iterable[str], wanted: Iterable[str]
) -> tuple[Refusal, list[str]] | None:
    """Why the change from `held` to `wanted` reaches rights this administrator may not
    grant or remove, with those rights; None when it may."""
    beyond = sorted((frozenset(wanted) ^ frozenset(held)) - grantable(actor))
    if not beyond:
        return None
    names = ", ".join(beyond)
    if actor.is_exchange:
        return (
            Refusal(
                _("The exchange grants and removes only the CCDA right, not {names}.").format(
                    names=names
                ),
                _("A firm's business rights are its delegated administrator's (CCDA's) to grant."),
                "rights",
            ),
            beyond,
        )
    return (
        Refusal(
            _(
                "Only the exchange grants or removes {names}; a CCDA grants business rights "
                "of its own membership."
            ).format(names=names),
            _("Leave it as it is, or ask {exchange}.").format(exchange=_(EXCHANGE)),
            "rights",
        ),
        beyond,
    )


def allowed(actor: Actor, account: Account) -> list[AccountAction]:
    """What `actor` may do to `account` now: the actions it is the one to take, that
    the account's state makes sense of (unlock only a locked account, and so on)."""
    if refusal(actor, account, AccountAction.RIGHTS) is not None:
        return []
    actions = [AccountAction.RIGHTS]
    actions.append(AccountAction.SUSPEND if account.active else AccountAction.REACTIVATE)
    if account.locked:
        actions.append(AccountAction.UNLOCK)
    actions.append(AccountAction.RESET_DEVICE)
    if not account.password_set:
        actions.append(AccountAction.SETUP_MAIL)
    return actions
