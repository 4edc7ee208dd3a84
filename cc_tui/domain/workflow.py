"""The maker-checker workflow: statuses, actions, actors, and who may do what.

This is DOMAIN.md's workflow table as data. The server enforces it, the server computes
`allowed_actions` from it, and the TUI offers exactly what the server allows; nobody
else writes these rules down.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from cc_tui.domain.i18n import N_, _


class Status(StrEnum):
    DRAFT = "draft"
    PENDING_CHECKER = "pending_checker"
    RETURNED = "returned"
    WITH_EXCHANGE = "with_exchange"
    APPROVED = "approved"
    COMPLETED = "completed"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"
    DISCARDED = "discarded"
    ABORTED = "aborted"

    @property
    def label(self) -> str:
        """The status in words, as a person reads it ("Pending checker"); in English
        (`_(status.label)` where it is shown in the reader's language)."""
        return _STATUS_WORDS[self]

    @property
    def symbol(self) -> str:
        """A plain-text symbol, so colour never carries the meaning alone."""
        return _SYMBOLS[self]

    @property
    def is_final(self) -> bool:
        return self in FINAL_STATUSES

    @property
    def is_editable(self) -> bool:
        """Only Draft and Returned requests can be modified (by their maker)."""
        return self in EDITABLE_STATUSES


# A status in words (marked for translation: the TUI shows `_(status.label)`).
_STATUS_WORDS = {
    Status.DRAFT: N_("Draft"),
    Status.PENDING_CHECKER: N_("Pending checker"),
    Status.RETURNED: N_("Returned"),
    Status.WITH_EXCHANGE: N_("With exchange"),
    Status.APPROVED: N_("Approved"),
    Status.COMPLETED: N_("Completed"),
    Status.REJECTED: N_("Rejected"),
    Status.WITHDRAWN: N_("Withdrawn"),
    Status.DISCARDED: N_("Discarded"),
    Status.ABORTED: N_("Aborted"),
}
assert all(words == s.value.replace("_", " ").capitalize() for s, words in _STATUS_WORDS.items())

_SYMBOLS = {
    Status.DRAFT: "✎",
    Status.PENDING_CHECKER: "…",
    Status.RETURNED: "↩",
    Status.WITH_EXCHANGE: "⇄",
    Status.APPROVED: "✔",
    Status.COMPLETED: "✔",
    Status.REJECTED: "✘",
    Status.WITHDRAWN: "⊘",
    Status.DISCARDED: "⊘",
    Status.ABORTED: "⊘",
}

FINAL_STATUSES = frozenset(
    {
        Status.APPROVED,
        Status.COMPLETED,
        Status.REJECTED,
        Status.WITHDRAWN,
        Status.DISCARDED,
        Status.ABORTED,
    }
)
EDITABLE_STATUSES = frozenset({Status.DRAFT, Status.RETURNED})


class Action(StrEnum):
    SAVE = "save"
    SUBMIT = "submit"
    APPROVE = "approve"
    RETURN = "return"
    REJECT = "reject"
    WITHDRAW = "withdraw"
    DISCARD = "discard"
    COMPLETE = "complete"
    ABORT = "abort"
    UPLOAD = "upload"
    DELETE_ATTACHMENT = "delete_attachment"

    @property
    def label(self) -> str:
        """The action in words, English and marked: `_(action.label)` where it is shown."""
        return _ACTION_WORDS[self][0]

    @property
    def done(self) -> str:
        """What a request becomes by it ("submitted"), English and marked like `label`."""
        return _ACTION_WORDS[self][1]


_ACTION_WORDS: dict[Action, tuple[str, str]] = {
    Action.SAVE: (N_("Save"), N_("saved")),
    Action.SUBMIT: (N_("Submit"), N_("submitted")),
    Action.APPROVE: (N_("Approve"), N_("approved")),
    Action.RETURN: (N_("Return"), N_("returned")),
    Action.REJECT: (N_("Reject"), N_("rejected")),
    Action.WITHDRAW: (N_("Withdraw"), N_("withdrawn")),
    Action.DISCARD: (N_("Discard"), N_("discarded")),
    Action.COMPLETE: (N_("Complete"), N_("completed")),
    Action.ABORT: (N_("Abort"), N_("aborted")),
    Action.UPLOAD: (N_("Upload"), N_("uploaded")),
    Action.DELETE_ATTACHMENT: (N_("Delete attachment"), N_("deleted")),
}


# The actions a person takes through POST /requests/{ref}/actions/{action}.
USER_ACTIONS = (
    Action.SUBMIT,
    Action.APPROVE,
    Action.RETURN,
    Action.REJECT,
    Action.WITHDRAW,
    Action.DISCARD,
    Action.COMPLETE,
)


class Actor(StrEnum):
    """The part a person plays towards one request."""

    MAKER = "maker"
    CHECKER = "checker"
    EXCHANGE = "exchange"
    SYSTEM = "system"


@dataclass(frozen=True)
class Transition:
    source: frozenset[Status]
    action: Action
    actor: Actor
    comment_required: bool = False


# DOMAIN.md's table. The target of approve and complete depends on the eService, so
# `next_status` computes it rather than this table storing it.
TRANSITIONS: tuple[Transition, ...] = (
    Transition(EDITABLE_STATUSES, Action.SUBMIT, Actor.MAKER),
    Transition(EDITABLE_STATUSES, Action.DISCARD, Actor.MAKER),
    Transition(frozenset({Status.PENDING_CHECKER}), Action.WITHDRAW, Actor.MAKER),
    Transition(frozenset({Status.PENDING_CHECKER}), Action.APPROVE, Actor.CHECKER),
    Transition(frozenset({Status.PENDING_CHECKER}), Action.RETURN, Actor.CHECKER, True),
    Transition(frozenset({Status.PENDING_CHECKER}), Action.REJECT, Actor.CHECKER, True),
    Transition(frozenset({Status.WITH_EXCHANGE}), Action.COMPLETE, Actor.EXCHANGE),
    Transition(frozenset({Status.WITH_EXCHANGE}), Action.RETURN, Actor.EXCHANGE, True),
    Transition(frozenset({Status.WITH_EXCHANGE}), Action.REJECT, Actor.EXCHANGE, True),
    Transition(EDITABLE_STATUSES, Action.ABORT, Actor.SYSTEM),
)

ABORT_AFTER_DAYS = 30


class WorkflowError(Exception):
    """An action that the workflow does not allow; `code` is the API's problem code."""

    def __init__(self, code: str, message: str, fix: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.fix = fix


def may_modify(user_id: str | None, maker_id: str, status: Status) -> bool:
    """Only its maker changes a request (fields, supporting documents), and only while it
    is a Draft or Returned. The server's refusals and the TUI's offers both follow this."""
    return user_id is not None and user_id == maker_id and status.is_editable


def find_transition(status: Status, action: Action, actor: Actor) -> Transition | None:
    for transition in TRANSITIONS:
        if (
            transition.action is action
            and transition.actor is actor
            and status in (transition.source)
        ):
            return transition
    return None


def next_status(
    status: Status,
    action: Action,
    *,
    has_exchange_stage: bool,
    final_status: Status = Status.COMPLETED,
) -> Status:
    """Where `action` takes a request from `status` (assumes the move is allowed)."""
    if action is Action.SUBMIT:
        return Status.PENDING_CHECKER
    if action is Action.DISCARD:
        return Status.DISCARDED
    if action is Action.WITHDRAW:
        return Status.WITHDRAWN
    if action is Action.APPROVE:
        return Status.WITH_EXCHANGE if has_exchange_stage else final_status
    if action is Action.RETURN:
        return Status.RETURNED
    if action is Action.REJECT:
        return Status.REJECTED
    if action is Action.COMPLETE:
        return final_status
    if action is Action.ABORT:
        return Status.ABORTED
    raise WorkflowError(
        "invalid_transition",
        _("{action} does not change a request's status.").format(action=_(action.label)),
    )


@dataclass(frozen=True)
class Party:
    """Who is acting on a request, as far as the workflow cares."""

    user_id: str
    can_make: bool
    can_check: bool
    is_exchange_officer: bool = False


def actors_for(party: Party, maker_id: str) -> list[Actor]:
    """The parts `party` may play on a request made by `maker_id`.

    The maker of a request may never check it, even when it holds checker rights.
    """
    actors: list[Actor] = []
    if party.user_id == maker_id:
        actors.append(Actor.MAKER)
    elif party.can_check:
        actors.append(Actor.CHECKER)
    if party.is_exchange_officer:
        actors.append(Actor.EXCHANGE)
    return actors


def allowed_actions(party: Party, maker_id: str, status: Status) -> list[Action]:
    """What `party` may do now: the same rule `authorise` enforces."""
    allowed: list[Action] = []
    for action in USER_ACTIONS:
        try:
            # The comment is asked for when the action is taken, not to offer it.
            authorise(party, maker_id, status, action, comment="-")
        except WorkflowError:
            continue
        allowed.append(action)
    return allowed


def authorise(
    party: Party, maker_id: str, status: Status, action: Action, comment: str | None = None
) -> Transition:
    """Check that `party` may take `action` on a request in `status`; raise if not."""
    actors = actors_for(party, maker_id)
    for actor in actors:
        transition = find_transition(status, action, actor)
        if transition is not None:
            if actor is Actor.MAKER and not party.can_make and action is Action.SUBMIT:
                break
            if transition.comment_required and not (comment and comment.strip()):
                raise WorkflowError(
                    "validation_failed",
                    _("{action} needs a comment for the maker.").format(action=_(action.label)),
                    _("Write a comment that says what to change or why, then try again."),
                )
            return transition
    checker_move = any(
        t.action is action and t.actor is Actor.CHECKER and status in t.source for t in TRANSITIONS
    )
    if party.user_id == maker_id and checker_move:
        raise WorkflowError(
            "maker_cannot_check",
            _("You made this request, so you cannot check it."),
            _("Ask another checker of your firm to approve, return or reject it."),
        )
    if any(t.action is action and status in t.source for t in TRANSITIONS):
        raise WorkflowError(
            "forbidden",
            _("You may not {action} this request.").format(action=_(action.label).lower()),
            _("Ask a colleague who holds the right to do it."),
        )
    raise WorkflowError(
        "invalid_transition",
        _("A request that is {status} cannot be {done}.").format(
            status=_(status.label).lower(), done=_(action.done)
        ),
        _("Reload the request to see its current status and what you can do now."),
    )
